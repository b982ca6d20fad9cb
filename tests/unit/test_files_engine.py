"""File uploads and downloads against a small hostile Gradio server on 127.0.0.1.

``HostileApp`` speaks just enough of the protocol (config, info, upload, queue, ``file=``)
to return whatever outputs a test scripts: traversal names, redirects to a second local port
that records request headers, third-party stream URLs. It runs in a thread of this process
(stdlib ``http.server``), so the tests also measure the client's memory while streaming.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import json
import os
import re
import threading
import time
import tracemalloc
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from gradiox import AsyncClient, Client, handle_file
from gradiox.exceptions import (
    AppError,
    ArgumentError,
    AuthenticationError,
    FileDownloadError,
    FileTransferError,
    GradioxError,
    HTTPStatusError,
    TransportError,
)
from gradiox.files import FileNotFoundForUploadError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator

META = {"_type": "gradio.FileData"}
TOKEN = "hf_secret_token"
USER_HEADER = ("x-secret-header", "user-secret")
USER_COOKIE = ("user_cookie", "user-cookie-value")
APP_COOKIE = ("app_login", "app-cookie-value")
SECRETS = (TOKEN, USER_HEADER[1], USER_COOKIE[1], APP_COOKIE[1])


@dataclass
class Seen:
    """One request a server received."""

    method: str
    path: str
    headers: dict[str, str]

    def leaks(self) -> list[str]:
        text = json.dumps(self.headers)
        return [secret for secret in SECRETS if secret in text]


@dataclass
class Upload:
    filename: str
    content_type: str
    size: int
    sha256: str
    content: bytes | None  # kept when small


Reply = tuple[int, dict[str, str], "bytes | Iterable[bytes]"]


@dataclass
class HostileApp:
    """The app's behaviour; ``serve()`` puts it on a loopback port."""

    protocol: str = "sse_v3"
    max_file_size: int | None = None
    result: Callable[[list[Any]], list[Any]] = lambda data: data
    files: dict[str, bytes | Callable[[], Iterable[bytes]]] = field(default_factory=dict)
    redirects: dict[str, str] = field(default_factory=dict)
    declared_lengths: dict[str, int] = field(default_factory=dict)
    seen: list[Seen] = field(default_factory=list)
    uploads: list[Upload] = field(default_factory=list)
    joins: list[dict[str, Any]] = field(default_factory=list)
    upload_delay: float = 0.0
    in_flight: int = 0
    max_in_flight: int = 0
    _pending: list[tuple[str, list[Any]]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def prefix(self) -> str:
        return "/gradio_api/" if self.protocol == "sse_v3" else "/"

    def config(self) -> dict[str, Any]:
        config: dict[str, Any] = {
            "version": "6.31.0" if self.protocol == "sse_v3" else "4.20.0",
            "protocol": self.protocol,
            "connect_heartbeat": False,
            "max_file_size": self.max_file_size,
            "components": [{"id": 1, "type": "file"}, {"id": 2, "type": "json"}],
            "dependencies": [
                {
                    "id": 0,
                    "api_name": "echo",
                    "inputs": [1],
                    "outputs": [2],
                    "backend_fn": True,
                    "types": {"generator": False},
                    "queue": True,
                }
            ],
        }
        if self.protocol == "sse_v3":
            config["api_prefix"] = "/gradio_api"
        return config

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: Iterator[bytes]
    ) -> Reply:
        path = urllib.parse.urlsplit(target).path
        self.seen.append(Seen(method, urllib.parse.unquote(path), headers))
        api = path[len(self.prefix) :] if path.startswith(self.prefix) else None
        if path == "/config":
            cookie = f"{APP_COOKIE[0]}={APP_COOKIE[1]}; Path=/; HttpOnly"
            return 200, {"set-cookie": cookie}, json.dumps(self.config()).encode()
        if api == "info":
            return 200, {}, json.dumps({"named_endpoints": {}, "unnamed_endpoints": {}}).encode()
        if api == "upload" and method == "POST":
            return self._upload(headers, body)
        if api == "queue/join":
            join = json.loads(b"".join(body))
            self.joins.append(join)
            event_id = f"ev{len(self.joins)}"
            self._pending.append((event_id, join["data"]))
            return 200, {}, json.dumps({"event_id": event_id}).encode()
        if api == "queue/data":
            return 200, {"content-type": "text/event-stream"}, self._stream()
        if api is not None and api.startswith("file="):
            return self._file(urllib.parse.unquote(api[len("file=") :]))
        return 404, {}, b'{"detail": "Not Found"}'

    def _stream(self) -> Iterator[bytes]:
        pending, self._pending = self._pending, []
        for event_id, data in pending:
            output = {"data": self.result(data), "is_generating": False}
            message = {"msg": "process_completed", "event_id": event_id, "success": True,
                       "output": output}  # fmt: skip
            yield f"data: {json.dumps(message)}\n\n".encode()
        if self.protocol == "sse_v3":
            yield b'data: {"msg": "close_stream", "event_id": null}\n\n'

    def _upload(self, headers: dict[str, str], body: Iterator[bytes]) -> Reply:
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(self.upload_delay)
            upload = read_one_file_part(headers["content-type"], body)
        finally:
            with self._lock:
                self.in_flight -= 1
        self.uploads.append(upload)
        server_path = f"/srv/cache/{upload.sha256[:12]}/{upload.filename}"
        if upload.content is not None:
            self.files[server_path] = upload.content
        return 200, {}, json.dumps([server_path]).encode()

    def _file(self, server_path: str) -> Reply:
        if server_path in self.redirects:
            return 302, {"location": self.redirects[server_path]}, b""
        content = self.files.get(server_path)
        if content is None:
            return 403, {}, b"File not allowed"
        headers = {"content-type": "application/octet-stream"}
        if server_path in self.declared_lengths:
            headers["content-length"] = str(self.declared_lengths[server_path])
        return 200, headers, content if isinstance(content, bytes) else content()


