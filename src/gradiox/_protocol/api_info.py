"""The app's endpoints: built from config and ``/info``, resolved, and bound to arguments.

Must not import httpx, anyio or any gradiox I/O module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from gradiox.exceptions import ArgumentError, EndpointError, InvalidAPIEndpointError

__all__ = ["EndpointInfo", "bind_arguments", "build_endpoints", "resolve_endpoint", "shape_result"]

Visibility = Literal["public", "undocumented", "private"]

# Components that never carry API values, for configs (3.x) without a skip_api flag.
SKIP_COMPONENTS = frozenset(
    {
        "state", "row", "column", "tabs", "tab", "tabitem", "box", "form", "accordion",
        "group", "interpretation", "dataset", "sidebar",
    }
)  # fmt: skip

RESERVED_NAMES = frozenset({"api_name", "fn_index", "headers", "result_callbacks"})

KWARGS_UNSUPPORTED = (
    "This endpoint does not support key-word arguments Please click on 'view API' in the "
    "footer of the Gradio app to see usage."
)


@dataclass(frozen=True, slots=True)
class EndpointInfo:
    """One callable event of the app.

    Attributes:
        fn_index: The dependency id the server expects.
        api_name: ``"/name"``, or None for unnamed (3.x) and private (5.x) events.
        visibility: ``public``, ``undocumented`` (callable, not listed) or ``private``.
        backend_fn: False for frontend-only (js) events.
        input_skip: For each input component, whether the API omits it (State, Button...).
        output_skip: For each output component, whether results drop it.
        input_types: Component type names of the inputs.
        is_generator: The function yields several outputs.
        queued: The event goes through the queue (False: ``queue=False``).
        parameters: ``/info`` parameter descriptions, or None if the app gave none.
        oauth_token: ``"required"``/``"optional"`` if the handler takes ``gr.OAuthToken``.
        dependency: The raw config entry.
    """

    fn_index: int
    api_name: str | None
    visibility: Visibility
    backend_fn: bool
    input_skip: tuple[bool, ...]
    output_skip: tuple[bool, ...]
    input_types: tuple[str, ...]
    is_generator: bool
    queued: bool
    parameters: tuple[dict[str, Any], ...] | None
    oauth_token: str | None = None
    dependency: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def is_valid(self) -> bool:
        """True if clients may call it."""
        return self.visibility != "private" and self.backend_fn

    @property
    def label(self) -> str:
        """How error messages name it."""
        return self.api_name or f"fn_index={self.fn_index}"


def build_endpoints(
    config: Mapping[str, Any],
    info: Mapping[str, Any] | None,
    public_info: Mapping[str, Any] | None = None,
) -> list[EndpointInfo]:
    """Build the endpoint list from the app config and its ``/info`` JSON.

    Args:
        config: The app's ``/config``.
        info: ``/info?all_endpoints=True`` (every callable event).
        public_info: ``/info`` without ``all_endpoints`` (public events only), if fetched.

    Two events may share an ``api_name`` (Gradio renames clashes when an event is added,
    but not when a separately built Blocks such as an ``Interface`` is rendered into
    another). ``/info`` is keyed by name, so each form describes only the last event of
    that name it lists; the others get the public form's entry when they are its last
    public event, else no parameters (positional arguments only).
    """
    components = {c.get("id"): c for c in config.get("components", []) if isinstance(c, Mapping)}
    deps = [d for d in config.get("dependencies", []) if isinstance(d, Mapping)]
    described_by = _describing_entries(deps, info, public_info)
    endpoints = []
    for position, dep in enumerate(deps):
        fn_index = dep.get("id", position)
        raw_name = dep.get("api_name")
        api_name = "/" + raw_name if isinstance(raw_name, str) and raw_name else None
        described = described_by.get(position)
        inputs = [components.get(i, {}) for i in dep.get("inputs", [])]
        outputs = [components.get(i, {}) for i in dep.get("outputs", [])]
        parameters = described.get("parameters") if described else None
        endpoints.append(
            EndpointInfo(
                fn_index=int(fn_index),
                api_name=api_name,
                visibility=_visibility(dep),
                backend_fn=bool(dep.get("backend_fn", True)),
                input_skip=tuple(_is_skipped(c) for c in inputs),
                output_skip=tuple(_is_skipped(c) for c in outputs),
                input_types=tuple(str(c.get("type", "")) for c in inputs),
                is_generator=bool((dep.get("types") or {}).get("generator")),
                queued=dep.get("queue") is not False,
                parameters=tuple(parameters) if isinstance(parameters, list) else None,
                oauth_token=described.get("oauth_token") if described else None,
                dependency=dict(dep),
            )
        )
    return endpoints


def _describing_entries(
    deps: Sequence[Mapping[str, Any]],
    info: Mapping[str, Any] | None,
    public_info: Mapping[str, Any] | None,
) -> dict[int, Mapping[str, Any]]:
    """Which ``/info`` entry describes which dependency (by position in the config).

    The server writes one entry per listed event in config order, so for a name shared by
    several events the entry is the last listed one's.
    """
    result: dict[int, Mapping[str, Any]] = {}
    for source, public_only in ((public_info, True), (info, False)):
        if not source:
            continue
        named = source.get("named_endpoints") or {}
        unnamed = source.get("unnamed_endpoints") or {}
        owner: dict[str, int] = {}
        for position, dep in enumerate(deps):
            visibility = _visibility(dep)
            if visibility == "private" or dep.get("backend_fn") is False:
                continue
            if public_only and visibility != "public":
                continue
            raw_name = dep.get("api_name")
            key = "/" + raw_name if isinstance(raw_name, str) and raw_name else None
            owner[key or f"#{dep.get('id', position)}"] = position
        for key, position in owner.items():
            if key.startswith("#"):
                entry = unnamed.get(key[1:])
            else:
                entry = named.get(key)
            if isinstance(entry, Mapping):
                result[position] = entry  # the full form wins where both describe one
    return result


def _visibility(dep: Mapping[str, Any]) -> Visibility:
    value = dep.get("api_visibility")
    if value in ("public", "undocumented", "private"):
        return value  # type: ignore[no-any-return]
    if dep.get("api_name") is False:
        return "private"
    if dep.get("show_api") is False:
        return "undocumented"
    return "public"


def _is_skipped(component: Mapping[str, Any]) -> bool:
    if "skip_api" in component:
        return bool(component["skip_api"])
    return str(component.get("type", "")).lower() in SKIP_COMPONENTS


def _callable_names(endpoints: Sequence[EndpointInfo]) -> str:
    names = [e.api_name for e in endpoints if e.api_name and e.is_valid]
    return ", ".join(names) if names else "(none)"


def resolve_endpoint(
    endpoints: Sequence[EndpointInfo], api_name: str | None, fn_index: int | None
) -> EndpointInfo:
    """Pick the endpoint a call means: by api_name, else by fn_index, else the only one.

    Raises:
        EndpointError: If nothing matches; the message lists the valid names.
        InvalidAPIEndpointError: If the fn_index names an endpoint that can't be called.
    """
    if api_name is not None:
        named = [e for e in endpoints if e.api_name == api_name and e.visibility != "private"]
        # A shared name means its public event (gradio_client: the first, which for an
        # Interface rendered into a Blocks is the public one).
        named.sort(key=lambda e: e.visibility != "public")
        if named:
            endpoint = named[0]
            if not endpoint.backend_fn:
                raise InvalidAPIEndpointError(
                    f"The endpoint {api_name} runs only in the browser (no Python function)."
                )
            return endpoint
        hint = " Did you mean to use a leading slash?" if not api_name.startswith("/") else ""
        raise EndpointError(
            f"Cannot find a function with `api_name`: {api_name}.{hint} "
            f"Available endpoints: {_callable_names(endpoints)}"
        )
    if fn_index is not None:
        for endpoint in endpoints:
            if endpoint.fn_index == fn_index:
                if endpoint.is_valid:
                    return endpoint
                break
        raise EndpointError(
            f"Invalid function index: {fn_index}. Available endpoints: {_callable_names(endpoints)}"
        )
    candidates = [e for e in endpoints if e.api_name and e.is_valid and e.visibility == "public"]
    if len(candidates) == 1:
        return candidates[0]
    raise EndpointError(
        "This Gradio app might have multiple endpoints. Please specify an `api_name` or "
        f"`fn_index`. Available endpoints: {_callable_names(endpoints)}"
    )


_MISSING: Any = object()


def bind_arguments(
    endpoint: EndpointInfo, args: Sequence[Any], kwargs: Mapping[str, Any]
) -> list[Any]:
    """Map positional and keyword arguments to the endpoint's full input list.

    Defaults from ``/info`` fill omitted parameters, and every input the API skips (State,
    Button...) gets a ``None`` placeholder, so the list has one value per input component.

    Raises:
        ArgumentError: Too many arguments, an unknown or duplicate keyword, or a missing
            required argument. The message names the valid parameters.
    """
    n_api = endpoint.input_skip.count(False)
    params = endpoint.parameters
    if params is None:
        if kwargs:
            raise ArgumentError(KWARGS_UNSUPPORTED)
        values = list(args)
        if len(values) > n_api:
            raise ArgumentError(_too_many(endpoint, n_api, len(values)))
    else:
        values = _bind_with_parameters(endpoint, params, args, kwargs)
    return _insert_skipped(endpoint, values)


def _bind_with_parameters(
    endpoint: EndpointInfo,
    params: Sequence[Mapping[str, Any]],
    args: Sequence[Any],
    kwargs: Mapping[str, Any],
) -> list[Any]:
    if len(args) > len(params):
        raise ArgumentError(_too_many(endpoint, len(params), len(args)))
    names = [p.get("parameter_name") for p in params]
    slots: list[Any] = list(args) + [_MISSING] * (len(params) - len(args))
    from_default = [False] * len(params)
    for i in range(len(args), len(params)):
        if params[i].get("parameter_has_default"):
            slots[i] = params[i].get("parameter_default")
            from_default[i] = True
    valid = ", ".join(str(n) for n in names if n) or "(none: pass arguments positionally)"
    for key, value in kwargs.items():
        if key not in names:
            raise ArgumentError(
                f"Parameter `{key}` is not a valid key-word argument. Please click on 'view API' "
                f"in the footer of the Gradio app to see usage. Valid parameters of "
                f"{endpoint.label}: {valid}."
            )
        i = names.index(key)
        if i < len(args):
            raise ArgumentError(
                f"Parameter `{key}` is already set as a positional argument. Please click on "
                "'view API' in the footer of the Gradio app to see usage."
            )
        slots[i] = value
        from_default[i] = False
    for i, value in enumerate(slots):
        if value is _MISSING:
            name = names[i] or f"argument {i}"
            raise ArgumentError(
                f"No value provided for required argument: {name} "
                f"(endpoint {endpoint.label} takes: {valid})."
            )
    return slots


def _too_many(endpoint: EndpointInfo, limit: int, given: int) -> str:
    return (
        f"Too many arguments for {endpoint.label}: it takes at most {limit} "
        f"argument{'s' if limit != 1 else ''}, got {given}."
    )


def _insert_skipped(endpoint: EndpointInfo, values: list[Any]) -> list[Any]:
    if not any(endpoint.input_skip):
        return values
    it = iter(values)
    data = [None if skip else next(it, None) for skip in endpoint.input_skip]
    data.extend(it)
    return data


def shape_result(endpoint: EndpointInfo, data: Sequence[Any]) -> Any:
    """Turn an output data list into what predict() returns.

    Skipped outputs (State, layout updates) are dropped; a single remaining value is
    returned as is, several as a tuple.
    """
    skip = endpoint.output_skip
    kept = [v for i, v in enumerate(data) if not (i < len(skip) and skip[i])]
    if len(kept) == 1:
        return kept[0]
    return tuple(kept)
