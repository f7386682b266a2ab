"""Issue 17 (round 3), the DuckDB and Spark side: hostile logs get the default engine's answer on every engine.

Caps are made small through the parameters and environment variables that set them, so no test writes GBs.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from costcalc import PriceTables, bill
from costcalc.errors import CostcalcError
from costcalc.usage import reader
from tests.usage_logs import SMALL_LOG

GOOD = SMALL_LOG.read_bytes().split(b"\n")[1]
"""A billable response of the shipped log."""


def _duckdb(paths: list[Path], tables: PriceTables, **options: Any) -> dict[str, Any]:
    pytest.importorskip("duckdb")
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    return bill_duckdb(paths, tables, **options).to_json()


def _spark(paths: list[Path], tables: PriceTables) -> dict[str, Any]:
    pytest.importorskip("pyspark")
    from costcalc.warehouse.spark_engine import bill_spark

    return bill_spark(paths, tables).to_json()


def _error(run: Any) -> str:
    with pytest.raises(CostcalcError) as caught:
        run()
    return str(caught.value)


# ----------------------------------------------------------------- item 1: a line longer than the cap


@pytest.mark.parametrize("first", [GOOD + b"\n", b""], ids=["after-a-record", "alone"])
@pytest.mark.parametrize("end", [b"", b"\n"], ids=["last-unterminated", "terminated"])
def test_a_line_over_the_cap_is_refused_by_duckdb_as_by_python(
        first: bytes, end: bytes, tables: PriceTables, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    # 3 MB of `[` against a 4 KB cap stands for 3 GB against 64 MB: DuckDB billed the line before it alone
    # (the total halved, exit 0), or said "no records"; the default engine refuses the file.
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    log = tmp_path / "long.jsonl"
    log.write_bytes(first + b"[" * (3 << 20) + end)
    expected = _error(lambda: bill([log], tables))
    line = 2 if first else 1
    assert expected == f"{log}:{line}: a line longer than 0 MB; is this a JSON Lines log (one record per line)?"
    assert _error(lambda: _duckdb([log], tables)) == expected


@pytest.mark.spark
def test_a_line_over_the_cap_is_refused_by_spark_as_by_python(tables: PriceTables, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    log = tmp_path / "long.jsonl"
    log.write_bytes(GOOD + b"\n" + b"[" * (3 << 20))
    assert _error(lambda: _spark([log], tables)) == _error(lambda: bill([log], tables))


# ----------------------------------------------------------------- item 6: mixed CRLF and LF


def _mixed_line_ends(tmp_path: Path) -> Path:
    """Records and bad lines with CRLF and LF in an irregular order, starting with LF (DuckDB then read each
    CRLF as two line breaks: every later bad record had the wrong line)."""
    pattern = [b"\n", b"\r\n", b"\r\n", b"\n", b"\n", b"\r\n"]
    lines = [b'{"x": 1}' if index % 7 == 3 else GOOD for index in range(40)]
    log = tmp_path / "windows.jsonl"
    log.write_bytes(b"\n" + b"".join(line + pattern[index % len(pattern)] for index, line in enumerate(lines))
                    + b"\r\n" + b'{"usageMetadata": 1}\r\n')
    return log


def test_mixed_crlf_and_lf_line_numbers_are_the_default_engines(tables: PriceTables, tmp_path: Path) -> None:
    log = _mixed_line_ends(tmp_path)
    expected = bill([log], tables).to_json()
    # The blank first line, then bad lines at 40 records' positions 3, 10, ...: file lines 5, 12, ...; the
    # blank CRLF line 42 is not a record, the last line (43) is.
    assert [bad["line"] for bad in expected["bad_records"]] == [5, 12, 19, 26, 33, 40, 43]
    assert expected["records"]["lines"] == 41
    assert _duckdb([log], tables) == expected


def test_a_crlf_log_is_read_from_a_private_copy_that_goes_away(tables: PriceTables, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    log = _mixed_line_ends(tmp_path)
    gz = tmp_path / "windows.jsonl.gz"
    gz.write_bytes(gzip.compress(log.read_bytes()))
    expected = bill([gz], tables).to_json()
    assert _duckdb([gz], tables) == expected
    assert list((tmp_path / "tmp").iterdir()) == []


@pytest.mark.spark
def test_mixed_crlf_and_lf_on_spark(tables: PriceTables, tmp_path: Path) -> None:
    log = _mixed_line_ends(tmp_path)
    assert _spark([log], tables) == bill([log], tables).to_json()


# ----------------------------------------------------------------- item 9: a newline bomb


def _newline_bomb(tmp_path: Path, newlines: int) -> Path:
    bomb = tmp_path / "bomb.jsonl.gz"
    bomb.write_bytes(gzip.compress(b"\n" * newlines + GOOD + b"\n"))
    return bomb


def test_a_newline_bomb_stops_at_the_blank_line_cap(tables: PriceTables, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # 200,000 newlines against a cap of 1,000 blank lines stands for 4 GB against 1,000,000: DuckDB read it for
    # minutes; now it stops in the first block, with the default engine's words.
    monkeypatch.setenv("COSTCALC_MAX_BLANK_LINES", "1000")
    bomb = _newline_bomb(tmp_path, 200_000)
    message = _error(lambda: _duckdb([bomb], tables))
    assert message.startswith(f"{bomb}: more than 1,000 blank lines (by line ")
    assert message.endswith("this is not a JSON Lines log (a gzip bomb?): remove the blank lines, or set "
                            "COSTCALC_MAX_BLANK_LINES if they are real")
    if hasattr(reader, "blank_line_limit"):  # the default engine's own cap (the python side of item 9)
        assert _error(lambda: bill([bomb], tables)) == message
    monkeypatch.setenv("COSTCALC_MAX_BLANK_LINES", "200000")
    assert _duckdb([bomb], tables) == json.loads(json.dumps(bill([bomb], tables).to_json()))


@pytest.mark.spark
def test_a_newline_bomb_on_spark(tables: PriceTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTCALC_MAX_BLANK_LINES", "1000")
    bomb = _newline_bomb(tmp_path, 200_000)
    assert _error(lambda: _spark([bomb], tables)).startswith(f"{bomb}: more than 1,000 blank lines (by line ")


# ----------------------------------------------------------------- item 2: --write-usage onto an existing file


def test_write_usage_replaces_the_target_by_a_rename(tables: PriceTables, tmp_path: Path) -> None:
    # DuckDB's COPY onto an existing file wrote `tmp_<name>` beside it: it destroyed an unrelated file of that
    # name and wrote through a symlink planted there.
    victim = tmp_path / "victim.txt"
    victim.write_bytes(b"precious")
    target = tmp_path / "usage.parquet"
    target.write_bytes(b"old")
    (tmp_path / "tmp_usage.parquet").symlink_to(victim)
    expected = _duckdb([SMALL_LOG], tables)
    assert _duckdb([SMALL_LOG], tables, write_usage=target) == expected
    linked = tmp_path / "linked.parquet"
    linked.symlink_to(victim)  # a symlink at the target itself is replaced, not written through
    _duckdb([SMALL_LOG], tables, write_usage=linked)
    assert victim.read_bytes() == b"precious" and not linked.is_symlink()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["linked.parquet", "tmp_usage.parquet",
                                                                 "usage.parquet", "victim.txt"]
    # Both hold the relation (a malformed line is not in it, so only the money is compared).
    assert _duckdb([target], tables)["by_day"] == _duckdb([linked], tables)["by_day"] == expected["by_day"]


def test_write_usage_in_a_folder_that_cannot_be_written_is_one_line(tables: PriceTables, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "usage.parquet"
    message = _error(lambda: _duckdb([SMALL_LOG], tables, write_usage=target))
    assert message.startswith(f"{target}: cannot write the usage Parquet file (") and "\n" not in message
    assert message.endswith("give a file in a folder you can write")


# ----------------------------------------------------------------- item 11: a signal while reading standard input


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT], ids=["TERM", "HUP", "INT"])
def test_a_signal_during_the_stdin_spool_leaves_nothing_behind(stop: int, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    spools = tmp_path / "tmp"
    spools.mkdir()
    child = subprocess.Popen([sys.executable, "-m", "costcalc", "bill", "--engine", "duckdb", "-"],
                             stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             env={**os.environ, "TMPDIR": str(spools)})
    assert child.stdin is not None
    deadline = time.monotonic() + 60
    spooled = 0
    while spooled < 1 << 20 and time.monotonic() < deadline:  # the spool has begun (1 MB of it on disk)
        child.stdin.write(GOOD + b"\n")
        child.stdin.flush()
        spooled = sum(path.stat().st_size for path in spools.rglob("*") if path.is_file())
    assert spooled >= 1 << 20
    child.send_signal(stop)
    _, stderr = child.communicate(timeout=60)
    assert child.returncode in (-stop, 130, 2), stderr
    assert list(spools.iterdir()) == []
    assert b"Traceback" not in stderr


# ----------------------------------------------------------------- item 9: millions of bad lines


def test_many_bad_lines_bill_as_python_and_strict_stops_at_the_first(tables: PriceTables, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # 20,000 `{}` lines stand for 5.6 million: each short text is decided once; --strict stops at the first.
    # Every bad record listed (the default engine lists the first 1,000; DuckDB does not cap its list yet).
    monkeypatch.setenv("COSTCALC_LISTED_BAD_RECORDS", "100000")
    log = tmp_path / "empties.jsonl"
    log.write_bytes(GOOD + b"\n" + b"{}\n" * 20_000 + b"[]\n" + b"{}\n" * 3)
    expected = bill([log], tables).to_json()
    assert expected["records"]["bad"] == 20_004 and expected["bad_records"][-4]["code"] == "not_an_object"
    assert _duckdb([log], tables) == expected
    message = _error(lambda: bill([log], tables, strict=True))
    assert message.startswith(f"{log}:2: neither a response")
    assert _error(lambda: _duckdb([log], tables, strict=True)) == message
