"""``gradiox mcp``: a local stdio MCP server whose tools are the endpoints of Gradio apps.

Works with any Gradio app, not only those launched with ``mcp_server=True``: an app that
publishes ``/gradio_api/mcp/schema`` gets the tool names, descriptions and input schemas
it publishes; for the others they are derived from the API info the same way
(:mod:`gradiox.cli.mcp_tools`). Uses the official MCP Python SDK (1.x), imported only here.
"""

from __future__ import annotations

import base64
import contextlib
import json
import mimetypes
import os
import shutil
import tempfile
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

import mcp.types as types
from mcp.server.lowlevel import Server
from mcp.server.stdio import stdio_server

from gradiox._types import Status, StatusUpdate
from gradiox._version import __version__
from gradiox.cli.mcp_tools import (
    FILE_FORMAT,
    LOCAL_FILE_HINT,
    ToolSpec,
    convert_files,
    derive_tools,
    parameter_schemas,
    unique_name,
)
from gradiox.exceptions import GradioxError

if TYPE_CHECKING:
    import argparse
    from collections.abc import Mapping

    from gradiox.async_client import AsyncClient, AsyncJob

__all__ = ["Bridge", "serve"]

GRADIO_FILE_FORMAT = "Gradio File Input"
GRADIO_UPLOAD_HINT = "If a user passes a file as an input, use the upload_file_to_gradio tool"


async def serve(args: argparse.Namespace, progress: Any) -> None:
    """Connect to every app, then answer MCP requests on stdin/stdout until stdin closes."""
    import argparse as _argparse

    from gradiox.cli.commands import make_client

    clients: list[AsyncClient] = []
    bridge: Bridge | None = None
    try:
        for src in args.src:
            client = make_client(_argparse.Namespace(**{**vars(args), "src": src}))
            clients.append(client)
            await client.connect()
        progress.connected = True
        bridge = Bridge(clients)
        await bridge.load_tools(prefixed=len(clients) > 1)
        server = bridge.build_server()
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())
    finally:
        if bridge is not None:
            bridge.close()
        for client in clients:
            await client.aclose()


class Bridge:
    """The tools of several apps, and how to call them."""

    def __init__(self, clients: list[AsyncClient]) -> None:
        self.clients = clients
        self.tools: dict[str, ToolSpec] = {}
        self._files = tempfile.mkdtemp(prefix="gradiox-mcp-")

    async def load_tools(self, *, prefixed: bool) -> None:
        """Build the tool list: the app's published MCP schema, else derived from its API."""
        taken: set[str] = set()
        prefixes: set[str] = set()
        for index, client in enumerate(self.clients):
            prefix = ""
            if prefixed:
                prefix = unique_name(app_name(client), prefixes)
                prefixes.add(prefix)
                prefix += "_"
            described = client.view_api(print_info=False, return_format="dict")
            assert isinstance(described, dict)
            published = await fetch_schema(client)
            if published is None:
                specs = derive_tools(described, prefix=prefix, taken=taken, app=index)
            else:
                specs = published_tools(published, described, prefix, taken, index)
            self.tools.update((spec.name, spec) for spec in specs)

    def build_server(self) -> Server[Any, Any]:
        """The MCP server (low-level SDK API) with ``tools/list`` and ``tools/call``."""
        server: Server[Any, Any] = Server("gradiox", version=__version__)

        @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
        async def list_tools() -> list[types.Tool]:
            return [
                types.Tool(name=s.name, description=s.description, inputSchema=s.input_schema)
                for s in self.tools.values()
            ]

        @server.call_tool()  # type: ignore[untyped-decorator]
        async def call_tool(name: str, arguments: dict[str, Any]) -> types.CallToolResult:
            context = server.request_context
            token = context.meta.progressToken if context.meta is not None else None

            async def notify(step: int, message: str | None) -> None:
                if token is not None:
                    await context.session.send_progress_notification(
                        token, step, message=message, related_request_id=str(context.request_id)
                    )

            return await self.call(name, arguments, notify if token is not None else None)

        return server

    async def call(
        self, name: str, arguments: Mapping[str, Any], notify: Any
    ) -> types.CallToolResult:
        """Run one tool call; an app error (or bad argument) is a result with ``isError``."""
        spec = self.tools.get(name)
        if spec is None:
            return _error(f"Unknown tool {name!r}. Tools: {', '.join(self.tools)}")
        client = self.clients[spec.app]
        try:
            kwargs = {
                key: convert_files(value, spec.parameters.get(key), self.to_file)
                for key, value in arguments.items()
            }
            job = client.submit(api_name=spec.endpoint, **kwargs)
            if notify is not None:
                await follow_progress(job, notify)
            result = await job.result()
        except (GradioxError, OSError, ValueError) as exc:
            return _error(" ".join(str(exc).split()) or type(exc).__name__)
        download_dir = client.download_files
        return types.CallToolResult(content=contents(result, download_dir))

    def to_file(self, value: Any) -> Any:
        """A file argument (local path, http(s) URL, data URI or FileData dict) to upload."""
        from gradiox.files import handle_file

        if isinstance(value, dict):
            value = value.get("path") or value.get("url") or ""
        text = str(value)
        if text.startswith("data:"):
            return handle_file(save_data_uri(text, self._files))
        if text.startswith(("http://", "https://")):
            return handle_file(text)
        return handle_file(os.path.expanduser(text))

    def close(self) -> None:
        """Delete the files written for data-URI arguments."""
        shutil.rmtree(self._files, ignore_errors=True)


async def follow_progress(job: AsyncJob, notify: Any) -> None:
    """Send a progress notification for each status update of the job."""
    step = 0
    async for update in job:
        if isinstance(update, StatusUpdate):
            message = progress_message(update)
            if message is not None:
                step += 1
                await notify(step, message)


