"""Outputs of `bill --write-usage` and `pricing export` never block, never overwrite an input, never lie about format;
the python engine refuses a Parquet file instead of billing it as bad lines."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from costcalc.cli.app import main
from tests.conftest import REPO

SMALL = REPO / "tests" / "fixtures" / "usage" / "small.jsonl"


def _one_line_error(capsys: pytest.CaptureFixture[str], *expected: str) -> None:
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for text in expected:
        assert text in err, err


def test_write_usage_cannot_overwrite_the_log_being_billed(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "usage.parquet"
    assert main(["bill", str(SMALL), "--engine", "duckdb", "--write-usage", str(log), "--format", "json"]) == 0
    capsys.readouterr()
    before = log.read_bytes()
    alias = tmp_path / "same.parquet"
    alias.symlink_to(log)
    # The Parquet log written above, billed again with itself (under another name) as the target.
    assert main(["bill", str(log), "--engine", "duckdb", "--write-usage", str(alias)]) == 2
    _one_line_error(capsys, "is one of the files being read")
    assert log.read_bytes() == before


def test_write_usage_onto_a_jsonl_name_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "s.jsonl"
    shutil.copy(SMALL, log)
    assert main(["bill", str(log), "--engine", "duckdb", "--write-usage", str(log)]) == 2
    _one_line_error(capsys, "name it *.parquet")
    assert log.read_bytes() == SMALL.read_bytes()


@pytest.mark.parametrize(("args", "target"), [
    (["pricing", "export", "--format", "csv", "--output"], "pipe.csv"),
    (["pricing", "export", "--format", "sql", "--output"], "pipe.sql"),
    (["pricing", "export", "--format", "parquet", "--output"], "folder.parquet"),
    (["bill", str(SMALL), "--engine", "duckdb", "--write-usage"], "pipe.parquet"),
])
def test_outputs_that_would_block_or_fail_late_are_refused(
        args: list[str], target: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A FIFO with no reader would block the write forever; pyarrow deletes a target it fails to write.
    path = tmp_path / target
    path.mkdir() if target.startswith("folder") else os.mkfifo(path)
    assert main([*args, str(path)]) == 2
    _one_line_error(capsys, "give a file name to write")
    assert path.exists()


def test_export_refuses_a_dialect_without_sql_and_a_mismatched_suffix(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pricing", "export", "--format", "csv", "--dialect", "bigquery"]) == 2
    _one_line_error(capsys, "--dialect is for --format sql")
    assert main(["pricing", "export", "--format", "parquet", "--output", str(tmp_path / "x.csv")]) == 2
    _one_line_error(capsys, "name it *.parquet")
    assert not (tmp_path / "x.csv").exists()


def test_python_engine_refuses_parquet_instead_of_billing_bad_lines(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = tmp_path / "usage.parquet"
    assert main(["bill", str(SMALL), "--engine", "duckdb", "--write-usage", str(log), "--format", "json"]) == 0
    capsys.readouterr()
    assert main(["bill", str(log)]) == 2
    _one_line_error(capsys, "is a Parquet file", "--engine duckdb")
    renamed = tmp_path / "usage.jsonl"  # the same bytes under a JSON Lines name: still refused, not billed at $0
    shutil.copy(log, renamed)
    assert main(["bill", str(renamed)]) == 2
    _one_line_error(capsys, "is a Parquet file")
