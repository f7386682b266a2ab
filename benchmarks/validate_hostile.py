"""Wall time and peak memory of `costcalc pricing validate` on hostile or huge files; target: each under a second.

    a: &a [*a]                 a recursive alias (before hardening: hung, eating memory)
    a FIFO                     nobody writes to it (before hardening: blocked forever)
    a 4.8 MB anchor-free table the bundled models copied (round 1: 13.6 s; before round 3: 2-3 s)
    the same, one model broken at its end (before round 3: refused only after 2.3 s)
    a 5 MB list of zeros       2.6 million values: refused at the value cap, for what it is
    49,000 distinct timestamps 1.4 MB, each built by PyYAML (before round 3: 1.6 s to parse, then refused)
    290,000 distinct integers  3.2 MB (before round 3: several seconds)

Each is run several times in a fresh process (cache off) and the median wall time is printed with the peak
resident memory (max RSS) of the first run and the answer's first line. `--baseline-src DIR` runs the same
commands against another source tree (for example a checkout of an older commit) side by side; runs that
exceed `--timeout` are shown as such.

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


def _run(source: Path, target: Path, timeout: float) -> tuple[float, str, int]:
    """(seconds, first line of the answer, the child's peak RSS in KB); a run past `timeout` is killed and
    reported as a hang."""
    env = {**os.environ, "PYTHONPATH": str(source), "COSTCALC_NO_CACHE": "1"}
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        # cwd=source: `python -m` puts the current folder first on sys.path.
        child = subprocess.Popen([sys.executable, "-m", "costcalc", "pricing", "validate", str(target)],
                                 cwd=source, env=env, stdout=out, stderr=err)
        while True:  # os.wait4 rather than Popen.wait: it gives this child's own resource usage
            pid, _, usage = os.wait4(child.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                child.kill()
                os.wait4(child.pid, 0)
                child.returncode = -9
                return timeout, f"no answer after {timeout:.0f} s (killed)", 0
            time.sleep(0.005)
        elapsed = time.perf_counter() - start
        child.returncode = 0  # reaped above; keeps Popen from waiting again
        out.seek(0)
        err.seek(0)
        lines = out.read().decode().strip().splitlines() or err.read().decode().strip().splitlines() or [""]
    return elapsed, lines[0].replace(str(target.parent) + "/", ""), usage.ru_maxrss


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
        (folder / "broken.yaml").write_text((folder / "big.yaml").read_text(encoding="utf-8") + "  - id: broken\n",
                                            encoding="utf-8")
        (folder / "dense.yaml").write_text("x: [" + "0," * 2_600_000 + "0]\n", encoding="utf-8")
        (folder / "timestamps.yaml").write_text("x:\n" + "".join(
            f"- 2024-05-{1 + i % 28:02d}T10:{i % 60:02d}:{i // 60 % 60:02d}.{i}Z\n" for i in range(49_000)),
            encoding="utf-8")
        (folder / "integers.yaml").write_text("x:\n" + "".join(f"- {10**9 + i}\n" for i in range(290_000)),
                                              encoding="utf-8")
        size = (folder / "big.yaml").stat().st_size
        trees = [("this tree", REPO)] + ([("baseline", args.baseline_src)] if args.baseline_src else [])
        for name in ("recursive.yaml", "fifo.yaml", "big.yaml", "broken.yaml", "dense.yaml", "timestamps.yaml",
                     "integers.yaml"):
            label = f"{name} ({size:,} bytes)" if name == "big.yaml" else name
            print(label)
            for tree, source in trees:
                runs = [_run(source, folder / name, args.timeout) for _ in range(1 if tree == "baseline" else
                                                                                 max(args.runs, 1))]
                median = statistics.median(run[0] for run in runs)
                print(f"  {tree:9}  median {median:6.2f} s  max RSS {runs[0][2] / 1024:5.0f} MB  {runs[0][1][:100]}")


if __name__ == "__main__":
    main()
