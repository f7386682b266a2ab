"""Wall time and peak memory of `costcalc bill` on hostile logs (hardening round 3).

    junk.jsonl        N lines of `{}` (default 1,000,000): every one a bad record
    blank.jsonl.gz    M MB of newlines, gzipped (default 100 MB, about 450 KB on disk)
    junk --strict     the same junk with --strict: must stop at line 1

Each runs once in a fresh process, one worker (COSTCALC_BILL_WORKERS=1); peak RSS comes from os.wait4.
`--baseline-src DIR` runs the same commands against another source tree side by side.

    python benchmarks/bill_hostile.py
    python benchmarks/bill_hostile.py --baseline-src /tmp/old --lines 1000000 --blank-mb 100
"""

from __future__ import annotations

import argparse
import gzip
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def _run(source: Path, args: list[str], timeout: float) -> tuple[float, int, str]:
    """(seconds, peak RSS in KB, last line of stderr); a run past `timeout` is killed."""
    env = {**os.environ, "PYTHONPATH": str(source), "COSTCALC_NO_CACHE": "1", "COSTCALC_BILL_WORKERS": "1"}
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        child = subprocess.Popen([sys.executable, "-m", "costcalc", "bill", *args], cwd=source, env=env,
                                 stdout=subprocess.DEVNULL, stderr=err)
        while True:
            pid, _, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                child.kill()
                os.wait4(child.pid, 0)
                child.returncode = -9
                return timeout, 0, f"killed after {timeout:.0f} s"
            time.sleep(0.01)
        child.returncode = 0
        elapsed = time.perf_counter() - start
        err.seek(0)
        lines = err.read().decode(errors="replace").strip().splitlines() or [""]
    return elapsed, usage.ru_maxrss, lines[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--blank-mb", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--baseline-src", type=Path)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        junk, blank = Path(scratch) / "junk.jsonl", Path(scratch) / "blank.jsonl.gz"
        junk.write_bytes(b"{}\n" * options.lines)
        with gzip.open(blank, "wb", compresslevel=1) as handle:
            for _ in range(options.blank_mb):
                handle.write(b"\n" * (1 << 20))
        cases = [(f"{options.lines:,} lines of {{}} (--format json)", [str(junk), "--format", "json"]),
                 (f"{options.blank_mb} MB of newlines, gzipped", [str(blank)]),
                 ("the junk with --strict", [str(junk), "--strict"])]
        trees = [("this tree", REPO)] + ([("baseline", options.baseline_src)] if options.baseline_src else [])
        for label, args in cases:
            print(label)
            for tree, source in trees:
                seconds, peak, said = _run(source, args, options.timeout)
                print(f"  {tree:9}  {seconds:7.2f} s  max RSS {peak / 1024:6.0f} MB  {said[:100]}")


if __name__ == "__main__":
    main()
