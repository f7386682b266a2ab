"""One big plain log billed on several CPU cores: byte ranges cut at line starts, merged back in file order.

Aggregates are sums, bad records carry their line numbers and cache versions their order, so merging the parts
in file order gives exactly the bill of reading the file in one pass. The CLI uses one process per core (set
COSTCALC_BILL_WORKERS=1 to read in one process, or N for N); the library reads in one process unless asked.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
from pathlib import Path
from typing import TYPE_CHECKING

from costcalc.errors import CostcalcError

if TYPE_CHECKING:
    from costcalc.usage.engine import BillPart, UsageBiller

PART_MIN_BYTES = 16 << 20
"""Below this per process, starting another costs more than it saves."""
MAX_WORKERS = 8

_parent: UsageBiller | None = None
"""The biller whose tables the forked workers use (inherited by fork, never pickled)."""


def workers_for(path: Path, requested: int | None = None) -> int:
    """How many processes to bill `path` with: `requested`, or when None COSTCALC_BILL_WORKERS, else one per
    core; but 1 for gzip, small files, or where processes cannot be forked."""
    configured = os.environ.get("COSTCALC_BILL_WORKERS", "").strip()
    if requested is not None:
        wanted = requested
    elif configured:
        if not configured.isdigit() or int(configured) < 1:
            raise CostcalcError(f"COSTCALC_BILL_WORKERS must be a whole number of processes (1 or more), "
                                f"got {configured!r}")
        wanted = int(configured)
    else:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        wanted = min(cores, MAX_WORKERS)
    if path.name.endswith(".gz") or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        size = path.stat().st_size
    except OSError:
        return 1  # the sequential reader says what is wrong
    return max(1, min(wanted, size // PART_MIN_BYTES))


def split_points(path: Path, parts: int) -> list[int]:
    """Byte offsets 0 = p0 < p1 < ... = size, each p_i (0 < i) just after a newline."""
    size = path.stat().st_size
    points = [0]
    with path.open("rb") as handle:
        for part in range(1, parts):
            handle.seek(max(size * part // parts, points[-1]))
            handle.readline()
            if points[-1] < handle.tell() < size:
                points.append(handle.tell())
    return [*points, size]


def _bill_part(path: str, start: int, stop: int) -> tuple[BillPart, int]:
    from costcalc.usage.engine import UsageBiller
    from costcalc.usage.reader import display_name

    assert _parent is not None
    biller = UsageBiller(_parent.tables, _parent.platform)
    lines = biller.read_range(path, biller._source(display_name(path)), start, stop)
    return biller.part(), lines


def read_in_parallel(biller: UsageBiller, path: Path, source: int, workers: int) -> None:
    """Bill `path` in `workers` processes and merge the parts into `biller` in file order."""
    global _parent
    points = split_points(path, workers)
    ranges = [(str(path), start, stop) for start, stop in itertools.pairwise(points)]
    _parent = biller
    try:
        # fork: the workers inherit the loaded tables instead of loading or unpickling them again.
        with multiprocessing.get_context("fork").Pool(len(ranges)) as pool:
            parts = pool.starmap(_bill_part, ranges)
    finally:
        _parent = None
    offset = 0
    for part, lines in parts:
        biller.merge(part, source, offset)
        offset += lines