def progress_message(update: StatusUpdate) -> str | None:
    """A status update as a short human-readable progress message (as Gradio words it)."""
    if update.code in (Status.STARTING, Status.JOINING_QUEUE):
        return "Joined server queue."
    if update.code is Status.IN_QUEUE:
        text = f"In queue. Position {update.rank} out of {update.queue_size}."
        if update.eta is not None:
            text += f" Estimated time remaining: {update.eta} seconds."
        return text
    if update.code is Status.PROGRESS:
        for unit in update.progress_data or []:
            title = "Progress" if unit.desc is None else f"Progress {unit.desc}"
            if unit.index is not None and unit.length is not None:
                return f"{title}: Step {unit.index} of {unit.length}"
            if unit.index is not None:
                return f"{title}: Step {unit.index}"
        return None
    if update.code in (Status.PROCESSING, Status.ITERATING):
        return "Processing"
    return None


def contents(result: Any, download_dir: str | bool) -> list[types.ContentBlock]:
    """The tool result: one text item per output; files as local paths, images also inline."""
    outputs = list(result) if isinstance(result, tuple) else [result]
    items: list[types.ContentBlock] = []
    for value in outputs:
        if _is_download(value, download_dir):
            mime, _ = mimetypes.guess_type(value)
            if mime is not None and mime.startswith("image/"):
                with open(value, "rb") as fh:
                    data = base64.b64encode(fh.read()).decode("ascii")
                items.append(types.ImageContent(type="image", data=data, mimeType=mime))
            items.append(types.TextContent(type="text", text=value))
        elif isinstance(value, str):
            items.append(types.TextContent(type="text", text=value))
        else:
            items.append(types.TextContent(type="text", text=json.dumps(value)))
    return items


def _is_download(value: Any, download_dir: str | bool) -> bool:
    if not isinstance(value, str) or not isinstance(download_dir, str) or not download_dir:
        return False
    root = os.path.abspath(download_dir)
    return os.path.abspath(value).startswith(root + os.sep) and os.path.isfile(value)


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], isError=True
    )


def save_data_uri(uri: str, folder: str) -> str:
    """Write a ``data:`` URI's bytes to a new file in ``folder`` and return its path.

    Raises:
        ValueError: The URI is malformed.
    """
    header, sep, payload = uri[5:].partition(",")
    if not sep:
        raise ValueError("a data: URI needs a comma before its data (data:<type>;base64,<data>)")
    mime = header.split(";")[0] or "application/octet-stream"
    try:
        data = base64.b64decode(payload, validate=True) if header.endswith(";base64") else None
    except ValueError:
        raise ValueError("the data: URI's base64 payload is not valid base64") from None
    if data is None:
        data = unquote(payload).encode()
    suffix = mimetypes.guess_extension(mime) or ""
    handle, path = tempfile.mkstemp(dir=folder, prefix="input-", suffix=suffix)
    with os.fdopen(handle, "wb") as fh:
        fh.write(data)
    return path


async def fetch_schema(client: AsyncClient) -> list[dict[str, Any]] | None:
    """The app's published MCP schema (``mcp_server=True`` apps), or None if it has none."""
    import httpx

    url = client.src_prefixed.rstrip("/") + "/mcp/schema"
    with contextlib.suppress(httpx.HTTPError, ValueError):
        async with httpx.AsyncClient(
            headers=client.headers, verify=client.ssl_verify, timeout=10
        ) as http:
            response = await http.get(url)
            if response.status_code == 200:
                value = response.json()
                if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                    return value
    return None


def published_tools(
    published: list[dict[str, Any]],
    described: Mapping[str, Any],
    prefix: str,
    taken: set[str],
    app: int,
) -> list[ToolSpec]:
    """Tools from an app's published schema (its names, descriptions and input schemas)."""
    named: Mapping[str, Any] = described.get("named_endpoints") or {}
    specs = []
    for entry in published:
        meta = entry.get("meta") or {}
        endpoint = "/" + str(meta.get("endpoint_name") or "").lstrip("/")
        if meta.get("mcp_type", "tool") != "tool" or endpoint not in named:
            continue
        name = unique_name(prefix + str(entry.get("name") or endpoint.lstrip("/")), taken)
        taken.add(name)
        specs.append(
            ToolSpec(
                name=name,
                endpoint=endpoint,
                description=_local_file_hint(str(entry.get("description") or "")),
                input_schema=_local_file_format(entry.get("inputSchema") or {"type": "object"}),
                parameters=parameter_schemas(named[endpoint]),
                app=app,
            )
        )
    return specs


def _local_file_hint(description: str) -> str:
    """Replace Gradio's advice to upload files with a tool by what the bridge accepts."""
    if GRADIO_UPLOAD_HINT not in description:
        return description
    head = description.split(GRADIO_UPLOAD_HINT, 1)[0].strip()
    return (head + " " + LOCAL_FILE_HINT).strip()


def _local_file_format(node: Any) -> Any:
    """Say in a published schema that file strings may also be local paths or data URIs."""
    if isinstance(node, dict):
        if str(node.get("format", "")).startswith(GRADIO_FILE_FORMAT):
            return {**node, "format": FILE_FORMAT}
        return {key: _local_file_format(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_local_file_format(item) for item in node]
    return node


def app_name(client: AsyncClient) -> str:
    """A short name for an app, to prefix its tools: its Space name, title, or host."""
    if client.space_id:
        return client.space_id.split("/")[-1]
    title = str(client.config.get("title") or "")
    if title and title.lower() != "gradio":
        return title
    parts = urlsplit(client.src)
    return f"{parts.hostname}_{parts.port}" if parts.port else str(parts.hostname)
