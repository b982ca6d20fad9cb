"""The :class:`~gradiox.exceptions.FileDownloadError` for a download the app refused."""

from __future__ import annotations

import httpx

from gradiox.exceptions import FileDownloadError

__all__ = ["download_error"]

_MEANINGS = {
    403: (
        "the app refused to serve it. The app does not allow this file: it is outside the "
        "paths the app serves (see allowed_paths in Gradio's launch()), or it no longer "
        "exists (Gradio answers 403 for missing files too). Logging in cannot help; the "
        "app's owner must allow the file, or pass download_files=False to get its URL"
    ),
    404: (
        "it is gone: the app no longer has this file (temporary files and media streams "
        "are deleted after a while). Run the call again to get a fresh file"
    ),
}


def download_error(response: httpx.Response, name: str) -> FileDownloadError:
    """The error for a download of ``name`` that answered ``response`` (not 2xx, not 401)."""
    code = response.status_code
    meaning = _MEANINGS.get(code, "the app answered with an unexpected status")
    message = f"Could not download the file {name!r} (HTTP {code} from {response.url}): {meaning}."
    return FileDownloadError(
        message,
        file_name=name,
        request=response.request,
        response=response,
        body=_preview(response),
    )


def _preview(response: httpx.Response, limit: int = 500) -> str:
    try:
        text = response.text.strip()
    except (httpx.ResponseNotRead, UnicodeDecodeError):
        return ""
    return text if len(text) <= limit else text[:limit] + "..."
