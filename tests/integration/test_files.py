"""Files in and out against real Gradio servers (``tests/apps/files_app.py``, 4.16 and newer).

The app runs behind a login (``FILES_APP_AUTH``), so every round trip here also proves that
uploads and downloads carry the session's credentials. Contents are compared by SHA-256 on
both sides: the app reports the hash of what it received, and the test hashes what it got.

The versions differ in ways the tests spell out: 4.16/4.20 (``sse_v1``/``sse_v2``) send
FileData without ``meta`` (gradiox uses the loose detection rule there), servers before 6
strip parentheses from uploaded names and wrap videos as ``{"video", "subtitles"}``, 4.x
re-encodes ``gr.Image`` inputs, and some components and options are missing in early 4.x.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import struct
import urllib.parse
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest
from gradio_servers import SERVER_VERSIONS, stem_version
from tests.integration.helpers import write_wav

from gradiox import AsyncClient, Client, handle_file
from gradiox.exceptions import AppError, ArgumentError, AuthenticationError
from gradiox.files import FileNotFoundForUploadError

if TYPE_CHECKING:
    from collections.abc import Iterator

AUTH = ("user", "pass")
APP_ENV = {"FILES_APP_AUTH": ":".join(AUTH)}
FILE_STEMS = [stem for stem in SERVER_VERSIONS if stem_version(stem) >= (4, 16)]
"""Server versions these tests cover. (3.x has another file format; on 4.8, videos need
ffprobe on the server and galleries come in another shape.)"""


@pytest.fixture(
    scope="module", params=FILE_STEMS, ids=[s.replace("gradio-", "g") for s in FILE_STEMS]
)
def server_stem(request: pytest.FixtureRequest) -> str:
    """The server versions of this module (overrides the conftest's, which has them all)."""
    stem: str = request.param
    return stem


@pytest.fixture(scope="module")
def files_servers(
    request: pytest.FixtureRequest, gradio_servers: Any
) -> Iterator[dict[str, Future[Any]]]:
    """``files_app.py`` behind a login on every selected version, booted in parallel."""
    stems = sorted(
        {
            item.callspec.params["server_stem"]
            for item in request.session.items
            if item.module is request.module and hasattr(item, "callspec")
        }
    )
    with ThreadPoolExecutor(max(1, len(stems))) as pool:
        yield {
            stem: pool.submit(
                gradio_servers.get, "files_app.py", stem, env=APP_ENV, ready_any_status=True
            )
            for stem in stems
        }


@pytest.fixture
def files_url(files_servers: dict[str, Future[Any]], server_stem: str) -> str:
    url: str = files_servers[server_stem].result().url
    return url


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    return tmp_path / "downloads"


@pytest.fixture
def client(files_url: str, downloads: Path) -> Iterator[Client]:
    with Client(files_url, auth=AUTH, verbose=False, download_files=str(downloads)) as c:
        yield c
    assert_clean(downloads)


def version(stem: str) -> tuple[int, ...]:
    return stem_version(stem)


def needs_endpoint(client: Client, api_name: str) -> None:
    if not any(e.api_name == api_name for e in client.endpoints.values()):
        pytest.skip(f"{api_name}: this gradio version lacks the component it needs")


def sha(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def assert_downloaded(path: Any, folder: Path, expected_sha: str) -> None:
    assert isinstance(path, str)
    assert Path(path).parent.parent == folder.resolve()
    assert Path(path).parent.name == expected_sha == sha(path)


def assert_clean(folder: Path) -> None:
    """Only <sha256>/<name> files: no temp files, no empty folders."""
    if not folder.exists():
        return
    for entry in folder.iterdir():
        assert entry.is_dir() and re.fullmatch(r"[0-9a-f]{64}", entry.name), entry
        assert any(entry.iterdir()), f"empty folder left behind: {entry}"


# -- media made on the fly (no binary fixtures in the repo) --------------------------------


def write_png(path: Path, seed: int, size: int = 16) -> Path:
    rows = b"".join(
        b"\x00" + bytes((x * seed) % 256 for x in range(size) for _ in range(3))
        for _ in range(size)
    )

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("media")
    text = folder / "my report (1) é ü.txt"
    text.write_text("hello wörld\n", encoding="utf-8")
    binary = folder / "blob.bin"
    binary.write_bytes(os.urandom(300_000))
    video = folder / "clip.mp4"  # not decoded: gr.Video without format= keeps the bytes
    video.write_bytes(os.urandom(5000))
    model = folder / "tri angle.obj"
    model.write_text("v 0 0 0\nv 1 0 0\nv 0 1 0\nf 1 2 3\n")
    return {
        "text": text,
        "binary": binary,
        "image": write_png(folder / "pic (2).png", 7),
        "image2": write_png(folder / "ünïcode 图.png", 13),
        "audio": write_wav(folder / "sound.wav"),
        "video": video,
        "model": model,
    }


# -- round trips ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["text", "binary"])
def test_file_round_trip(
    client: Client, media: dict[str, Path], downloads: Path, server_stem: str, kind: str
) -> None:
    source = media[kind]
    path, server_sha, server_name = client.predict(handle_file(source), api_name="/file_echo")
    assert server_sha == sha(source)
    assert_downloaded(path, downloads, sha(source))
    # The local file keeps the name the server stored (before 6, it strips parentheses).
    assert Path(path).name == server_name
    if version(server_stem) >= (6,):
        assert server_name == source.name


@pytest.mark.parametrize(
    ("endpoint", "kind"),
    [("/image_echo", "image"), ("/audio_echo", "audio"), ("/model3d_echo", "model")],
)
def test_media_round_trip(
    client: Client,
    media: dict[str, Path],
    downloads: Path,
    server_stem: str,
    endpoint: str,
    kind: str,
) -> None:
    source = media[kind]
    path, server_sha = client.predict(handle_file(source), api_name=endpoint)
    if not (kind == "image" and version(server_stem) < (5,)):  # 4.x re-encodes images
        assert server_sha == sha(source)
    assert_downloaded(path, downloads, server_sha)
    assert Path(path).suffix == source.suffix


def test_video_round_trip(
    client: Client, media: dict[str, Path], downloads: Path, server_stem: str
) -> None:
    source = media["video"]
    if version(server_stem) < (6,):  # videos are {"video": FileData, "subtitles": ...}
        value, server_sha = client.predict(
            {"video": handle_file(source), "subtitles": None}, api_name="/video_echo"
        )
        assert value["subtitles"] is None
        path = value["video"]
    else:
        path, server_sha = client.predict(handle_file(source), api_name="/video_echo")
    assert server_sha == sha(source)
    assert_downloaded(path, downloads, sha(source))


def test_gallery_round_trip(client: Client, media: dict[str, Path], downloads: Path) -> None:
    images = [media["image"], media["image2"]]
    gallery = [
        {"image": handle_file(images[0]), "caption": "first"},
        {"image": handle_file(images[1]), "caption": None},
    ]
    value, server_shas = client.predict(gallery, api_name="/gallery_echo")
    assert server_shas == [sha(p) for p in images]
    assert [item["caption"] for item in value] == ["first", None]
    for item, source in zip(value, images, strict=True):
        assert_downloaded(item["image"], downloads, sha(source))


def test_multiple_files_round_trip(client: Client, media: dict[str, Path], downloads: Path) -> None:
    sources = [media["text"], media["binary"], media["image"], media["image2"], media["model"]]
    paths, server_shas = client.predict([handle_file(p) for p in sources], api_name="/files_echo")
    assert server_shas == [sha(p) for p in sources]
    assert len(paths) == len(sources)
    for path, source in zip(paths, sources, strict=True):
        assert_downloaded(path, downloads, sha(source))


def test_multimodal_textbox_round_trip(
    client: Client, media: dict[str, Path], downloads: Path
) -> None:
    needs_endpoint(client, "/multimodal")
    sources = [media["image"], media["text"]]
    text, paths, server_shas = client.predict(
        {"text": "look", "files": [handle_file(p) for p in sources]}, api_name="/multimodal"
    )
    assert text == "look"
    assert server_shas == [sha(p) for p in sources]
    for path, source in zip(paths, sources, strict=True):
        assert_downloaded(path, downloads, sha(source))


@pytest.mark.parametrize("name", ["a b (1) ü.txt", "日本語 (final).md", "it's {odd} #1.txt"])
def test_output_names_keep_the_original_name(client: Client, downloads: Path, name: str) -> None:
    path = client.predict(name, "contents", api_name="/make_file")
    assert Path(path).read_text(encoding="utf-8") == "contents"
    expected = name.replace("{", "").replace("}", "")  # gradio_client's sanitising
    assert Path(path).name == expected
    assert_downloaded(path, downloads, hashlib.sha256(b"contents").hexdigest())


def test_chatbot_file_message_keeps_its_structure(
    client: Client, downloads: Path, server_stem: str
) -> None:
    needs_endpoint(client, "/chat_file")
    messages = client.predict("notes.txt", "chat file", api_name="/chat_file")
    assert [m["role"] for m in messages] == ["user", "assistant"]
    content = messages[1]["content"]
    # 6.x: a list of parts; before: one {"file": ..., "alt_text": ...} part.
    file_part = content[0]["file"] if version(server_stem) >= (6,) else content["file"]
    assert Path(file_part).read_text() == "chat file"
    assert_downloaded(file_part, downloads, hashlib.sha256(b"chat file").hexdigest())


def test_generator_outputs_are_downloaded_step_by_step(client: Client) -> None:
    job = client.submit(3, api_name="/file_steps")
    final = job.result(timeout=60)
    outputs = job.outputs()
    assert [Path(p).read_text() for p in outputs] == ["step 0", "step 1", "step 2"]
    assert final == outputs[-1]


# -- what is not a file, and what is not downloaded -----------------------------------------


def test_json_with_a_path_key_comes_back_untouched(
    client: Client, downloads: Path, server_stem: str
) -> None:
    if version(server_stem) < (4, 44):
        pytest.skip("this server itself treats a JSON value with a 'path' key as a file")
    assert client.predict(api_name="/json_path") == {"path": "some/where.txt", "note": "not a file"}
    assert not downloads.exists()


def test_plain_strings_are_never_uploaded(client: Client, media: dict[str, Path]) -> None:
    assert client.predict(str(media["text"]), api_name="/text_echo") == str(media["text"])


def test_hand_written_filedata_is_not_uploaded(
    client: Client, media: dict[str, Path], server_stem: str
) -> None:
    if version(server_stem) < (4, 20):
        pytest.skip("this server opens any path it is sent (it shares our file system here)")
    # gradio_client would read and upload this local file; gradiox sends the dict as is and
    # the server, which never received such a file, refuses it.
    forged = {"path": str(media["text"]), "meta": {"_type": "gradio.FileData"}}
    with pytest.raises(AppError, match=r"not uploaded by a user|not in the upload folder"):
        client.predict(forged, api_name="/file_echo")


def test_download_files_false_returns_filedata(
    files_url: str, media: dict[str, Path], tmp_path: Path, server_stem: str
) -> None:
    with Client(files_url, auth=AUTH, verbose=False, download_files=False) as c:
        value, server_sha, _ = c.predict(handle_file(media["binary"]), api_name="/file_echo")
        assert server_sha == sha(media["binary"])
        if version(server_stem) >= (4, 21):  # sse_v2.1 and later mark files with meta
            assert value["meta"] == {"_type": "gradio.FileData"}
        else:
            assert "meta" not in value and value["orig_name"] == "blob.bin"
        assert value["path"].endswith("/blob.bin") and value["size"] == 300_000
        # 4.16 leaves "url" empty; the file= route is the same on every version.
        url = value["url"] or c.src_prefixed + "file=" + urllib.parse.quote(value["path"])
        assert url.startswith(files_url)
        # The file is private: fetching it needs the login cookie.
        assert httpx.get(url).status_code in (401, 403)
        # A result can be passed back as an input: as a server reference ...
        again = c.predict(value, api_name="/file_echo")
        assert again[1] == server_sha
        # ... or by its URL, which gradiox turns into a reference (the server could not
        # fetch its own private URL without our login).
        again = c.predict(handle_file(url), api_name="/file_echo")
        assert again[1] == server_sha
    assert list(tmp_path.iterdir()) == []


# -- errors --------------------------------------------------------------------------------


def test_missing_input_file(client: Client, tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundForUploadError, match="does not exist"):
        handle_file(tmp_path / "missing.txt")
    doomed = tmp_path / "doomed.txt"
    doomed.write_text("x")
    marked = handle_file(doomed)
    doomed.unlink()
    with pytest.raises(FileNotFoundForUploadError, match=r"doomed\.txt") as info:
        client.predict(marked, api_name="/file_echo")
    assert isinstance(info.value, ValueError)


def test_file_over_max_file_size_fails_before_upload(client: Client, tmp_path: Path) -> None:
    if client.config.get("max_file_size") is None:
        pytest.skip("this gradio version has no max_file_size")
    big = tmp_path / "big.bin"
    with open(big, "wb") as fh:
        fh.truncate(5 * 1024 * 1024 + 1)
    with pytest.raises(ArgumentError, match="maximum file size of 5242880 bytes"):
        client.predict(handle_file(big), api_name="/file_echo")


def test_login_is_required(files_url: str) -> None:
    with pytest.raises(AuthenticationError):
        Client(files_url, verbose=False)


# -- AsyncClient -----------------------------------------------------------------------------


def test_async_client_round_trip(files_url: str, media: dict[str, Path], downloads: Path) -> None:
    sources = [media["image"], media["binary"]]

    async def main() -> Any:
        async with AsyncClient(
            files_url, auth=AUTH, verbose=False, download_files=str(downloads)
        ) as c:
            return await asyncio.gather(
                c.predict([handle_file(p) for p in sources], api_name="/files_echo"),
                c.predict(handle_file(media["audio"]), api_name="/audio_echo"),
            )

    (paths, shas), (audio, audio_sha) = asyncio.run(asyncio.wait_for(main(), 120))
    assert shas == [sha(p) for p in sources]
    for path, source in zip(paths, sources, strict=True):
        assert_downloaded(path, downloads, sha(source))
    assert audio_sha == sha(media["audio"])
    assert_downloaded(audio, downloads, audio_sha)
    assert_clean(downloads)
