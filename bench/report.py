# ruff: noqa: RUF001 - the report uses typographic dashes and multiplication signs on purpose
"""Turn a results JSON (written by bench/runner.py) into the Markdown report.

Every figure is a median over all samples of all rounds (p95 where the issue asks for it),
shown with its ratio to the raw-protocol floor measured in the same run. A target verdict
(✅ met / ❌ missed) is given for the gradiox columns only.

Re-render a saved run: ``.servers/bench/bin/python bench/report.py bench/out/latest.json``.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from records import Result

if TYPE_CHECKING:
    from collections.abc import Callable

CLIENT_NAMES = {
    "raw": "raw floor",
    "raw_async": "raw asyncio floor",
    "gradiox": "gradiox `Client`",
    "gradiox_async": "gradiox `AsyncClient`",
    "gradio_client": "gradio_client 2.7.2",
}
GRADIOX = ("gradiox", "gradiox_async")
MB = 1 << 20
IMPORTS_SHOWN = {
    "gradiox": "import gradiox",
    "gradiox (from gradiox import Client)": "from gradiox import Client",
}
OK, MISS = "✅", "❌"


# -- statistics ---------------------------------------------------------------------------------


def median(values: list[float]) -> float | None:
    return statistics.median(values) if values else None


def p95(values: list[float]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def entries(store: dict[str, Any], key: str, client: str) -> list[Result]:
    return [Result.from_json(e) for e in store.get(key, {}).get(client, [])]


def good(items: list[Result]) -> list[Result]:
    return [e for e in items if e.good]


def first_error(items: list[Result]) -> str | None:
    for e in items:
        if e.error is not None:
            return e.error.splitlines()[0][:160]
    return None


def values(items: list[Result], value: Callable[[Result], float | None]) -> list[float]:
    """One number per successful entry (entries without it are skipped)."""
    return [v for e in good(items) if (v := value(e)) is not None]


def pooled(items: list[Result]) -> list[float]:
    return [x for e in good(items) for x in e.samples]


# -- formatting ---------------------------------------------------------------------------------


def ms(seconds: float | None) -> str:
    if seconds is None:
        return "–"
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def secs(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds:.2f} s"


def mb(size: float | None) -> str:
    return "–" if size is None else f"{size / MB:.1f} MB"


def ratio_text(value: float | None, floor: float | None) -> str:
    if value is None or not floor:
        return ""
    return f" ({value / floor:.2f}×)"


def verdict(ok: bool | None) -> str:
    return "" if ok is None else (f" {OK}" if ok else f" {MISS}")


class Cell:
    """One table cell: the text, and (for targets) whether it met the target."""

    def __init__(self, text: str, ok: bool | None = None, ratio: float | None = None) -> None:
        self.text = text
        self.ok = ok
        self.ratio = ratio


def metric_cells(
    store: dict[str, Any],
    key: str,
    clients: list[str],
    value_of: Callable[[list[Result]], float | None],
    fmt: Callable[[float], str],
    *,
    max_ratio: float | None = None,
    min_ratio: float | None = None,
    floor_client: str = "raw",
) -> dict[str, Cell]:
    """Cells for a metric whose target is a ratio to the raw floor (or ``floor_client``)."""
    values = {c: value_of(entries(store, key, c)) for c in clients}
    floor = values.get(floor_client)
    cells = {}
    for client in clients:
        items = entries(store, key, client)
        value = values[client]
        if value is None:
            err = first_error(items)
            cells[client] = Cell(f"not available: {err}" if err else "–", False if err else None)
            continue
        ratio = value / floor if floor else None
        ok = None
        if client in GRADIOX and ratio is not None:
            if max_ratio is not None:
                ok = ratio <= max_ratio
            if min_ratio is not None:
                ok = ratio >= min_ratio
        suffix = "" if client == floor_client else ratio_text(value, floor)
        cells[client] = Cell(fmt(value) + suffix + verdict(ok) + lost_rounds(items), ok, ratio)
    return cells


def lost_rounds(items: list[Result]) -> str:
    """A note when some rounds of this client failed (their samples are left out)."""
    lost = sum(1 for e in items if e.error is not None)
    return f" ({lost} of {len(items)} rounds failed: {first_error(items)})" if lost else ""


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


# -- sections -----------------------------------------------------------------------------------


def present_clients(store: dict[str, Any], meta: dict[str, Any]) -> list[str]:
    seen = {c for per in store.values() for c in per}
    return [c for c in meta.get("clients", list(CLIENT_NAMES)) if c in seen]


class Rows:
    """The rows of one configuration's table, and the cells that carry targets."""

    def __init__(self, store: dict[str, Any], clients: list[str]) -> None:
        self.store = store
        self.clients = clients
        self.rows: list[list[str]] = []
        self.targets: list[tuple[str, dict[str, Cell]]] = []

    def add(self, label: str, target: str, cells: dict[str, Cell], is_target: bool = True) -> None:
        self.rows.append([label, target] + [cells[c].text for c in self.clients])
        if is_target and target:
            self.targets.append((f"{label}: {target}", cells))

    def metric(
        self,
        key: str,
        value_of: Callable[[list[Result]], float | None],
        fmt: Callable[[float], str],
        **kw: Any,
    ) -> dict[str, Cell]:
        return metric_cells(self.store, key, self.clients, value_of, fmt, **kw)

    def cpu(self, key: str, label: str) -> None:
        """An informative row: the client process's CPU time for the scenario (no target)."""
        if any(values(entries(self.store, key, c), cpu_of) for c in self.clients):
            cells = self.metric(key, lambda i: median(values(i, cpu_of)), secs)
            self.add(f"{label}: client CPU, median", "(no target)", cells, is_target=False)


