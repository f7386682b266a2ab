"""The review's rules (docs/usage-billing.md) give the same bill on every engine: tests/fixtures/usage/review.jsonl
holds one line per rule; the Spark engine bills it in tests/test_warehouse_spark.py's session."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from costcalc import PriceTables
from costcalc.errors import CostcalcError
from costcalc.usage.api import bill
from tests.usage_logs import REVIEW_LOG, run_bill, write_log

pytest.importorskip("duckdb")


@pytest.mark.parametrize("shape", ["json", "csv", "table"])
def test_review_log_is_identical_on_duckdb(shape: str) -> None:
    python = run_bill(str(REVIEW_LOG), "--format", shape)
    assert python[0] == 0
    assert run_bill(str(REVIEW_LOG), "--format", shape, "--engine", "duckdb") == python
    if shape == "json":
        data = json.loads(python[1])
        codes = [bad["code"] for bad in data["bad_records"]]
        assert codes.count("too_deep") == 3 and codes.count("no_counts") == 2 and "bad_cache_name" in codes
        assert data["records"]["caches"] == 3 and data["notes"]


@pytest.mark.slow  # seconds of subprocesses or SQL parsing: CI's second step runs it
def test_earliest_deletion_in_sql_views_of_a_parquet_copy(tables: PriceTables, tmp_path: Path) -> None:
    """The views (not only the line reader) apply the earliest deleteTime: a Parquet copy bills the same."""
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    lines = REVIEW_LOG.read_text().splitlines()[4:7]  # the deleted cache, its later TTL update, a stale copy
    for order in (lines, lines[::-1], [lines[1], lines[0], lines[2]]):
        log = write_log(tmp_path / "deleted.jsonl", order, terminated=True)
        expected = bill([log], tables).to_json()
        # 200,000 tokens x $1.00 / 1M x 0.5 h = $0.10 of storage, whatever the order
        assert expected["buckets"]["storage"] == "0.1"
        copy = tmp_path / "deleted.parquet"
        assert bill_duckdb([log], tables, write_usage=copy).to_json() == expected
        again = bill_duckdb([copy], tables).to_json()
        assert again["buckets"] == expected["buckets"] and again["by_price"] == expected["by_price"]
        copy.unlink()


def test_strict_stops_at_a_truncated_last_line_on_duckdb(tmp_path: Path) -> None:
    good = REVIEW_LOG.read_text().splitlines()[1]
    log = write_log(tmp_path / "growing.jsonl", [good, good[:40]])
    python = run_bill(str(log), "--strict")
    assert python[0] == 2 and "growing.jsonl:2: truncated last line" in python[2]
    assert run_bill(str(log), "--strict", "--engine", "duckdb") == python


def test_duckdb_refuses_gzip_lookalikes_and_repeated_files(tables: PriceTables, tmp_path: Path) -> None:
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    zipped = gzip.compress(REVIEW_LOG.read_bytes())
    for engine in ("python", "duckdb"):
        code, out, err = run_bill("-", "--engine", engine, stdin=zipped)
        assert code == 2 and out == "" and "<stdin> looks like gzip data" in err, engine
    link = tmp_path / "again.jsonl"
    link.symlink_to(REVIEW_LOG)
    with pytest.raises(CostcalcError, match=r"again.jsonl is given twice \(the same file as .*review.jsonl\)"):
        bill_duckdb([REVIEW_LOG, link], tables)
