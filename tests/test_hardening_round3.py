"""Hardening round 3 (issue 17): the Python-side items. Each test failed on main before its fix; see
docs/hardening.md, "Round 3"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from costcalc.cli.app import app
from tests.conftest import REPO

runner = CliRunner()
BUNDLED = REPO / "pricing" / "gemini-api.yaml"


def _cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _costcalc(*args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
    """The real command in a child process (for what CliRunner cannot show: pipes, /dev/full)."""
    env = {**os.environ, "COSTCALC_NO_CACHE": "1"}
    streams = {} if "stdout" in options else {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run([sys.executable, "-m", "costcalc", *args], cwd=REPO, env=env, timeout=60, check=False,
                          **streams, **options)  # type: ignore[call-overload]


# ----------------------------------------------------------------- item 3: export onto its own input
def test_pricing_export_refuses_to_overwrite_its_pricing_input(tmp_path: Path) -> None:
    table = tmp_path / "mine.yaml"
    table.write_bytes(BUNDLED.read_bytes())
    code, _, err = _cli("pricing", "export", "--pricing", str(table), "--output", str(table))
    assert code != 0
    assert f"--output {table} is one of the files being read; give a new file name" in err
    assert table.read_bytes() == BUNDLED.read_bytes()  # untouched


def test_pricing_export_refuses_a_link_to_a_loaded_table(tmp_path: Path) -> None:
    table = tmp_path / "mine.yaml"
    table.write_bytes(BUNDLED.read_bytes())
    (tmp_path / "other.csv").symlink_to(table)
    code, _, err = _cli("pricing", "export", "--pricing", str(tmp_path / "mine.yaml"), "-o",
                        str(tmp_path / "other.csv"))
    assert code != 0 and "is one of the files being read" in err
    assert table.read_bytes() == BUNDLED.read_bytes()


def test_pricing_export_to_a_new_file_still_works(tmp_path: Path) -> None:
    code, _, err = _cli("pricing", "export", "-o", str(tmp_path / "prices.csv"))
    assert code == 0, err
    assert (tmp_path / "prices.csv").read_text().startswith("platform,model,")


# ----------------------------------------------------------------- item 10: a full disk, a closed pipe
def _into_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The reader of standard output is gone before costcalc writes (as after `| head -c 10`, without the race)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return _costcalc(*args, stdout=writer, stderr=subprocess.PIPE)
    finally:
        os.close(writer)


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    for args in (("bill", "tests/fixtures/usage/small.jsonl", "--format", "json"),  # plain writes
                 ("bill", "tests/fixtures/usage/small.jsonl"),  # rich, which would exit 1 itself
                 ("estimate", "-m", "gemini-2.5-flash", "-c", "100k")):
        answer = _into_closed_pipe(*args)
        assert answer.returncode == 141, (args, answer.stderr)
        assert answer.stderr == b"", args  # no "internal error", no "Exception ignored"


def test_a_full_disk_is_one_line_and_exit_74() -> None:
    for args in (("bill", "tests/fixtures/usage/small.jsonl", "--format", "json"),
                 ("estimate", "-m", "gemini-2.5-flash", "-c", "100k")):
        with open("/dev/full", "wb") as full:
            answer = _costcalc(*args, stdout=full, stderr=subprocess.PIPE)
        assert answer.returncode == 74, (args, answer.stderr)
        lines = answer.stderr.decode().splitlines()
        assert lines[-1] == ("costcalc: error: cannot write the output: No space left on device; free some space "
                             "or write somewhere else"), args
        assert not any("internal error" in line or "Traceback" in line for line in lines)


def test_closed_standard_output_is_one_line() -> None:
    answer = subprocess.run([sys.executable, "-c", "import os, sys; os.close(1); from costcalc.cli.app import main; "
                             "sys.exit(main(['estimate', '-m', 'gemini-2.5-flash', '-c', '100k']))"],
                            cwd=REPO, capture_output=False, stderr=subprocess.PIPE, timeout=60, check=False)
    assert answer.returncode == 74
    assert answer.stderr.decode().strip().startswith("costcalc: error: ")
