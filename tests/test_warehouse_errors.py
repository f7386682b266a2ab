"""Bad inputs to `costcalc bill --engine duckdb|spark`: one line and exit 2, never an internal error or Java log."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.errors import CostcalcError
from tests.usage_logs import SMALL_LOG

runner = CliRunner()




@pytest.mark.parametrize("content", [SMALL_LOG.read_bytes(), b"", b"PAR1garbage"], ids=["jsonl", "empty", "par1"])
def test_a_parquet_name_on_what_is_not_parquet_is_one_line(content: bytes, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    log = tmp_path / "j.parquet"
    log.write_bytes(content)
    result = runner.invoke(app, ["bill", str(log), "--engine", "duckdb"])
    assert result.exit_code == 2, result.output
    message = result.stderr.strip()
    assert "\n" not in message and "internal error" not in message and "LINE 1" not in message
    assert message.startswith(f"costcalc: error: {log}: not a readable Parquet file (")


def test_parquet_content_in_a_jsonl_name_says_to_rename_it(tables: PriceTables, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    relation = tmp_path / "relation.parquet"
    expected = bill_duckdb([SMALL_LOG], tables, write_usage=relation).to_json()
    plain = tmp_path / "usage.jsonl"
    plain.write_bytes(relation.read_bytes())
    with pytest.raises(CostcalcError, match=r"usage\.jsonl is a Parquet file, not JSON Lines; .* named \*\.parquet"):
        bill_duckdb([plain], tables)
    packed = tmp_path / "usage.jsonl.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    with pytest.raises(CostcalcError, match=r"usage\.jsonl\.gz is gzipped Parquet, not JSON Lines; gunzip it"):
        bill_duckdb([packed], tables)
    # Renamed as told, the same bytes bill the same money as the log they were written from.
    again = bill_duckdb([plain.rename(tmp_path / "usage.parquet")], tables).to_json()
    assert again["total"] == expected["total"] and again["by_day"] == expected["by_day"]


def test_a_truncated_gz_is_called_damaged_not_sent_to_the_python_engine(tables: PriceTables, tmp_path: Path) -> None:
    pytest.importorskip("duckdb")
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    whole = gzip.compress(SMALL_LOG.read_bytes())
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(CostcalcError) as raised:
        bill_duckdb([cut], tables)
    # The default engine's line reader checks every log first (docs/hardening.md, Round 3 (engines)): its words.
    assert str(raised.value).startswith(f"{cut}: cannot read the log (")
    assert str(raised.value).endswith("is it a complete gzip file?")
    assert "--engine python" not in str(raised.value)
    # The python engine refuses the same file with the same line.
    result = runner.invoke(app, ["bill", str(cut)])
    assert result.exit_code == 2 and result.stderr.strip() == f"costcalc: error: {raised.value}"


def _costcalc(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "costcalc", *args], capture_output=True, text=True, check=False,
                          env={**os.environ, **env}, timeout=300)


@pytest.mark.parametrize(("variable", "value", "reason"), [
    ("JAVA_HOME", "/nonexistent", "/nonexistent/bin/java: No such file or directory"),
    ("COSTCALC_SPARK_MASTER", "spark://127.0.0.1:1", "no master answers at spark://127.0.0.1:1"),
])
@pytest.mark.spark
def test_spark_that_cannot_start_is_one_line(variable: str, value: str, reason: str) -> None:
    pytest.importorskip("pyspark")
    done = _costcalc(["bill", str(SMALL_LOG), "--engine", "spark"], **{variable: value})
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"costcalc: error: Spark could not start ({reason})")
    assert done.stdout == ""


@pytest.mark.spark
def test_a_successful_spark_run_prints_only_costcalc_lines_on_stderr() -> None:
    pytest.importorskip("pyspark")
    done = _costcalc(["bill", str(SMALL_LOG), "--engine", "spark", "--format", "json"])
    python = _costcalc(["bill", str(SMALL_LOG), "--format", "json"])
    assert done.returncode == 0, done.stderr
    assert done.stdout == python.stdout
    # No log4j, WARN or Java lines: stderr is exactly what the python engine prints (its warning about bad records).
    assert done.stderr == python.stderr
    assert all(line.startswith("costcalc: ") for line in done.stderr.splitlines())