def cpu_of(result: Result) -> float | None:
    return result.cpu


def seconds_of(items: list[Result]) -> float | None:
    return median(values(items, lambda e: e.seconds))


def pooled_median(items: list[Result]) -> float | None:
    return median(pooled(items))


def config_rows(
    store: dict[str, Any], clients: list[str]
) -> tuple[list[list[str]], list[tuple[str, dict[str, Cell]]]]:
    """Rows of a configuration's main table, and the cells that carry targets."""
    rows = Rows(store, clients)
    latency_rows(rows)
    for key in sorted((k for k in store if k.startswith("burst-")), key=lambda k: int(k[6:])):
        burst_rows(rows, key)
    generator_rows(rows)
    for key in sorted((k for k in store if k.startswith("file-")), key=file_size):
        file_rows(rows, key)
    return rows.rows, rows.targets


def latency_rows(rows: Rows) -> None:
    """Connect and sequential predict (and their ratios to the asyncio floor)."""
    if "connect" in rows.store:
        cells = rows.metric("connect", pooled_median, ms, max_ratio=1.3)
        rows.add("`Client(url)` connect, median", "≤ 1.3× raw", cells)
        cells = rows.metric("connect", lambda i: median(values(i, lambda e: e.first)), ms)
        label = "first connect in a fresh process (after the import), median"
        rows.add(label, "(no target)", cells, is_target=False)
    if "predict" in rows.store:
        cells = rows.metric("predict", pooled_median, ms, max_ratio=1.15)
        rows.add("sequential predict, median", "≤ 1.15× raw", cells)
        cells = rows.metric("predict", lambda i: p95(pooled(i)), ms, max_ratio=1.3)
        rows.add("sequential predict, p95", "≤ 1.3× raw", cells)
        cells = rows.metric("predict", lambda i: median(values(i, lambda e: e.cpu_per_call)), ms)
        label = "sequential predict, client CPU per call, median"
        rows.add(label, "(no target)", cells, is_target=False)
    for key, label in (("connect", "connect"), ("predict", "sequential predict")):
        if key in rows.store and "raw_async" in rows.clients:
            cells = rows.metric(key, pooled_median, ms, floor_client="raw_async")
            label = f"{label}, median, against the asyncio floor"
            rows.add(label, "(no target)", cells, is_target=False)


def burst_rows(rows: Rows, key: str) -> None:
    """Many jobs at once: throughput, failures, threads, memory."""
    jobs = key[6:]
    throughput = rows.metric(
        key,
        lambda i: median(values(i, lambda e: e.throughput)),
        lambda v: f"{v:.0f} jobs/s",
        min_ratio=0.9,
    )
    rows.add(f"{jobs} jobs at once: throughput", "≥ 0.9× raw", throughput)
    failed = failed_cells(rows.store, key, rows.clients)
    rows.add(f"{jobs} jobs at once: failed jobs (all rounds)", "0", failed)
    threads = thread_cells(rows.store, key, rows.clients)
    rows.add(f"{jobs} jobs at once: peak threads", "≤ 8", threads)
    rss = rows.metric(
        key, lambda i: median(values(i, lambda e: e.process_rss_peak)), mb, max_ratio=1.5
    )
    rows.add(f"{jobs} jobs at once: peak RSS", "≤ 1.5× raw", rss)


