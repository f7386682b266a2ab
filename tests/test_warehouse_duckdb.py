"""`costcalc bill --engine duckdb` gives the default engine's output, byte for byte, on every kind of line."""

from __future__ import annotations

import gzip
import shutil
import sys
from pathlib import Path

import pytest

from costcalc import PriceTables, load_tables
from costcalc.errors import CostcalcError
from costcalc.usage.api import bill
from costcalc.warehouse.duckdb_engine import bill_duckdb
from tests.usage_logs import SMALL_LOG, corner_lines, random_lines, run_bill, vertex_lines, write_log

pytest.importorskip("duckdb")


@pytest.mark.parametrize("shape", ["json", "csv", "table"])
def test_small_log_every_format_is_identical(shape: str) -> None:
    python = run_bill(str(SMALL_LOG), "--format", shape)
    assert python[0] == 0 and "gemini-2.5-pro" in python[1]
    assert run_bill(str(SMALL_LOG), "--format", shape, "--engine", "duckdb") == python


def test_corner_cases_random_traffic_and_vertex_agree(tables: PriceTables, tmp_path: Path) -> None:
    corner = write_log(tmp_path / "corner.jsonl", corner_lines())  # its last line has no newline, and is valid
    traffic = write_log(tmp_path / "traffic.jsonl", random_lines(7, 1500), terminated=True)
    expected = bill([corner, traffic], tables)
    assert expected.records.bad > 20 and expected.records.caches > 5 and expected.records.superseded > 0
    assert bill_duckdb([corner, traffic], tables).to_json() == expected.to_json()
    vertex = write_log(tmp_path / "vertex.jsonl", vertex_lines(), terminated=True)
    assert bill_duckdb([vertex], tables, "vertex-ai").to_json() == bill([vertex], tables, "vertex-ai").to_json()


VERTEX_TABLE = """platform: vertex-ai
min_ttl_seconds: 60
models:
  - id: tokens-model
    name: A token-billed model with caches
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-01
        sources: [test table]
        input_mtok: "1.00"
        output_mtok: "2.00"
        cached_mtok: "0.10"
        storage_mtok_hour: "3.00"
"""


def test_minimum_cache_lifetime_splits_at_midnight_alike(tmp_path: Path) -> None:
    mine = tmp_path / "vertex.yaml"
    mine.write_text(VERTEX_TABLE, encoding="utf-8")
    tables = load_tables(mine)
    log = write_log(tmp_path / "short.jsonl", [
        '{"name": "cachedContents/a", "model": "tokens-model", "createTime": "2026-12-30T23:59:30Z", '
        '"expireTime": "2026-12-30T23:59:40Z", "usageMetadata": {"totalTokenCount": 3600000}}'], terminated=True)
    expected = bill([log], tables, "vertex-ai").to_json()
    # Billed 60 s, not 10: 30 s on each side of midnight; 3.6M tokens x 30 s / 3,600 x $3 / 1M = $0.09 per day.
    assert [(row["day"], row["storage"]) for row in expected["by_day"]] == [("2026-12-30", "0.09"),
                                                                            ("2026-12-31", "0.09")]
    assert bill_duckdb([log], tables, "vertex-ai").to_json() == expected


def test_gzip_stdin_several_files_and_parquet(tables: PriceTables, tmp_path: Path) -> None:
    packed = tmp_path / "small.jsonl.gz"
    with SMALL_LOG.open("rb") as source, gzip.open(packed, "wb") as target:
        shutil.copyfileobj(source, target)
    other = write_log(tmp_path / "more.jsonl", random_lines(2, 200), terminated=True)
    expected = bill([packed, other], tables).to_json()
    assert bill_duckdb([packed, other], tables).to_json() == expected
    from_stdin = run_bill("-", str(other), "--format", "json", "--engine", "duckdb", stdin=SMALL_LOG.read_bytes())
    assert from_stdin == run_bill("-", str(other), "--format", "json", stdin=SMALL_LOG.read_bytes())
    copy = tmp_path / "usage.parquet"
    bill_duckdb([packed, other], tables, write_usage=copy)
    again = bill_duckdb([copy], tables).to_json()
    # The Parquet copy holds the billable records: same money; the refused lines were left out of it.
    assert {key: again[key] for key in ("total", "buckets", "by_model", "by_day", "by_price")} == {
        key: expected[key] for key in ("total", "buckets", "by_model", "by_day", "by_price")}


def test_strict_stops_at_the_same_record(tmp_path: Path) -> None:
    python = run_bill(str(SMALL_LOG), "--strict")
    assert python[0] != 0 and "small.jsonl:12: unknown model" in python[2]
    assert run_bill(str(SMALL_LOG), "--strict", "--engine", "duckdb") == python
    # Only a cache's price check fails: both engines find it after every line was read.
    late = write_log(tmp_path / "late.jsonl", [corner_lines()[-4], corner_lines()[-1]], terminated=True)
    python = run_bill(str(late), "--strict")
    assert python[0] != 0 and "no_storage_price" in python[2]
    assert run_bill(str(late), "--strict", "--engine", "duckdb") == python


def test_engine_errors_are_one_line(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    code, _, error = run_bill(str(SMALL_LOG), "--engine", "pandas")
    assert code != 0 and "--engine must be python, duckdb or spark" in error
    code, _, error = run_bill(str(SMALL_LOG), "--write-usage", str(tmp_path / "x.parquet"))
    assert code != 0 and "--write-usage needs --engine duckdb" in error
    code, _, error = run_bill(str(SMALL_LOG), str(SMALL_LOG), "--engine", "duckdb")
    assert code != 0 and "given twice" in error
    monkeypatch.setitem(sys.modules, "duckdb", None)
    code, _, error = run_bill(str(SMALL_LOG), "--engine", "duckdb")
    assert code != 0 and error.strip() == ("costcalc: error: --engine duckdb needs DuckDB: "
                                           "pip install 'costcalc[duckdb]'")
    with pytest.raises(CostcalcError, match="pip install 'costcalc\\[duckdb\\]'"):
        bill_duckdb([SMALL_LOG], load_tables())
