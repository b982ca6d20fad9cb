"""File inputs and outputs: upload what the user wrapped with handle_file, download outputs.

(Interim: the full implementation is being written; this version transfers nothing.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gradiox._engine.connect import AppDescription
    from gradiox._engine.http import HttpSession

__all__ = ["FileTransfer"]


class FileTransfer:
    """Uploads and downloads for one app."""

    def __init__(self, http: HttpSession, app: AppDescription, download_dir: str | bool) -> None:
        self.http = http
        self.app = app
        self.download_dir = download_dir

    def input_has_files(self, data: list[Any]) -> bool:
        """True if ``data`` contains values wrapped with handle_file."""
        return False

    async def upload_inputs(self, data: list[Any]) -> list[Any]:
        """Upload the local files in ``data``; return data with server references."""
        return data

    def output_has_files(self, data: list[Any]) -> bool:
        """True if ``data`` contains server files to download."""
        return False

    async def download_outputs(self, data: list[Any]) -> list[Any]:
        """Download the files in ``data``; return data with local paths."""
        return data