def generator_rows(rows: Rows) -> None:
    """Streaming latency, the 2000-item generator, and progress updates."""
    store = rows.store
    if "stream" in store:
        cells = rows.metric("stream", pooled_median, ms, max_ratio=1.3)
        rows.add("per-item latency, generator every 20 ms, median", "≤ 1.3× raw", cells)
    if "count" in store:
        complete = complete_cells(store, "count", rows.clients)
        rows.add("2000-item generator: complete and in order", "all rounds", complete)
        cells = rows.metric("count", seconds_of, secs, max_ratio=1.1)
        rows.add("2000-item generator: total time, median", "≤ 1.1× raw", cells)
        if "raw_async" in rows.clients:
            cells = rows.metric("count", seconds_of, secs, floor_client="raw_async")
            label = "2000-item generator: total time, against the asyncio floor"
            rows.add(label, "(no target)", cells, is_target=False)
        rows.cpu("count", "2000-item generator")
    for key, how in (
        ("progress_status", "`status()` polling"),
        ("progress_aiter", "async iteration"),
    ):
        if key in store:
            cells = progress_cells(store, key, rows.clients)
            rows.add(f"`gr.Progress` updates seen via {how}", "20 of 20", cells)


def file_rows(rows: Rows, key: str) -> None:
    """One file size's round trip: time, memory growth, CPU."""
    label = key[5:]
    huge = file_size(key) >= 1024 * MB
    cells = rows.metric(key, seconds_of, secs, max_ratio=None if huge else 1.1)
    rows.add(
        f"{label} round trip: time, median", "" if huge else "≤ 1.1× raw", cells, is_target=not huge
    )
    limit = 50 * MB if huge else 30 * MB
    growth = growth_cells(rows.store, key, rows.clients, limit, strict=huge)
    rows.add(f"{label} round trip: RSS growth, worst", "< 50 MB" if huge else "≤ 30 MB", growth)
    rows.cpu(key, f"{label} round trip")


def file_size(key: str) -> int:
    label = key[5:]
    number = float("".join(ch for ch in label if ch.isdigit() or ch == "."))
    return int(number * (1024 * MB if label.endswith("GB") else MB))


def failed_cells(store: dict[str, Any], key: str, clients: list[str]) -> dict[str, Cell]:
    cells = {}
    for client in clients:
        items = entries(store, key, client)
        ok_items = good(items)
        if not ok_items:
            err = first_error(items)
            cells[client] = Cell(f"not available: {err}" if err else "–", False if err else None)
            continue
        failed = sum(e.failed or 0 for e in ok_items)
        total = sum(e.jobs or 0 for e in ok_items)
        ok = failed == 0 if client in GRADIOX else None
        note = ""
        if failed and ok_items:
            err = next((e.first_error for e in ok_items if e.first_error), None)
            note = f" ({err[:60]})" if err else ""
        cells[client] = Cell(f"{failed} of {total}{note}{verdict(ok)}", ok)
    return cells


def thread_cells(store: dict[str, Any], key: str, clients: list[str]) -> dict[str, Cell]:
    cells = {}
    for client in clients:
        ok_items = good(entries(store, key, client))
        peaks = [e.peak_threads for e in ok_items if e.peak_threads]
        if not peaks:
            cells[client] = Cell("–")
            continue
        worst = max(peaks)
        ok = worst <= 8 if client in GRADIOX else None
        cells[client] = Cell(f"{worst}{verdict(ok)}", ok)
    return cells


def complete_cells(store: dict[str, Any], key: str, clients: list[str]) -> dict[str, Cell]:
    cells = {}
    for client in clients:
        items = entries(store, key, client)
        ok_items = good(items)
        if not ok_items:
            err = first_error(items)
            cells[client] = Cell(f"not available: {err}" if err else "–", False if err else None)
            continue
        complete = sum(1 for e in ok_items if e.complete and e.in_order and e.final_ok)
        ok = complete == len(items) if client in GRADIOX else None
        got = min(e.received or 0 for e in ok_items)
        cells[client] = Cell(f"{complete}/{len(items)} runs (≥ {got} items){verdict(ok)}", ok)
    return cells