def read_one_file_part(content_type: str, body: Iterator[bytes]) -> Upload:
    """Stream the single file part of a multipart body, hashing it (no full buffering)."""
    boundary = re.search(r"boundary=([^;]+)", content_type)
    assert boundary, content_type
    tail = b"\r\n--" + boundary.group(1).encode() + b"--\r\n"
    buffer = b""
    chunks = iter(body)
    while b"\r\n\r\n" not in buffer:
        buffer += next(chunks)
    head, rest = buffer.split(b"\r\n\r\n", 1)
    head_text = head.decode("utf-8")
    filename = re.search(r'filename="([^"]*)"', head_text)
    part_type = re.search(r"Content-Type: (.*)", head_text)
    assert head_text.startswith("--" + boundary.group(1)) and 'name="files"' in head_text
    digest, size, kept = hashlib.sha256(), 0, bytearray()
    window = rest
    for chunk in itertools.chain([b""], chunks):  # at least once: rest may hold everything
        window += chunk
        if len(window) > len(tail):
            data, window = window[: -len(tail)], window[-len(tail) :]
            digest.update(data)
            size += len(data)
            if size <= 1 << 20:
                kept += data
    assert window == tail, window[-100:]
    return Upload(
        filename=urllib.parse.unquote(filename.group(1)) if filename else "",
        content_type=part_type.group(1).strip() if part_type else "",
        size=size,
        sha256=digest.hexdigest(),
        content=bytes(kept) if size <= 1 << 20 else None,
    )


