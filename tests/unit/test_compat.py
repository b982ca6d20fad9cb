"""gradiox keeps gradio_client 2.x's public names and signatures (table: tests/compat)."""

from __future__ import annotations

import inspect
import json
import pathlib
from typing import Any

import pytest

import gradiox
import gradiox.client
import gradiox.exceptions
import gradiox.utils
from gradiox import AsyncClient, Client, Job

TABLE = json.loads(
    (pathlib.Path(__file__).parents[1] / "compat" / "gradio_client_signatures.json").read_text()
)
CLASSES = {"Client": Client, "Job": Job}
# Parameters gradiox adds on purpose: keyword-only and after gradio_client's own, so no call
# written for gradio_client changes meaning.
ADDITIONS: dict[str, list[dict[str, Any]]] = {
    "Client.__init__": [
        {"name": "timeout", "kind": "KEYWORD_ONLY", "has_default": True, "default": "None"},
        {"name": "max_retries", "kind": "KEYWORD_ONLY", "has_default": True, "default": "2"},
        {
            "name": "max_event_size",
            "kind": "KEYWORD_ONLY",
            "has_default": True,
            "default": repr(256 * 1024 * 1024),
        },
    ],
}


def describe(fn: Any) -> list[dict[str, Any]]:
    params = []
    for p in inspect.signature(fn).parameters.values():
        if p.name.startswith("_"):
            continue
        default = p.default
        if p.name == "download_files":
            default = "<temp dir>"
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


@pytest.mark.parametrize("key", sorted(TABLE["methods"]))
def test_method_signatures_match(key: str) -> None:
    cls_name, meth = key.split(".")
    expected = TABLE["methods"][key] + ADDITIONS.get(key, [])
    assert describe(getattr(CLASSES[cls_name], meth)) == expected


def test_predict_and_submit_take_no_new_keywords() -> None:
    # Endpoint parameters may be named timeout or max_retries: they must reach the app.
    for name in ("predict", "submit"):
        names = {p["name"] for p in describe(getattr(Client, name))}
        assert not names & {"timeout", "max_retries", "resubmit_lost_jobs"}


def test_async_client_constructor_matches_client() -> None:
    assert describe(AsyncClient.__init__) == describe(Client.__init__)


def test_handle_file_signatures() -> None:
    assert describe(gradiox.handle_file) == TABLE["handle_file"]
    assert describe(gradiox.file) == TABLE["file"]


def test_package_exports_are_a_superset() -> None:
    assert set(TABLE["package_all"]) <= set(gradiox.__all__)


@pytest.mark.parametrize("name", sorted(TABLE["exceptions"]))
def test_exceptions_keep_names_and_builtin_bases(name: str) -> None:
    cls = getattr(gradiox.exceptions, name)
    assert issubclass(cls, gradiox.exceptions.GradioxError)
    for base in TABLE["exceptions"][name]:
        assert issubclass(cls, getattr(__builtins__, base, None) or eval(base))
    # importable where gradio_client users import them
    assert getattr(gradiox.utils, name, cls) is cls


def test_status_and_update_types() -> None:
    assert [s.name for s in gradiox.utils.Status] == TABLE["status_members"]
    assert list(gradiox.utils.StatusUpdate.__dataclass_fields__) == TABLE["status_update_fields"]
    assert list(gradiox.utils.ProgressUnit.__dataclass_fields__) == TABLE["progress_unit_fields"]
    assert list(gradiox.utils.OutputUpdate.__dataclass_fields__) == TABLE["output_update_fields"]


def test_job_is_a_real_future() -> None:
    import concurrent.futures

    assert issubclass(Job, concurrent.futures.Future)
    assert gradiox.client.Client is Client


def test_every_error_class_lives_in_exceptions() -> None:
    """Errors are defined in gradiox.exceptions only; old import paths still work."""
    import inspect
    import pkgutil

    import gradiox
    from gradiox import exceptions, files

    assert files.FileNotFoundForUploadError is exceptions.FileNotFoundForUploadError
    for info in pkgutil.walk_packages(gradiox.__path__, "gradiox."):
        if info.name.startswith("gradiox.cli"):
            continue
        module = __import__(info.name, fromlist=["_"])
        for name, value in vars(module).items():
            defined_here = inspect.isclass(value) and value.__module__ == info.name
            if defined_here and issubclass(value, BaseException):
                assert info.name == "gradiox.exceptions", f"{info.name}.{name}"
