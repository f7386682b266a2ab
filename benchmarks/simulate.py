"""Wall time of `costcalc simulate` on a 1,000,000-query timeline against plain Python reading its timestamps.

Two timelines (written once to a temporary folder, seeded): one key with bursty traffic, and 10,000 keys.
Both sides run as fresh processes, end to end: `costcalc simulate --timeline FILE --format json` with the
default strategies and TTL grid, and `python -c` reading the same CSV's timestamps into a list of floats
with the `csv` module. They alternate (noise hits both alike) after a warm-up; medians and ratios printed.

    pip install '.[bench]'
    python benchmarks/simulate.py --runs 7
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

QUERIES = 1_000_000
START = 1_767_225_600  # 2026-01-01T00:00:00Z
BASELINE = ("import csv, sys\n"
            "with open(sys.argv[1], newline='') as f:\n"
            "    rows = csv.reader(f)\n"
            "    next(rows)\n"
            "    times = [float(row[0]) for row in rows]\n")
SIMULATE = ["simulate", "--model", "gemini-2.5-pro", "--context", "100k", "--prompt", "1000", "--output", "500",
            "--as-of", "2026-01-15", "--format", "json"]


def _stamps(micros: np.ndarray) -> list[str]:
    seconds, fraction = np.divmod(np.sort(micros) + START * 1_000_000, 1_000_000)
    return [f"{s}.{f:06d}" for s, f in zip(seconds.tolist(), fraction.tolist(), strict=True)]


def bursty_one_key(path: Path) -> None:
    """Bursts of 2,000 queries (about 2 s apart) separated by idle gaps of 10 minutes to 6 hours."""
    rng = np.random.default_rng(8)
    bursts = QUERIES // 2_000
    gaps = rng.uniform(600, 6 * 3600, bursts) * 1e6
    starts = np.cumsum(gaps + 2_000 * 2e6).astype(np.int64)
    inside = rng.exponential(2e6, QUERIES).astype(np.int64).reshape(bursts, 2_000).cumsum(axis=1)
    path.write_text("timestamp\n" + "\n".join(_stamps((starts[:, None] + inside).ravel())) + "\n")


def many_keys(path: Path) -> None:
    """10,000 keys (documents), 100 queries each at Poisson times over 30 days."""
    rng = np.random.default_rng(9)
    micros = rng.integers(0, 30 * 86400 * 1_000_000, QUERIES)
    keys = rng.integers(0, 10_000, QUERIES)
    order = np.argsort(micros)
    stamps = _stamps(micros)
    lines = [f"{stamps[i]},doc-{keys[at]}" for i, at in enumerate(order.tolist())]
    path.write_text("timestamp,key\n" + "\n".join(lines) + "\n")


def _time(argv: list[str]) -> tuple[float, float]:
    """Wall time, and CPU time (user + system) of the child, which other load on the machine inflates less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"simulate benchmark: {' '.join(argv)} failed: {done.stderr.decode().strip()}")
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed runs of each side (at least 3)")
    args = parser.parse_args()
    runs = max(args.runs, 3)
    found = shutil.which("costcalc", path=str(Path(sys.executable).parent)) or shutil.which("costcalc")
    if found is None:
        sys.exit("simulate benchmark: `costcalc` is not installed; run `pip install '.[bench]'` first")
    with tempfile.TemporaryDirectory() as folder:
        for name, make in (("1,000,000 queries, one key, bursty", bursty_one_key),
                           ("1,000,000 queries over 10,000 keys", many_keys)):
            path = Path(folder) / "timeline.csv"
            make(path)
            ours = [found, *SIMULATE, "--timeline", str(path)]
            plain = [sys.executable, "-c", BASELINE, str(path)]
            _time(ours), _time(plain)  # warm-up: OS file cache, costcalc's price-table cache
            ours_times, plain_times = [], []
            for _ in range(runs):
                ours_times.append(_time(ours))
                plain_times.append(_time(plain))
            for what, index in (("wall", 0), ("cpu", 1)):
                mine = statistics.median(sample[index] for sample in ours_times)
                base = statistics.median(sample[index] for sample in plain_times)
                print(f"{name}: {what} time: costcalc simulate {mine:.2f} s, csv -> list of floats {base:.2f} s, "
                      f"ratio {mine / base:.2f}")
    print(f"medians of {runs} runs, each a fresh process; load average at the end: "
          f"{', '.join(f'{load:.1f}' for load in os.getloadavg())} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()