class Server:
    """Serves a handler function on 127.0.0.1:<free port> from a thread."""

    def __init__(self, handle: Callable[[str, str, dict[str, str], Iterator[bytes]], Reply]):
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: Any) -> None:
                pass

            def _body(self) -> Iterator[bytes]:
                left = int(self.headers.get("content-length") or 0)
                while left > 0:
                    chunk = self.rfile.read(min(65536, left))
                    if not chunk:
                        return
                    left -= len(chunk)
                    yield chunk

            def _serve(self) -> None:
                headers = {k.lower(): v for k, v in self.headers.items()}
                if "cookie" in headers:  # several cookie lines collapse into one for checks
                    headers["cookie"] = "; ".join(self.headers.get_all("cookie") or [])
                status, reply_headers, payload = outer.handle(
                    self.command, self.path, headers, self._body()
                )
                self.send_response(status)
                for key, value in reply_headers.items():
                    self.send_header(key, value)
                if isinstance(payload, bytes):
                    self.send_header("content-length", str(len(payload)))
                self.end_headers()
                try:
                    for chunk in [payload] if isinstance(payload, bytes) else payload:
                        self.wfile.write(chunk)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            do_GET = do_POST = _serve  # noqa: N815

        self.handle = handle
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def url(self, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class Recorder:
    """A second origin: records every request, answers with fixed content."""

    content: bytes = b"content from elsewhere"
    seen: list[Seen] = field(default_factory=list)

    def handle(
        self, method: str, target: str, headers: dict[str, str], body: Iterator[bytes]
    ) -> Reply:
        self.seen.append(Seen(method, target, headers))
        return 200, {"set-cookie": "evil=1; Path=/"}, self.content


@pytest.fixture
def app() -> HostileApp:
    return HostileApp()


@pytest.fixture
def server(app: HostileApp) -> Iterator[Server]:
    srv = Server(app.handle)
    yield srv
    srv.close()


@pytest.fixture
def recorder() -> Iterator[tuple[Recorder, Server]]:
    rec = Recorder()
    srv = Server(rec.handle)
    yield rec, srv
    srv.close()


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


def client(server: Server, downloads: Path | bool, **kwargs: Any) -> Client:
    return Client(
        server.url(),
        verbose=False,
        token=TOKEN,
        headers=dict([USER_HEADER]),
        httpx_kwargs={"cookies": dict([USER_COOKIE])},
        download_files=str(downloads) if isinstance(downloads, Path) else downloads,
        **kwargs,
    )


def predict(server: Server, downloads: Path | bool, value: Any) -> Any:
    with client(server, downloads) as c:
        return c.predict(value, api_name="/echo")


def fd(path: str, **extra: Any) -> dict[str, Any]:
    return {"path": path, "url": None, "size": None, "orig_name": None, "mime_type": None,
            "is_stream": False, "meta": dict(META), **extra}  # fmt: skip


def tree(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*"))


def assert_clean(folder: Path) -> None:
    """Only <sha256>/<name> files; no temp files, no empty folders."""
    for entry in folder.iterdir():
        assert entry.is_dir() and re.fullmatch(r"[0-9a-f]{64}", entry.name), entry
        children = list(entry.iterdir())
        assert children and all(c.is_file() for c in children), entry


# -- uploads -------------------------------------------------------------------------------


def test_upload_streams_each_file_once_and_substitutes_references(
    app: HostileApp, server: Server, tmp_path: Path, downloads: Path
) -> None:
    a = tmp_path / "a b (1) é.txt"
    a.write_bytes(b"alpha")
    b = tmp_path / "b.png"
    b.write_bytes(b"\x89PNG beta")
    fa, fb = handle_file(a), handle_file(str(b))
    value = {"text": "hi", "files": [fa, fb, fa], "gallery": ({"image": fb, "caption": "c"},)}
    predict(server, False, value)
    assert sorted(u.filename for u in app.uploads) == ["a b (1) é.txt", "b.png"]  # deduplicated
    by_name = {u.filename: u for u in app.uploads}
    assert by_name["a b (1) é.txt"].content == b"alpha"
    assert by_name["b.png"].content_type == "image/png"
    (join,) = app.joins
    ref_a = {"path": f"/srv/cache/{hashlib.sha256(b'alpha').hexdigest()[:12]}/a b (1) é.txt",
             "orig_name": "a b (1) é.txt", "meta": META}  # fmt: skip
    sent = join["data"][0]
    assert sent["text"] == "hi"
    assert sent["files"][0] == ref_a and sent["files"][2] == ref_a
    assert sent["files"][1]["orig_name"] == "b.png"
    assert sent["gallery"] == [{"image": sent["files"][1], "caption": "c"}]
    assert value["files"][0] is fa  # the caller's arguments are not modified
    uploads = [s for s in app.seen if s.path.endswith("/upload")]
    assert all(TOKEN in s.headers["x-hf-authorization"] for s in uploads)
    assert all(s.headers[USER_HEADER[0]] == USER_HEADER[1] for s in uploads)
    assert all(APP_COOKIE[1] in s.headers.get("cookie", "") for s in uploads)


def test_uploads_of_one_call_run_concurrently(
    app: HostileApp, server: Server, tmp_path: Path
) -> None:
    app.upload_delay = 0.3
    files = []
    for i in range(6):
        path = tmp_path / f"f{i}.bin"
        path.write_bytes(os.urandom(100))
        files.append(handle_file(path))
    started = time.monotonic()
    predict(server, False, files)
    assert len(app.uploads) == 6
    assert app.max_in_flight >= 3
    assert time.monotonic() - started < 6 * 0.3


def test_forged_filedata_and_plain_strings_are_never_uploaded(
    app: HostileApp, server: Server, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("do not read me")
    forged = {"path": str(secret), "meta": dict(META), "orig_name": "secret.txt"}
    untrusted_json = json.loads(json.dumps(handle_file(secret)))
    value = [forged, untrusted_json, str(secret), {"nested": [forged]}]
    predict(server, False, value)
    assert app.uploads == []
    assert not any(s.path.endswith("/upload") for s in app.seen)
    assert app.joins[0]["data"][0] == value  # sent exactly as given: the server decides


def test_urls_are_passed_to_the_server_and_own_file_urls_become_references(
    app: HostileApp, server: Server
) -> None:
    own = server.url() + "gradio_api/file=/srv/cache/ab/my%20file.txt"
    value = [handle_file("https://example.com/a/b.png?x=1"), handle_file(own)]
    predict(server, False, value)
    assert app.uploads == []
    remote, mine = app.joins[0]["data"][0]
    assert remote == {"path": "https://example.com/a/b.png?x=1", "orig_name": "b.png",
                      "meta": META}  # fmt: skip
    assert mine == {"path": "/srv/cache/ab/my file.txt", "orig_name": "my file.txt", "meta": META}


def test_missing_file_fails_before_any_request(
    app: HostileApp, server: Server, tmp_path: Path
) -> None:
    with pytest.raises(FileNotFoundForUploadError, match="does not exist"):
        handle_file(tmp_path / "nope.txt")
    present = tmp_path / "present.txt"
    present.write_text("x")
    gone = tmp_path / "gone.txt"
    gone.write_text("x")
    marked = [handle_file(present), handle_file(gone)]
    gone.unlink()
    with client(server, False) as c:
        before = len(app.seen)
        with pytest.raises(FileNotFoundForUploadError, match=r"gone\.txt") as info:
            c.predict(marked, api_name="/echo")
        assert isinstance(info.value, ValueError) and isinstance(info.value, GradioxError)
        assert app.seen[before:] == []  # not even the present file was uploaded


def test_max_file_size_is_checked_before_uploading(
    app: HostileApp, server: Server, tmp_path: Path
) -> None:
    app.max_file_size = 1000
    small, big = tmp_path / "small.bin", tmp_path / "big.bin"
    small.write_bytes(b"x" * 1000)
    with open(big, "wb") as fh:
        fh.truncate(1001)
    with client(server, False) as c:
        with pytest.raises(ArgumentError, match="exceeds the maximum file size of 1000 bytes"):
            c.predict([handle_file(small), handle_file(big)], api_name="/echo")
        assert app.uploads == []
        c.predict(handle_file(small), api_name="/echo")
    assert len(app.uploads) == 1


def test_unreadable_file_is_a_typed_error(app: HostileApp, server: Server, tmp_path: Path) -> None:
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        pytest.skip("root can read anything")
    locked = tmp_path / "locked.txt"
    locked.write_text("x")
    marked = handle_file(locked)
    locked.chmod(0)
    with client(server, False) as c, pytest.raises(FileTransferError, match="Could not read"):
        c.predict(marked, api_name="/echo")


def test_server_refusing_an_upload_is_a_typed_error(tmp_path: Path) -> None:
    app = HostileApp()
    original = app.handle

    def refuse(method: str, target: str, headers: dict[str, str], body: Iterator[bytes]) -> Reply:
        if target.endswith("/upload"):
            for _ in body:
                pass
            return 413, {}, b"Request Entity Too Large"
        return original(method, target, headers, body)

    srv = Server(refuse)
    path = tmp_path / "x.bin"
    path.write_bytes(b"xyz")
    try:
        with client(srv, False) as c, pytest.raises(HTTPStatusError, match="413") as info:
            c.predict(handle_file(path), api_name="/echo")
        assert info.value.status_code == 413
    finally:
        srv.close()


# -- downloads -----------------------------------------------------------------------------


def test_outputs_become_local_paths_in_every_shape(
    app: HostileApp, server: Server, downloads: Path
) -> None:
    app.files = {"/srv/a/x (1) é.txt": b"one", "/srv/b/y.png": b"two", "/srv/c/c.txt": b"three"}
    a, b, c = fd("/srv/a/x (1) é.txt"), fd("/srv/b/y.png"), fd("/srv/c/c.txt")
    output = {
        "single": a,
        "files": [a, b],
        "gallery": [{"image": b, "caption": "cap"}],
        "chatbot": [{"role": "assistant", "content": [{"file": c, "type": "file"}]}],
        "video5": {"video": a, "subtitles": None},
        "json": {"path": "some/where.txt", "note": "not a file"},
    }
    app.result = lambda data: [output]
    got = predict(server, downloads, None)
    pa, pb, pc = (
        str(downloads / hashlib.sha256(x).hexdigest() / n)
        for x, n in [(b"one", "x (1) é.txt"), (b"two", "y.png"), (b"three", "c.txt")]
    )
    assert got == {
        "single": pa,
        "files": [pa, pb],
        "gallery": [{"image": pb, "caption": "cap"}],
        "chatbot": [{"role": "assistant", "content": [{"file": pc, "type": "file"}]}],
        "video5": {"video": pa, "subtitles": None},
        "json": {"path": "some/where.txt", "note": "not a file"},
    }
    assert Path(pa).read_bytes() == b"one"
    fetched = [s.path for s in app.seen if "file=" in s.path]
    assert sorted(fetched) == sorted(f"/gradio_api/file={p}" for p in app.files)  # each once
    assert_clean(downloads)


def test_download_files_false_returns_the_dicts_untouched(app: HostileApp, server: Server) -> None:
    app.files = {"/srv/a/x.txt": b"one"}
    output = [fd("/srv/a/x.txt", url="http://elsewhere/x")]
    app.result = lambda data: [output]
    assert predict(server, False, None) == output
    assert not any("file=" in s.path for s in app.seen)


def test_the_default_folder_is_created_on_first_download(
    app: HostileApp, server: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "gradio-tmp"
    monkeypatch.setenv("GRADIO_TEMP_DIR", str(folder))
    app.files = {"/srv/a/x.txt": b"one"}
    app.result = lambda data: [fd("/srv/a/x.txt") if data[0] else "no file"]
    with Client(server.url(), verbose=False) as c:
        assert c.predict(0, api_name="/echo") == "no file"
        assert not folder.exists()
        path = c.predict(1, api_name="/echo")
    assert path == str(folder / hashlib.sha256(b"one").hexdigest() / "x.txt")


def test_old_protocols_use_the_loose_rule(tmp_path: Path) -> None:
    app = HostileApp(protocol="sse_v2")
    srv = Server(app.handle)
    app.files = {"/srv/a/x.txt": b"one"}
    old = {"path": "/srv/a/x.txt", "url": None, "size": 3, "orig_name": "x.txt",
           "mime_type": None, "is_stream": False}  # fmt: skip
    app.result = lambda data: [[old, {"path": "a/b", "note": "json"}]]
    try:
        got = predict(srv, tmp_path / "dl", None)
    finally:
        srv.close()
    assert got == [str(tmp_path / "dl" / hashlib.sha256(b"one").hexdigest() / "x.txt"),
                   {"path": "a/b", "note": "json"}]  # fmt: skip
    assert any(s.path == "/file=/srv/a/x.txt" for s in app.seen)


HOSTILE_NAMES = [
    "../../x",
    "../../../../../../tmp/escaped.txt",
    "/etc/passwd",
    "..",
    ".",
    "/",
    "a/../../b.txt",
    "C:\\Windows\\..\\..\\evil.txt",
    "name\x00with\nnul\r\n.txt",
    "bidi\u202egnp.exe",
    "CON.txt",
    "x" * 5000 + ".txt",
    "é" * 400,
    "file.\u0000" + "e" * 300,
]


def test_hostile_names_never_escape_the_download_folder(
    app: HostileApp, server: Server, tmp_path: Path
) -> None:
    downloads = tmp_path / "inner" / "downloads"
    outputs = []
    for i, name in enumerate(HOSTILE_NAMES):
        app.files[name] = f"payload {i}".encode()
        outputs.append(fd(name, orig_name=name))
        outputs.append(fd(f"/srv/ok/{i}.txt", orig_name="../../../../" + name))
        app.files[f"/srv/ok/{i}.txt"] = f"other {i}".encode()
    app.result = lambda data: [outputs]
    got = predict(server, downloads, None)
    assert len(got) == len(outputs)
    root = downloads.resolve()
    for path in got:
        resolved = Path(path).resolve()
        assert resolved.parent.parent == root, path
        assert resolved.is_file()
        assert len(resolved.name.encode()) <= 200
        assert "\x00" not in path and "\n" not in path and "\u202e" not in path
    assert tree(tmp_path) == [
        "inner",
        "inner/downloads",
        *("inner/downloads/" + p for p in tree(downloads)),
    ]
    assert_clean(downloads)


def test_a_failed_download_leaves_nothing_behind(
    app: HostileApp, server: Server, downloads: Path
) -> None:
    def truncated() -> Iterator[bytes]:
        yield b"partial"

    app.files = {"/srv/ok.txt": b"fine", "/srv/truncated.txt": truncated}
    app.declared_lengths["/srv/truncated.txt"] = 1000
    app.result = lambda data: [[fd("/srv/ok.txt"), fd("/srv/truncated.txt")]]
    with pytest.raises(TransportError):
        predict(server, downloads, None)
    app.result = lambda data: [[fd("/srv/ok.txt"), fd("/srv/missing.txt")]]
    with pytest.raises(FileDownloadError):
        predict(server, downloads, None)
    assert not downloads.exists() or all(
        not p.name.startswith(".gradiox-") for p in downloads.rglob("*")
    )
    if downloads.exists():
        assert_clean(downloads)


def test_forbidden_download_is_a_typed_error(
    app: HostileApp, server: Server, downloads: Path
) -> None:
    app.result = lambda data: [fd("/etc/passwd")]
    with pytest.raises(FileDownloadError, match="HTTP 403") as info:
        predict(server, downloads, None)
    assert info.value.status_code == 403 and info.value.file_name == "passwd"
    assert "does not allow this file" in str(info.value)
    assert not isinstance(info.value, AuthenticationError)  # no login can help
    assert isinstance(info.value, httpx.HTTPStatusError)  # what gradio_client raises
    assert info.value.response.status_code == 403


# -- credentials ---------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_cross_origin_redirects_never_carry_credentials(
    app: HostileApp, server: Server, recorder: tuple[Recorder, Server], downloads: Path, host: str
) -> None:
    rec, rec_server = recorder
    app.redirects["/srv/a/x.txt"] = rec_server.url(host) + "steal?what=x.txt"
    # A same-origin hop first: it keeps the credentials, then the next hop leaves the origin.
    app.redirects["/srv/hop.txt"] = server.url() + "gradio_api/file=/srv/a/x.txt"
    app.result = lambda data: [[fd("/srv/hop.txt")]]
    (path,) = predict(server, downloads, None)
    assert Path(path).read_bytes() == rec.content
    assert Path(path).name == "hop.txt"
    (stolen,) = rec.seen
    assert stolen.leaks() == [], stolen.headers
    assert "cookie" not in stolen.headers and "authorization" not in stolen.headers
    hops = [s for s in app.seen if "file=" in s.path]
    assert len(hops) == 2 and all(sorted(s.leaks()) == sorted(SECRETS) for s in hops)


def test_third_party_stream_urls_are_fetched_without_credentials(
    app: HostileApp, server: Server, recorder: tuple[Recorder, Server], downloads: Path
) -> None:
    rec, rec_server = recorder
    stream = fd("abc", is_stream=True, url=rec_server.url() + "stream/playlist.m3u8")
    # A non-stream FileData's url is ignored: the client builds the file= URL itself.
    app.files = {"/srv/a/x.txt": b"mine"}
    plain = fd("/srv/a/x.txt", url=rec_server.url() + "never")
    app.result = lambda data: [[stream, plain]]
    got = predict(server, downloads, None)
    assert [Path(p).name for p in got] == ["playlist.m3u8", "x.txt"]
    assert [s.path for s in rec.seen] == ["/stream/playlist.m3u8"]
    assert rec.seen[0].leaks() == []


def test_redirect_loops_are_cut(app: HostileApp, server: Server, downloads: Path) -> None:
    app.redirects["/srv/loop"] = server.url() + "gradio_api/file=/srv/loop"
    app.result = lambda data: [fd("/srv/loop")]
    with pytest.raises(HTTPStatusError, match="redirects"):
        predict(server, downloads, None)


# -- async and memory ----------------------------------------------------------------------


def test_async_client_has_the_same_file_behaviour(
    app: HostileApp, server: Server, tmp_path: Path, downloads: Path
) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(b"async bytes")
    app.result = lambda data: data  # echo the uploaded reference back as an output

    async def main() -> Any:
        async with AsyncClient(server.url(), verbose=False, download_files=str(downloads)) as c:
            return await c.predict(handle_file(source), api_name="/echo")

    got = asyncio.run(asyncio.wait_for(main(), 20))
    assert Path(got).read_bytes() == b"async bytes"
    assert Path(got).name == "in.bin"


def test_large_transfers_stream_in_constant_memory(
    app: HostileApp, server: Server, tmp_path: Path, downloads: Path
) -> None:
    size = 32 << 20
    source = tmp_path / "big.bin"
    with open(source, "wb") as fh:  # sparse: free to create, still read byte by byte
        fh.truncate(size)
    block = bytes(range(256)) * 256

    def generated() -> Iterator[bytes]:
        for _ in range(size // len(block)):
            yield block

    app.files["/srv/big/out.bin"] = generated
    app.result = lambda data: [fd("/srv/big/out.bin")]
    tracemalloc.start()
    try:
        got = predict(server, downloads, handle_file(source))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    (upload,) = app.uploads
    assert upload.size == size and upload.sha256 == hashlib.sha256(bytes(size)).hexdigest()
    assert os.path.getsize(got) == size
    assert peak < 8 << 20, f"peak traced memory {peak / 2**20:.1f} MiB for 2 x 32 MiB"


def test_app_errors_still_surface_after_uploads(
    app: HostileApp, server: Server, tmp_path: Path
) -> None:
    source = tmp_path / "x.txt"
    source.write_text("x")

    def failing_stream() -> Iterator[bytes]:
        pending, app._pending = app._pending, []
        for event_id, _ in pending:
            message = {"msg": "process_completed", "event_id": event_id, "success": False,
                       "output": {"error": "bad file"}}  # fmt: skip
            yield f"data: {json.dumps(message)}\n\n".encode()
        yield b'data: {"msg": "close_stream", "event_id": null}\n\n'

    app._stream = failing_stream  # type: ignore[method-assign]
    with client(server, False) as c, pytest.raises(AppError, match="bad file"):
        c.predict(handle_file(source), api_name="/echo")
    assert len(app.uploads) == 1
