"""`costcalc bill --engine spark` (local mode, one JVM for the module) gives the default engine's JSON."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.errors import CostcalcError
from costcalc.warehouse import relation, sql
from tests.usage_logs import REVIEW_LOG, SMALL_LOG, corner_lines, random_lines, write_log

runner = CliRunner()


def test_without_pyspark_one_line_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pyspark", None)
    monkeypatch.setitem(sys.modules, "pyspark.sql", None)
    from costcalc.warehouse.spark_engine import session

    with pytest.raises(CostcalcError, match=r"pip install 'costcalc\[spark\]'"):
        session()


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("costcalc tests")
               .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               # A few dozen rows: compiling generated code would cost more than it saves.
               .config("spark.sql.codegen.wholeStage", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.spark
def test_small_log_corner_cases_and_traffic_give_identical_json(spark: Any, tmp_path: Path) -> None:
    """One Spark bill of four logs: the shipped one, every corner of the rules, random traffic, and the review's
    rules (deep nesting, Vertex cache names, no_counts, earliest deletion, odd caches, shutdown notes)."""
    corner = write_log(tmp_path / "corner.jsonl", corner_lines())  # ends in an unterminated, valid line
    traffic = write_log(tmp_path / "traffic.jsonl", random_lines(11, 300), terminated=True)
    logs = [str(SMALL_LOG), str(corner), str(traffic), str(REVIEW_LOG)]
    python = runner.invoke(app, ["bill", *logs, "--format", "json"])
    on_spark = runner.invoke(app, ["bill", *logs, "--format", "json", "--engine", "spark"])
    assert python.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert on_spark.stdout == python.stdout
    records = json.loads(python.stdout)["records"]
    assert records["bad"] > 20 and records["caches"] > 5 and records["superseded"] > 0


@pytest.mark.spark
def test_parquet_copy_and_the_spark_money_views(spark: Any, tables: PriceTables, tmp_path: Path) -> None:
    """Spark bills a Parquet usage copy; the exported Spark views compute the same money in Spark SQL."""
    pytest.importorskip("duckdb")
    from costcalc.warehouse.duckdb_engine import bill_duckdb
    from costcalc.warehouse.spark_engine import bill_spark

    copy = tmp_path / "small.parquet"
    expected = bill_duckdb([SMALL_LOG], tables, write_usage=copy).to_json()
    again = bill_spark([copy], tables, spark=spark).to_json()
    assert {key: again[key] for key in ("total", "buckets", "by_day", "by_price")} == {
        key: expected[key] for key in ("total", "buckets", "by_day", "by_price")}
    # The exported Spark script, run as README "At warehouse scale" shows.
    script = sql.script(relation.price_rows(tables), relation.name_rows(tables), "spark")
    spark.read.parquet(str(copy)).createOrReplaceTempView(sql.USAGE_TABLE)
    for statement in script.split(";\n"):
        if statement.strip():
            spark.sql(statement)
    row = spark.sql("SELECT total, without_caching, savings, storage FROM costcalc_bill_total").collect()[0]
    assert (row.total, row.without_caching, row.savings, row.storage) == (
        Decimal(expected["total"]), Decimal(expected["without_caching"]), Decimal(expected["savings"]),
        Decimal(expected["buckets"]["storage"]))
