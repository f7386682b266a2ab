"""Wall time of `costcalc pricing validate` on three hostile or huge files; target: each under a second.

    a: &a [*a]                 a recursive alias (main hung, eating memory)
    a FIFO                     nobody writes to it (main blocked forever)
    a 4.8 MB anchor-free table the bundled models copied (main: 13.6 s, then refused for the wrong reason)
    a 5 MB list of zeros       2.6 million values: refused at 300,000, for what it is

Each is run several times in a fresh process (cache off) and the median is printed with the answer's first
line. `--baseline-src DIR` runs the same commands against another source tree (for example a checkout of an
older commit) side by side; runs that exceed `--timeout` are shown as such.

    python benchmarks/validate_hostile.py --runs 5
    git worktree add /tmp/old <commit> && python benchmarks/validate_hostile.py --baseline-src /tmp/old
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.big_table import write_big_table  # noqa: E402 - the repository root is only on the path now


def _run(source: Path, target: Path, timeout: float) -> tuple[float, str]:
    """(seconds, first line of the answer); a run past `timeout` is killed and reported as a hang."""
    env = {**os.environ, "PYTHONPATH": str(source), "COSTCALC_NO_CACHE": "1"}
    start = time.perf_counter()
    # cwd=source: `python -m` puts the current folder first on sys.path.
    child = subprocess.Popen([sys.executable, "-m", "costcalc", "pricing", "validate", str(target)], cwd=source,
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        return timeout, f"no answer after {timeout:.0f} s (killed)"
    elapsed = time.perf_counter() - start
    first = (out.strip().splitlines() or err.strip().splitlines() or [""])[0]
    return elapsed, first.replace(str(target.parent) + "/", "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per file (the median is shown)")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds before a run counts as a hang")
    parser.add_argument("--baseline-src", type=Path, help="another source tree to time side by side")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        (folder / "recursive.yaml").write_text("a: &a [*a]\n", encoding="utf-8")
        os.mkfifo(folder / "fifo.yaml")
        write_big_table(folder / "big.yaml", 4_800_000)
        (folder / "dense.yaml").write_text("x: [" + "0," * 2_600_000 + "0]\n", encoding="utf-8")
        size = (folder / "big.yaml").stat().st_size
        trees = [("this tree", REPO)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
        for name in ("recursive.yaml", "fifo.yaml", "big.yaml", "dense.yaml"):
            label = f"{name} ({size:,} bytes)" if name == "big.yaml" else name
            print(label)
            for tree, source in trees:
                runs = [_run(source, folder / name, args.timeout) for _ in range(1 if tree == "baseline" else
                                                                                 max(args.runs, 1))]
                median = statistics.median(run[0] for run in runs)
                print(f"  {tree:9}  median {median:6.2f} s  {runs[0][1][:120]}")


if __name__ == "__main__":
    main()
