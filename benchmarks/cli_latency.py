"""Wall time of one `costcalc estimate` against one `genai-prices calc`, the peer it is compared with.

Runs the two commands alternately (so machine noise hits both alike), after one warm-up run each that
also fills costcalc's validation cache, and prints the medians and their ratio.

    pip install '.[bench]'   # an installed copy, in a fresh virtual environment
    python benchmarks/cli_latency.py --runs 21
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

COSTCALC = ["estimate", "--model", "gemini-2.5-pro", "--context", "300k", "--prompt", "2000", "--output", "1000",
            "--queries", "10", "--as-of", "2026-01-15"]
GENAI = ["calc", "--input-tokens", "302000", "--cache-read-tokens", "300000", "--output-tokens", "1000",
         "--timestamp", "2026-01-15T00:00:00Z", "google:gemini-2.5-pro"]


def _command(name: str) -> list[str]:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        sys.exit(f"cli_latency: `{name}` is not installed; run `pip install '.[bench]'` first")
    return [found]


def _time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"cli_latency: {' '.join(argv)} failed: {done.stderr.decode().strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command (at least 5)")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    ours, peer = _command("costcalc") + COSTCALC, _command("genai-prices") + GENAI
    _time_once(ours), _time_once(peer)  # warm the OS file cache and costcalc's validation cache
    ours_times, peer_times = [], []
    for _ in range(runs):
        ours_times.append(_time_once(ours))
        peer_times.append(_time_once(peer))
    ours_median, peer_median = statistics.median(ours_times), statistics.median(peer_times)
    print(f"costcalc estimate    median {ours_median * 1000:7.1f} ms  (min {min(ours_times) * 1000:.1f}, {runs} runs)")
    print(f"genai-prices calc    median {peer_median * 1000:7.1f} ms  (min {min(peer_times) * 1000:.1f}, {runs} runs)")
    print(f"ratio costcalc / genai-prices = {ours_median / peer_median:.2f} (target <= 0.50)")


if __name__ == "__main__":
    main()
