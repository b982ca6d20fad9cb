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


def test_protocol_layer_is_pure() -> None:
    """gradiox._protocol imports only the stdlib and other pure gradiox modules."""
    root = pathlib.Path(gradiox._protocol.__file__).parent
    offenders = []
    for path in sorted(root.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                if top == "gradiox":
                    if not name.startswith(ALLOWED_INTERNAL):
                        offenders.append(f"{path.name}: {name}")
                elif top != "__future__" and top not in sys.stdlib_module_names:
                    offenders.append(f"{path.name}: {name}")
    assert not offenders, f"impure imports in gradiox._protocol: {offenders}"


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
