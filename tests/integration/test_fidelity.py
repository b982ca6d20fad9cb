"""Fidelity with gradio_client where real apps exposed gaps (``tests/apps/fidelity_app.py``).

The official client's answers come from ``gradio_client`` run in the server's own venv (a
subprocess), never from this process.
"""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

import httpx
import pytest
from gradio_servers import SERVERS_DIR
from tests.integration.helpers import run

from gradiox import AsyncClient, Client, FileDownloadError
from gradiox.exceptions import AuthenticationError, HTTPStatusError

OFFICIAL_TIMEOUT = 120.0


def official(stem: str, url: str, body: str, auth: tuple[str, str] | None = None) -> Any:
    """Run ``body`` with gradio_client (``client`` bound to ``url``) in ``stem``'s venv.

    ``body`` assigns the JSON-serialisable answer to ``result``; ``auth`` logs in.
    """
    # The answer is printed, then the process ends without the interpreter's teardown:
    # gradio_client's background threads have crashed it there (SIGSEGV) after a complete
    # answer, on a loaded machine. That crash is gradio_client's, not what we compare.
    code = (
        "import json, os, sys\nfrom gradio_client import Client\n"
        f"client = Client({url!r}, verbose=False, auth={auth!r})\n{body}\n"
        "print('@@' + json.dumps(result))\nsys.stdout.flush()\nos._exit(0)\n"
    )
    python = SERVERS_DIR / stem / "bin" / "python"
    env = {**os.environ, "no_proxy": "*", "NO_PROXY": "*", "HF_HUB_OFFLINE": "1"}
    done = subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        timeout=OFFICIAL_TIMEOUT,
        env=env,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("@@")]
    assert done.returncode == 0 and lines, (
        f"gradio_client failed (exit {done.returncode}):\n{done.stderr[-3000:]}"
    )
    return json.loads(lines[-1][2:])


@pytest.fixture(scope="module")
def client(fidelity_url: str) -> Any:
    with Client(fidelity_url, verbose=False) as c:
        yield c


def test_shared_api_name_calls_the_public_event(client: Client) -> None:
    # /lambda_1 names the Interface's public event and, later, its undocumented clear event.
    assert client.predict("Ada", api_name="/lambda_1") == "Hello Ada!"
    assert client.predict(name="Bob", api_name="/lambda_1") == "Hello Bob!"
    assert client.submit("Cy", api_name="/lambda_1").result(timeout=60) == "Hello Cy!"


def test_shared_api_name_is_listed(client: Client, fidelity_url: str, server_stem: str) -> None:
    api = client.view_api(print_info=False, return_format="dict")
    assert isinstance(api, dict)
    names = [p["parameter_name"] for p in api["named_endpoints"]["/lambda_1"]["parameters"]]
    assert names == ["name"]
    theirs = official(
        server_stem, fidelity_url, "result = client.predict('Ada', api_name='/lambda_1')"
    )
    assert theirs == client.predict("Ada", api_name="/lambda_1")


@pytest.mark.parametrize("all_endpoints", [None, False])
def test_view_api_matches_gradio_client(
    client: Client, fidelity_url: str, server_stem: str, all_endpoints: bool | None
) -> None:
    theirs = official(
        server_stem,
        fidelity_url,
        f"result = [client.view_api(all_endpoints={all_endpoints}, print_info=False, "
        f"return_format=f) for f in ('dict', 'str')]",
    )
    ours = [
        client.view_api(all_endpoints=all_endpoints, print_info=False, return_format=f)
        for f in ("dict", "str")
    ]
    assert ours == theirs
    default = ours[0]["named_endpoints"]["/file_default"]["parameters"][0]["parameter_default"]
    assert default["url"].startswith("https://"), default  # the public form's rendering


def test_refused_download_is_a_file_download_error(client: Client, server_stem: str) -> None:
    with pytest.raises(FileDownloadError) as caught:
        client.predict(api_name="/forbidden_file")
    error = caught.value
    assert error.status_code == 403
    assert "does not allow this file" in str(error) and "hostname" in str(error)
    assert not isinstance(error, AuthenticationError)
    # Code written for gradio_client catches the same error.
    assert isinstance(error, httpx.HTTPStatusError) and isinstance(error, HTTPStatusError)
    assert error.response.status_code == 403 and error.request.url == error.url


def test_gradio_client_raises_httpx_status_error_there_too(
    fidelity_url: str, server_stem: str
) -> None:
    theirs = official(
        server_stem,
        fidelity_url,
        "import httpx\ntry:\n    client.predict(api_name='/forbidden_file')\n"
        "    result = None\nexcept httpx.HTTPStatusError as e:\n"
        "    result = e.response.status_code",
    )
    assert theirs == 403


def test_vanished_file_is_a_404_file_download_error(fidelity_url: str) -> None:
    async def main() -> FileDownloadError:
        async with AsyncClient(fidelity_url, verbose=False) as client:
            with pytest.raises(FileDownloadError) as caught:
                await client.predict(api_name="/gone_file")
            return caught.value

    error = run(main())
    assert error.status_code == 404
    assert "it is gone" in str(error) and error.file_name == "playlist.m3u8"
