"""Regenerate gradio_client_signatures.json from an installed gradio_client.

Run it with a Python that has gradio_client (e.g. a server venv), never in the test
process: ``.servers/gradio-6.31.0/bin/python tests/compat/make_signature_table.py``.
"""

from __future__ import annotations

import inspect
import json
import pathlib

import gradio_client
from gradio_client import client, exceptions, utils

OUT = pathlib.Path(__file__).with_name("gradio_client_signatures.json")

CLASSES = {
    "Client": client.Client,
    "Job": client.Job,
}
METHODS = {
    "Client": ["__init__", "predict", "submit", "view_api", "reset_session", "close"],
    "Job": ["result", "status", "outputs", "cancel", "done", "__iter__", "__aiter__"],
}


def describe(fn: object) -> list[dict[str, object]]:
    params = []
    for p in inspect.signature(fn).parameters.values():  # type: ignore[arg-type]
        if p.name.startswith("_"):
            continue  # private knobs such as _skip_components
        default = p.default
        if p.name == "download_files":
            default = "<temp dir>"  # machine-specific path in gradio_client; not compared
        params.append(
            {
                "name": p.name,
                "kind": p.kind.name,
                "has_default": default is not inspect.Parameter.empty,
                "default": repr(default)
                if isinstance(default, (int, float, bool, str, type(None)))
                else None,
            }
        )
    return params


def main() -> None:
    table: dict[str, object] = {"gradio_client": gradio_client.__version__, "methods": {}}
    for cls_name, cls in CLASSES.items():
        for meth in METHODS[cls_name]:
            table["methods"][f"{cls_name}.{meth}"] = describe(getattr(cls, meth))  # type: ignore[index]
    table["handle_file"] = describe(gradio_client.handle_file)
    table["file"] = describe(gradio_client.file)
    table["exceptions"] = {
        name: [b.__name__ for b in obj.__mro__ if b.__module__ == "builtins" and b is not object]
        for mod in (exceptions, utils)
        for name, obj in vars(mod).items()
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == mod.__name__
    }
    table["status_members"] = [s.name for s in utils.Status]
    table["status_update_fields"] = list(utils.StatusUpdate.__dataclass_fields__)
    table["progress_unit_fields"] = list(utils.ProgressUnit.__dataclass_fields__)
    table["output_update_fields"] = list(utils.OutputUpdate.__dataclass_fields__)
    table["package_all"] = sorted(gradio_client.__all__)
    OUT.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
