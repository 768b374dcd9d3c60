"""The year-end run at national scale: ``.venv/bin/python bench/year_end_bench.py [N]``.

Builds the scale demo with N payments (default 1 000 000; ``BENCH_YEAR_END_DIR=path`` keeps it and
reuses one already built), copies it, then times on the copy, in this process: the preview of the
last settled-but-open year (all units), its apply (one transaction), and ``verify``'s year-end
invariant (one aggregate per closed year). Targets (issue 14): preview ≤ 5 s, apply ≤ 60 s.

``run_year_end_bench()`` returns the figures as a dict (for bench/run.py).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

DEFAULT_PAYMENTS = 1_000_000
PREVIEW_MAX_SECONDS = 5
APPLY_MAX_SECONDS = 60


def _timed(call):
    start = time.perf_counter()
    result = call()
    return result, round(time.perf_counter() - start, 2)


def run_year_end_bench(payments: int | None = None, workdir: Path | None = None) -> dict:
    from bench.verify_bench import build
    from ledger.domain import clock
    from ledger.services import year_end
    from ledger.store.access import SYSTEM
    from ledger.store.db import Database
    from ledger.store.verify import year_end_invariant

    payments = payments or int(os.environ.get("BENCH_YEAR_END_PAYMENTS", DEFAULT_PAYMENTS))
    keep = workdir or (Path(os.environ["BENCH_YEAR_END_DIR"]) if os.environ.get("BENCH_YEAR_END_DIR") else None)
    with tempfile.TemporaryDirectory() as scratch:
        home = keep or Path(scratch)
        home.mkdir(parents=True, exist_ok=True)
        source = home / f"scale-{payments}.db"
        figures = {"payments": payments, **build(source, payments)}
        copy = Path(scratch) / "year-end.db"
        shutil.copyfile(source, copy)
        db = Database(f"sqlite:///{copy}")
        try:
            year = clock.today().year - 1  # the demo's last settled year is still open: the one to close
            shown, figures["preview_seconds"] = _timed(lambda: year_end.preview(db, SYSTEM, year))
            run, figures["apply_seconds"] = _timed(lambda: year_end.apply_year_end(db, SYSTEM, year, None, "BENCH/QĐ"))
            with db.read() as session:
                unbalanced, figures["invariant_seconds"] = _timed(lambda: year_end_invariant(session))
        finally:
            db.dispose()
    figures.update(
        year=year, lines=len(shown.lines), carried=shown.carried, cancelled=shown.cancelled, applied=run is not None, invariant_ok=unbalanced is None,
        targets_met=figures["preview_seconds"] <= PREVIEW_MAX_SECONDS and figures["apply_seconds"] <= APPLY_MAX_SECONDS and unbalanced is None,
    )
    return figures


def measure_year_end(db_path: Path, n: int) -> list[str]:
    """For bench/run.py: preview and apply of the last settled year on a copy of the cached scale
    ledger, then verify's year-end invariant."""
    from ledger.domain import clock
    from ledger.services import year_end
    from ledger.store.access import SYSTEM
    from ledger.store.db import Database
    from ledger.store.verify import year_end_invariant

    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "year-end.db"
        shutil.copyfile(db_path, copy)
        db = Database(f"sqlite:///{copy}")
        try:
            year = clock.today().year - 1
            shown, preview = _timed(lambda: year_end.preview(db, SYSTEM, year))
            _run, applied = _timed(lambda: year_end.apply_year_end(db, SYSTEM, year, None, "BENCH/QĐ"))
            with db.read() as session:
                unbalanced, invariant = _timed(lambda: year_end_invariant(session))
        finally:
            db.dispose()
    verdict = "met" if preview <= PREVIEW_MAX_SECONDS and applied <= APPLY_MAX_SECONDS and unbalanced is None else "MISSED"
    return [
        f"N={n} year end {year}: preview {preview:.2f} s (target <= {PREVIEW_MAX_SECONDS}), apply {applied:.2f} s "
        f"(target <= {APPLY_MAX_SECONDS}) over {len(shown.lines)} lines; invariant {'holds' if unbalanced is None else 'BROKEN'} "
        f"({invariant:.2f} s) {verdict}",
    ]


if __name__ == "__main__":
    result = run_year_end_bench(int(sys.argv[1]) if len(sys.argv) > 1 else None)
    for key, value in result.items():
        print(f"{key}: {value}")
    sys.exit(0 if result["targets_met"] else 1)
