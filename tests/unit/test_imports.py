from __future__ import annotations

import ast
import json
import pathlib
import subprocess
import sys

import gradiox
import gradiox._protocol


def run_python(code: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout


def test_import_gradiox_pulls_in_no_gradio_or_hub() -> None:
    out = run_python("import sys, json, gradiox; print(json.dumps(sorted(sys.modules)))")
    modules = set(json.loads(out))
    for banned in ("gradio", "gradio_client", "huggingface_hub"):
        assert banned not in modules, f"import gradiox imported {banned}"


ALLOWED_INTERNAL = ("gradiox._protocol", "gradiox._types", "gradiox.exceptions")
# The protocol layer does no I/O and starts nothing: none of these, not even lazily.
DENIED = ("asyncio", "socket", "threading", "httpx", "anyio", "ssl", "selectors")


def impure_imports(path: pathlib.Path) -> list[str]:
    """The imports in ``path`` that the protocol layer must not make (any nesting level)."""
    offenders = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else ["<relative import>"]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top == "gradiox":
                if not name.startswith(ALLOWED_INTERNAL):
                    offenders.append(f"{path.name}: {name}")
            elif top in DENIED or (top != "__future__" and top not in sys.stdlib_module_names):
                offenders.append(f"{path.name}: {name}")
    return offenders


def test_protocol_layer_is_pure() -> None:
    """gradiox._protocol imports no I/O, no concurrency, and nothing outside the stdlib."""
    root = pathlib.Path(gradiox._protocol.__file__).parent
    offenders = [o for path in sorted(root.glob("*.py")) for o in impure_imports(path)]
    assert not offenders, f"impure imports in gradiox._protocol: {offenders}"


def test_the_purity_check_catches_denied_modules(tmp_path: pathlib.Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import json\nimport asyncio\nfrom socket import socket\n"
        "def later():\n    import threading.local\n    from ssl import SSLContext\n"
        "import httpx\nfrom gradiox._engine import http\nfrom gradiox._types import Status\n"
    )
    assert sorted(impure_imports(sample)) == [
        "sample.py: asyncio",
        "sample.py: gradiox._engine",
        "sample.py: httpx",
        "sample.py: socket",
        "sample.py: ssl",
        "sample.py: threading.local",
    ]


def test_importing_the_protocol_layer_loads_no_denied_module() -> None:
    out = run_python(
        "import sys, json, pkgutil, importlib, gradiox._protocol as p\n"
        "for m in pkgutil.iter_modules(p.__path__):\n"
        "    importlib.import_module('gradiox._protocol.' + m.name)\n"
        "print(json.dumps(sorted(sys.modules)))"
    )
    loaded = {name.split(".")[0] for name in json.loads(out)}
    assert not loaded & set(DENIED), sorted(loaded & set(DENIED))


def test_public_names() -> None:
    assert sorted(gradiox.__all__) == gradiox.__all__
    for name in gradiox.__all__:
        assert hasattr(gradiox, name)


def test_import_gradiox_is_light_until_a_client_is_used() -> None:
    out = run_python(
        "import sys, json, gradiox\n"
        "light = 'httpx' in sys.modules or 'asyncio' in sys.modules\n"
        "from gradiox import Client, AsyncClient, Job, AsyncJob\n"
        "print(json.dumps([light, 'httpx' in sys.modules, Client.__module__]))"
    )
    light, loaded, module = json.loads(out)
    assert light is False
    assert loaded is True
    assert module == "gradiox.client"