def progress_cells(store: dict[str, Any], key: str, clients: list[str]) -> dict[str, Cell]:
    cells = {}
    for client in clients:
        items = entries(store, key, client)
        ok_items = good(items)
        if not ok_items:
            skipped = next((e.skipped for e in items if e.skipped is not None), None)
            err = first_error(items)
            text = "n/a" if skipped else (f"not available: {err}" if err else "–")
            cells[client] = Cell(text, False if err else None)
            continue
        worst = min(e.seen or 0 for e in ok_items)
        of = ok_items[0].of
        ok = (worst == of and len(ok_items) == len(items)) if client in GRADIOX else None
        cells[client] = Cell(f"{worst} of {of} (worst run){verdict(ok)}", ok)
    return cells


def growth_cells(
    store: dict[str, Any], key: str, clients: list[str], limit: int, *, strict: bool
) -> dict[str, Cell]:
    cells = {}
    for client in clients:
        items = entries(store, key, client)
        ok_items = good(items)
        if not ok_items:
            err = first_error(items)
            cells[client] = Cell(f"not available: {err}" if err else "–", False if err else None)
            continue
        worst = max(e.rss_growth or 0 for e in ok_items)
        ok = None
        if client in GRADIOX:
            ok = worst < limit if strict else worst <= limit
        cells[client] = Cell(f"{mb(worst)}{verdict(ok)}", ok)
    return cells


def imports_section(imports: dict[str, Any]) -> tuple[list[str], list[tuple[str, Cell]]]:
    lines: list[str] = []
    targets: list[tuple[str, Cell]] = []
    # Judged where only gradiox's own dependencies are installed: in the bench venv,
    # `import httpx` also loads click (for httpx's CLI), which would flatter the ratio.
    judged = "alone" if "alone" in imports else "bench"
    for venv, data in imports.items():
        if venv == "errors":
            continue
        samples = data["samples"]
        base = median(samples.get("httpx", []))
        rows = []
        for label, values in samples.items():
            value = median(values)
            if value is None:
                rows.append([f"`{label}`", "–", "–", "–"])
                continue
            ratio = value / base if base else None
            ok = None
            if label.startswith("gradiox") and ratio is not None:
                ok = ratio <= 1.2
                if venv == judged:
                    statement = IMPORTS_SHOWN.get(label, label)
                    targets.append((f"`{statement}`: ≤ 1.2× `import httpx`", Cell("", ok, ratio)))
            rows.append(
                [
                    f"`{label}`",
                    ms(value),
                    ms(p95(values)),
                    (f"{ratio:.2f}×" if ratio is not None else "–") + verdict(ok),
                ]
            )
        where = (
            "bench venv (gradio_client's dependencies installed, so `import httpx` also "
            "imports click for its CLI)"
            if venv == "bench"
            else "venv `.servers/bench-import/` (only gradiox and its dependencies)"
        )
        lines.append(f"In the {where}, {len(next(iter(samples.values())))} fresh processes each:")
        lines.append("")
        lines += table(["statement", "median", "p95", "ratio to `import httpx`"], rows)
        lines.append("")
    if "errors" in imports:
        for label, err in imports["errors"].items():
            lines.append(f"- `{label}` failed: `{err.strip().splitlines()[-1][:200]}`")
        lines.append("")
    return lines, targets


HOW_TO_READ = [
    (
        "- Ratios are to the raw floor of the same run (`(1.05×)` = 5% slower than the floor; "
        "for throughput, higher is better). Medians pool every sample of every round; each "
        "round ran every client once, in rotated order, each in a fresh process."
    ),
    (
        "- With gradio 5 and 6's defaults the server recomputes a pandas summary of up to "
        "10 000 past events after every event (`GRADIO_ANALYTICS_CACHE_FREQUENCY=1`), which "
        "hides client overhead; the analytics-off server shows the clients. A full run fills "
        "that history to its cap before measuring (10 000 raw `/sleep50` jobs), so the "
        "server's cost is the same whichever client runs first."
    ),
    (
        "- The raw asyncio floor makes the raw floor's calls on `httpx.AsyncClient`: the "
        "HTTP stack gradiox's engine runs on, with nothing on top. Rows marked "
        '"against the asyncio floor" and the client CPU rows have no target; they show '
        "how much of a gap to the sync floor belongs to that stack."
    ),
    (
        "- Threads are sampled every 10 ms from outside the client process; RSS peaks are the "
        "process's `ru_maxrss`; RSS growth is the peak during one round trip over the RSS "
        "just before it (after a 1 KB warm-up round trip)."
    ),
]


