"""Loopback load on `costcalc serve`: 50 concurrent clients POST /api/estimate; p50/p95/p99 and requests/s.

Starts `costcalc serve` (one uvicorn process, as a user runs it) on a free loopback port, then runs RUNS rounds
of CLIENTS threads, each with its own keep-alive connection, for SECONDS (or until REQUESTS in all) per round,
and prints each round and the median of the rounds. Client and server share the machine: on a small machine the
client threads take CPU from the server, so these are figures for this setup, not the server alone.

    pip install '.[web]'
    python benchmarks/serve_load.py --clients 50 --seconds 10 --runs 3
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

BODY = json.dumps({"model": "gemini-2.5-pro", "context": "300k", "prompt": "2000", "output": "1000",
                   "queries": "10", "as_of": "2026-01-15"}).encode()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start(port: int) -> subprocess.Popen[bytes]:
    found = shutil.which("costcalc", path=str(Path(sys.executable).parent)) or shutil.which("costcalc")
    if found is None:
        sys.exit("serve_load: `costcalc` is not installed; run `pip install '.[web]'` first")
    server = subprocess.Popen([found, "serve", "--port", str(port)], stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return server
        except OSError:
            if server.poll() is not None:
                said = server.stderr.read().decode() if server.stderr else ""
                sys.exit(f"serve_load: costcalc serve stopped: {said}")
            time.sleep(0.1)
    server.kill()
    sys.exit("serve_load: costcalc serve did not start in 30 s")


def _client(port: int, stop_at: float, budget: list[int], lock: threading.Lock, latencies: list[float],
            failures: list[str]) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    mine: list[float] = []
    while time.monotonic() < stop_at:
        with lock:
            if budget[0] <= 0:
                break
            budget[0] -= 1
        start = time.perf_counter()
        try:
            connection.request("POST", "/api/estimate", BODY, {"content-type": "application/json"})
            response = connection.getresponse()
            data = response.read()
        except OSError as error:
            failures.append(str(error))
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            continue
        mine.append(time.perf_counter() - start)
        if response.status != 200 or b'"break_even_queries"' not in data:
            failures.append(f"{response.status}: {data[:200]!r}")
    connection.close()
    with lock:
        latencies.extend(mine)


def one_round(port: int, clients: int, seconds: float, requests: int) -> dict[str, float]:
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    budget = [requests]
    began = time.perf_counter()
    stop_at = time.monotonic() + seconds
    threads = [threading.Thread(target=_client, args=(port, stop_at, budget, lock, latencies, failures))
               for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    if failures:
        sys.exit(f"serve_load: {len(failures)} failed requests, e.g. {failures[0]}")
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {"requests": len(latencies), "seconds": elapsed, "per_second": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0, help="per round")
    parser.add_argument("--requests", type=int, default=20_000, help="at most, per round")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    port = _free_port()
    server = _start(port)
    try:
        one_round(port, 4, 1.0, 200)  # warm-up: imports, the first estimate
        rounds = []
        for number in range(1, options.runs + 1):
            result = one_round(port, options.clients, options.seconds, options.requests)
            rounds.append(result)
            print(f"round {number}: {result['requests']:,} requests in {result['seconds']:.1f} s, "
                  f"{result['per_second']:.0f}/s, p50 {result['p50_ms']:.1f} ms, p95 {result['p95_ms']:.1f} ms, "
                  f"p99 {result['p99_ms']:.1f} ms")
        median = {key: statistics.median(r[key] for r in rounds) for key in ("per_second", "p50_ms", "p95_ms",
                                                                             "p99_ms")}
        print(f"median of {len(rounds)} rounds, {options.clients} clients: {median['per_second']:.0f} requests/s, "
              f"p50 {median['p50_ms']:.1f} ms, p95 {median['p95_ms']:.1f} ms, p99 {median['p99_ms']:.1f} ms")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    main()
