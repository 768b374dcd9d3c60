"""``verify``'s time and peak memory at 10 000 and 200 000 payments: ``.venv/bin/python bench/verify_bench.py``.

For each size the scale demo is built (``python -m ledger --db sqlite:///… demo --scale N``) into a
temporary directory, then ``python -m ledger --db … verify`` runs in a child process of its own, so
that its peak RSS (``os.wait4``) is its own: the interpreter, the imports and the check, nothing else.
Targets (issue 9): peak memory ≤ 300 MB and ≤ 1.3× from 10 000 to 200 000 payments; time linear in
the ledger's size, read here as the CPU time per audit event, beyond the start-up (``verify`` on an
empty ledger: the interpreter and the imports), staying level (≤ 1.3× from the smaller to the larger).
CPU time rather than wall time: the machine is shared, and waiting for a core is not verify's cost.

``run_verify_bench()`` returns the figures as a dict (for bench/run.py). Environment:
``BENCH_VERIFY_SIZES="10000,200000"`` picks the sizes; ``BENCH_VERIFY_DIR=path`` keeps the databases
there and reuses those already built (the 200 000 build takes a minute or more);
``BENCH_VERIFY_REPEAT=2`` runs verify that many times per size (least CPU time, highest peak).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SIZES = (10_000, 200_000)
PEAK_MB_MAX = 300
PEAK_RATIO_MAX = 1.3
PER_EVENT_RATIO_MAX = 1.3  # "linear": the larger ledger costs no more per event, within noise
SUMMARY = re.compile(r"OK: (\d+) events, (\d+) audited rows match")

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _ledger(url: str, *args: str) -> tuple[int, str, float, float, int]:
    from bench.run import run_child

    return run_child([sys.executable, "-m", "ledger", "--db", url, *args])


def build(path: Path, payments: int) -> dict:
    """The scale demo with ``payments`` payments at ``path`` (kept if already there)."""
    if path.exists():
        return {"build_seconds": None, "build_rss_mb": None}
    partial = path.with_name(path.name + ".part")
    partial.unlink(missing_ok=True)
    code, output, seconds, _cpu, rss = _ledger(f"sqlite:///{partial}", "demo", "--scale", str(payments))
    if code != 0:
        raise SystemExit(f"building the {payments}-payment demo failed (exit {code}): {output.strip()}")
    partial.replace(path)
    return {"build_seconds": round(seconds, 1), "build_rss_mb": rss}


def measure(path: Path, repeat: int = 1) -> dict:
    """``python -m ledger verify`` on the database at ``path``: the run with the least CPU time (the
    machine is shared: wall time is noisier), the highest peak RSS of all runs."""
    runs = []
    for _ in range(max(1, repeat)):
        code, output, seconds, cpu, rss = _ledger(f"sqlite:///{path}", "verify")
        found = SUMMARY.search(output)
        if code != 0 or not found:
            raise SystemExit(f"verify failed on {path} (exit {code}): {output.strip()}")
        runs.append((cpu, seconds, rss, int(found.group(1)), int(found.group(2))))
    cpu, seconds, _rss, events, rows = min(runs)
    return {
        "events": events,
        "rows": rows,
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": max(run[2] for run in runs),
    }


def run_verify_bench(sizes: tuple[int, ...] | None = None, workdir: Path | None = None, repeat: int | None = None) -> dict:
    """Build each size's demo, time ``verify`` on it; returns ``{"sizes": {n: figures}, "startup": …,
    ratios, "targets_met": …}``. The time per event is the CPU time beyond that of ``verify`` on an
    empty ledger (the interpreter and the imports), so that a linear cost shows as a level figure."""
    sizes = sizes or tuple(int(s) for s in os.environ.get("BENCH_VERIFY_SIZES", "").replace("_", "").split(",") if s.strip()) or DEFAULT_SIZES
    repeat = repeat or int(os.environ.get("BENCH_VERIFY_REPEAT", "1"))
    kept = workdir or (Path(os.environ["BENCH_VERIFY_DIR"]) if os.environ.get("BENCH_VERIFY_DIR") else None)
    with tempfile.TemporaryDirectory(prefix="verify-bench-") as scratch:
        directory = kept or Path(scratch)
        directory.mkdir(parents=True, exist_ok=True)
        empty = directory / "empty.db"
        if not empty.exists() and _ledger(f"sqlite:///{empty}", "init")[0] != 0:
            raise SystemExit(f"creating an empty ledger at {empty} failed")
        startup = measure(empty, repeat)
        figures = {}
        for n in sizes:
            path = directory / f"scale-{n}.db"
            figures[n] = {"payments": n, **build(path, n), **measure(path, repeat)}
    for f in figures.values():
        f["us_per_event"] = round((f["cpu_seconds"] - startup["cpu_seconds"]) / f["events"] * 1e6, 1)
    small, large = figures[min(sizes)], figures[max(sizes)]
    result = {
        "sizes": figures,
        "startup": startup,
        "peak_rss_max_mb": max(f["peak_rss_mb"] for f in figures.values()),
        "peak_rss_ratio": round(large["peak_rss_mb"] / small["peak_rss_mb"], 2),
        "per_event_ratio": round(large["us_per_event"] / small["us_per_event"], 2),
        "events_ratio": round(large["events"] / small["events"], 1),
        "cpu_ratio": round(large["cpu_seconds"] / small["cpu_seconds"], 1),
    }
    result["targets_met"] = {
        "peak_rss": result["peak_rss_max_mb"] <= PEAK_MB_MAX,
        "peak_rss_ratio": result["peak_rss_ratio"] <= PEAK_RATIO_MAX,
        "linear_time": result["per_event_ratio"] <= PER_EVENT_RATIO_MAX,
    }
    return result


def report_lines(result: dict) -> list[str]:
    startup = result["startup"]
    lines = [f"verify on an empty ledger (start-up): {startup['seconds']:.2f} s (CPU {startup['cpu_seconds']:.2f} s), peak RSS {startup['peak_rss_mb']} MB"]
    for n, f in result["sizes"].items():
        built = f" (built in {f['build_seconds']} s, peak RSS {f['build_rss_mb']} MB)" if f["build_seconds"] is not None else ""
        lines.append(
            f"N={n} verify ({f['events']} events, {f['rows']} rows): {f['seconds']:.2f} s (CPU {f['cpu_seconds']:.2f} s, "
            f"{f['us_per_event']} µs/event beyond start-up), peak RSS {f['peak_rss_mb']} MB{built}"
        )
    met = result["targets_met"]
    sizes = list(result["sizes"])
    lines.append(
        f"verify peak RSS {sizes[-1]}/{sizes[0]}: {result['peak_rss_ratio']:.2f}x (target <= {PEAK_RATIO_MAX}; "
        f"highest {result['peak_rss_max_mb']} MB, target <= {PEAK_MB_MAX}) {'met' if met['peak_rss'] and met['peak_rss_ratio'] else 'MISSED'}"
    )
    lines.append(
        f"verify CPU time {sizes[-1]}/{sizes[0]}: {result['cpu_ratio']}x for {result['events_ratio']}x the events; "
        f"per event {result['per_event_ratio']:.2f}x (target <= {PER_EVENT_RATIO_MAX}) {'met' if met['linear_time'] else 'MISSED'}"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    for line in report_lines(run_verify_bench()):
        print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
