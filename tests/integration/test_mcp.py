"""``gradiox mcp`` end to end: the MCP SDK's own stdio client against real Gradio apps.

The apps are plain Gradio apps (no ``mcp_server=True``): the bridge derives their tools.
"""

from __future__ import annotations

import asyncio
import base64
import sys
from typing import TYPE_CHECKING, Any

from cli_helpers import cli_env
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from pathlib import Path

    from conftest import ServerRegistry


def with_session(
    srcs: list[str], body: Callable[[ClientSession], Awaitable[Any]], tmp: Path
) -> Any:
    """Start ``gradiox mcp SRCS`` and run ``body`` with an initialised client session."""
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "gradiox", "mcp", *srcs, "--download-files", str(tmp / "downloads")],
        env=cli_env(tmp),
    )

    async def main() -> Any:
        async with (
            stdio_client(params) as (read, write),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            return await body(session)

    return asyncio.run(asyncio.wait_for(main(), 120))


def _texts(result: types.CallToolResult) -> list[str]:
    return [c.text for c in result.content if isinstance(c, types.TextContent)]


def test_list_tools_derives_names_and_schemas(cli_url: str, tmp_path: Path) -> None:
    tools = with_session([cli_url], lambda s: s.list_tools(), tmp_path).tools
    by_name = {tool.name: tool for tool in tools}
    assert list(by_name)[:3] == ["shout", "file_size", "swatch"]
    shout = by_name["shout"]
    assert shout.inputSchema == {
        "type": "object",
        "properties": {"text": {"type": "string"}, "times": {"type": "integer", "default": 1}},
        "required": ["text"],
    }
    assert shout.description.startswith("Shout a text. Returns: Shouted")
    file_arg = by_name["file_size"].inputSchema["properties"]["f"]
    assert file_arg["type"] == "string" and "local file path" in file_arg["format"]
    assert "file path" in by_name["file_size"].description


def test_call_text_file_generator_and_error(cli_url: str, tmp_path: Path) -> None:
    source = tmp_path / "in.bin"
    source.write_bytes(b"abc" * 100)
    data_uri = "data:text/plain;base64," + base64.b64encode(b"hello").decode()

    async def body(session: ClientSession) -> dict[str, types.CallToolResult]:
        return {
            "text": await session.call_tool("shout", {"text": "hey", "times": 2}),
            "path": await session.call_tool("file_size", {"f": str(source)}),
            "data": await session.call_tool("file_size", {"f": data_uri}),
            "gen": await session.call_tool("countdown", {"n": 2}),
            "error": await session.call_tool("explode", {"x": "boom"}),
            "missing": await session.call_tool("file_size", {"f": str(tmp_path / "nope")}),
            "bad_args": await session.call_tool("shout", {"times": "many"}),
            "unknown": await session.call_tool("no_such_tool", {}),
        }

    results = with_session([cli_url], body, tmp_path)
    assert _texts(results["text"]) == ["HEY HEY"] and not results["text"].isError
    assert _texts(results["path"]) == ["in.bin", "300"]
    name, size = _texts(results["data"])
    assert name.endswith(".txt") and size == "5"
    assert _texts(results["gen"]) == ["liftoff"]
    assert results["error"].isError and _texts(results["error"]) == ["exploded: boom"]
    assert results["missing"].isError and "does not exist" in _texts(results["missing"])[0]
    assert results["bad_args"].isError and "validation" in _texts(results["bad_args"])[0].lower()
    assert results["unknown"].isError and "no_such_tool" in _texts(results["unknown"])[0]


def test_image_outputs_are_inline_and_local_paths(cli_url: str, tmp_path: Path) -> None:
    result = with_session(
        [cli_url], lambda s: s.call_tool("swatch", {"color": "red", "size": 4}), tmp_path
    )
    image, path = result.content
    assert isinstance(image, types.ImageContent) and image.mimeType == "image/png"
    assert base64.b64decode(image.data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert isinstance(path, types.TextContent)
    assert path.text.startswith(str(tmp_path / "downloads"))
    with open(path.text, "rb") as fh:
        assert base64.b64encode(fh.read()).decode() == image.data


def test_progress_notifications(cli_url: str, tmp_path: Path) -> None:
    seen: list[tuple[float, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        seen.append((progress, message))

    async def body(session: ClientSession) -> types.CallToolResult:
        return await session.call_tool("tally", {"n": 3}, progress_callback=on_progress)

    result = with_session([cli_url], body, tmp_path)
    assert _texts(result) == ["ok"]
    messages = [m for _, m in seen]
    assert "Progress tallying: Step 2 of 3" in messages
    steps = [p for p, _ in seen]
    assert steps == sorted(steps) and len(set(steps)) == len(steps)


def test_several_apps_are_prefixed(cli_url: str, core6_url: str, tmp_path: Path) -> None:
    async def body(session: ClientSession) -> tuple[list[str], types.CallToolResult]:
        names = [tool.name for tool in (await session.list_tools()).tools]
        return names, await session.call_tool("gradiox_core_test_app_add", {"b": 2})

    names, added = with_session([cli_url, core6_url], body, tmp_path)
    assert "gradiox_cli_test_app_shout" in names
    assert "gradiox_core_test_app_add" in names
    assert all(len(n) <= 120 + 4 and n.replace("_", "").isalnum() for n in names)
    assert _texts(added) == ["3"]


def test_unreachable_app_fails_before_serving(unused_port: int) -> None:
    import subprocess

    done = subprocess.run(
        [sys.executable, "-m", "gradiox", "mcp", f"http://127.0.0.1:{unused_port}/"],
        capture_output=True,
        text=True,
        timeout=60,
        env=cli_env(),
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert done.returncode == 3
    assert done.stdout == ""
    assert done.stderr.startswith("gradiox: error: Could not connect")


MCP_STEM = "gradio-6.31.0-mcp"  # the same server with gradio[mcp]: it publishes its schema


def _drop_descriptions(schema: Any) -> Any:
    if isinstance(schema, dict):
        return {k: _drop_descriptions(v) for k, v in schema.items() if k != "description"}
    return schema


def test_published_schema_is_used_and_matches_the_derived_one(
    gradio_servers: ServerRegistry, cli_url: str, tmp_path: Path
) -> None:
    published_url = gradio_servers.get(
        "cli_app.py", MCP_STEM, env={"GRADIO_MCP_SERVER": "true"}
    ).url
    source = tmp_path / "f.txt"
    source.write_text("four")

    async def body(session: ClientSession) -> tuple[list[types.Tool], types.CallToolResult]:
        tools = (await session.list_tools()).tools
        return tools, await session.call_tool("file_size", {"f": str(source)})

    published, sized = with_session([published_url], body, tmp_path)
    derived = with_session([cli_url], lambda s: s.list_tools(), tmp_path).tools
    by_name = {tool.name: tool for tool in published}
    # The app's own schema: its docstring's parameter descriptions are there...
    assert by_name["shout"].inputSchema["properties"]["text"]["description"] == "What to shout."
    # ...the file hint says what the bridge accepts, not Gradio's upload tool...
    assert "upload_file_to_gradio" not in by_name["file_size"].description
    assert "local file path" in by_name["file_size"].description
    file_arg = by_name["file_size"].inputSchema["properties"]["f"]
    assert file_arg["type"] == "string" and "local file path" in file_arg["format"]
    assert _texts(sized) == ["f.txt", "4"]
    # ...and without it, the bridge derives the same names and (but for descriptions) schemas.
    assert [t.name for t in derived] == [t.name for t in published]
    for tool in derived:
        if tool.name != "file_size":
            assert tool.inputSchema == _drop_descriptions(by_name[tool.name].inputSchema)
