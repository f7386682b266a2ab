"""A child process that runs fuzz cases for tests/test_fuzz.py, one JSON request per line on stdin.

Each case runs under an alarm, so a hang is reported as such; a hang the alarm cannot interrupt (inside C
code) is caught by the parent's own timeout, which kills and restarts this process. Every answer is one JSON
line: what the loader said, and what the CLI printed and returned, or the traceback of anything unexpected.
"""

from __future__ import annotations

import base64
import contextlib
import io
import json
import os
import signal
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

CASE_SECONDS = 5.0


class Hang(Exception):
    """The case ran past CASE_SECONDS."""


def _expire(*_: object) -> None:
    raise Hang(f"no answer after {CASE_SECONDS} s")


def _cli(argv: list[str]) -> dict[str, Any]:
    from costcalc.cli.app import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return {"code": code, "out": out.getvalue(), "err": err.getvalue()}


def _table(data: bytes, folder: Path) -> dict[str, Any]:
    from costcalc.errors import PricingFileError
    from costcalc.prices.tables import load_price_file

    path = folder / "fuzzed.yaml"
    path.write_bytes(data)
    try:
        load_price_file(path)
        loaded = "ok"
    except PricingFileError as error:
        loaded = str(error)
    return {"path": str(path), "load": loaded, "validate": _cli(["pricing", "validate", str(path)])}


def _run(request: dict[str, Any], folder: Path) -> dict[str, Any]:
    signal.setitimer(signal.ITIMER_REAL, CASE_SECONDS)
    try:
        if request["kind"] == "table":
            return _table(base64.b64decode(request["data"]), folder)
        return {"cli": _cli(request["argv"])}
    except Hang as hang:
        return {"hang": str(hang)}
    except BaseException:  # the point is to report anything at all
        return {"crash": traceback.format_exc()}
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def main() -> None:
    from tests.click_once import build_commands_once

    build_commands_once()  # hundreds of cases: build typer's command tree once, not per case
    signal.signal(signal.SIGALRM, _expire)
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        os.environ["COSTCALC_CACHE_DIR"] = str(folder / "cache")
        os.mkfifo(folder / "fifo.yaml")
        (folder / "folder.yaml").mkdir()
        sys.stdout.write(json.dumps({"ready": str(folder)}) + "\n")
        sys.stdout.flush()
        for line in sys.stdin:
            answer = _run(json.loads(line), folder)
            sys.stdout.write(json.dumps(answer) + "\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