def render(results: dict[str, Any], notes: str | None = None) -> str:
    meta = results["meta"]
    machine = meta["machine"]
    out: list[str] = []
    title = "Benchmark results" + (
        " (quick mode: smoke numbers only)" if meta["mode"] == "quick" else ""
    )
    out += [f"# {title}", ""]
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    servers = ", ".join(
        f"{key} = {info['stem'].replace('-', ' ')}"
        + (" with GRADIO_ANALYTICS_CACHE_FREQUENCY=10^12" if info["env"] else "")
        + (" (**not available**)" if info.get("error") else "")
        for key, info in results["servers"].items()
    )
    produced = (
        f"Produced by `{meta['command']}` on {meta['date']} "
        f"(took {meta.get('duration_s', 0) / 60:.0f} min). Regenerate: `bash bench/run.sh`; "
        "see [README.md](README.md) for what is measured and how."
    )
    load = (
        f"- Load average before / after: {fmt_load(meta.get('load_before'))} / "
        f"{fmt_load(meta.get('load_after'))}; 1-minute load when each worker started: "
        f"{load_range(results)} (the machine is shared with other work: absolute times "
        "are noisy, the ratios of interleaved runs less so)"
    )
    out += [
        produced,
        "",
        f"- Machine: {machine['cores']} cores ({machine['cpu']}), {machine['memory_gb']} GB",
        f"- OS: {machine['platform']}",
        f"- Python {machine['python']}; client side: {versions}; gradiox at git {machine['git']}",
        f"- Servers: {servers}",
        load,
        "",
    ]
    all_targets: list[tuple[str, str, dict[str, Cell]]] = []
    body: list[str] = []
    if "imports" in results:
        lines, import_targets = imports_section(results["imports"])
        body += ["## Import time", "", *lines]
        for label, cell in import_targets:
            all_targets.append(("fresh process", label, {"gradiox": cell}))
    for config, store in results["configs"].items():
        clients = present_clients(store, meta)
        rows, targets = config_rows(store, clients)
        server = results["servers"][config]
        body += [f"## {config}: {describe(config, server)}", ""]
        header = ["scenario", "target"] + [CLIENT_NAMES.get(c, c) for c in clients]
        body += table(header, rows)
        body.append("")
        for label, cells in targets:
            all_targets.append((config, label, cells))
    out += ["## Targets at a glance (gradiox)", ""]
    out += summary(all_targets)
    out.append("")
    if notes:
        out += ["## Why the missed targets are missed", "", notes.strip(), ""]
    out += body
    out += ["## How to read this", "", *HOW_TO_READ, ""]
    return "\n".join(out)


def describe(config: str, server: dict[str, Any]) -> str:
    version = server["stem"].replace("gradio-", "gradio ")
    analytics = (
        "analytics off (GRADIO_ANALYTICS_CACHE_FREQUENCY=10^12)" if server["env"] else "defaults"
    )
    return f"{version}, {analytics}"


def load_range(results: dict[str, Any]) -> str:
    loads = sorted(
        load
        for per_scenario in results["configs"].values()
        for per_client in per_scenario.values()
        for items in per_client.values()
        for e in items
        if (load := Result.from_json(e).load) is not None
    )
    if not loads:
        return "–"
    return f"median {median(loads):.1f}, range {loads[0]:.1f}-{loads[-1]:.1f}"


def fmt_load(load: Any) -> str:
    return "–" if not load else "/".join(f"{x:.1f}" for x in load)


def summary(targets: list[tuple[str, str, dict[str, Cell]]]) -> list[str]:
    rows = []
    for config, label, cells in targets:
        row = [config, label]
        for client in GRADIOX:
            cell = cells.get(client)
            if cell is None or cell.ok is None:
                row.append("–" if cell is None or not cell.text else cell.text)
                continue
            ratio = f"{cell.ratio:.2f}× " if cell.ratio is not None else ""
            shown = ratio if ratio else cell.text.replace(OK, "").replace(MISS, "").strip() + " "
            row.append(f"{shown}{OK if cell.ok else MISS}")
        rows.append(row)
    met = sum(1 for _, _, cells in targets for c in GRADIOX if cells.get(c) and cells[c].ok)
    missed = sum(
        1 for _, _, cells in targets for c in GRADIOX if cells.get(c) and cells[c].ok is False
    )
    lines = table(["server", "target", "gradiox `Client`", "gradiox `AsyncClient`"], rows)
    return [f"{met} met, {missed} missed.", "", *lines]


def main() -> int:
    here = Path(__file__).parent
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else here / "out" / "latest.json"
    notes = here / "NOTES.md"
    results = json.loads(path.read_text())
    use_notes = notes.is_file() and results["meta"]["mode"] != "quick"
    sys.stdout.write(render(results, notes.read_text() if use_notes else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
