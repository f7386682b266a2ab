"""Which engine bills a log for `costcalc bill --engine`: the default Python one, DuckDB or Spark."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.usage.report import UsageBill

ENGINES = ("python", "duckdb", "spark")


def check_engine(engine: str, write_usage: Path | None = None) -> str:
    if engine not in ENGINES:
        raise CostcalcError(f"--engine must be python, duckdb or spark, got {engine!r}")
    if write_usage is not None and engine != "duckdb":
        raise CostcalcError("--write-usage needs --engine duckdb")
    return engine


def bill_with(engine: str, files: Sequence[str | Path], tables: PriceTables, platform: str, strict: bool,
              write_usage: Path | None = None) -> UsageBill:
    """The bill of `files` by a SQL engine; the same result as the default engine's."""
    if engine == "duckdb":
        from costcalc.warehouse.duckdb_engine import bill_duckdb

        return bill_duckdb(files, tables, platform, strict, write_usage)
    from costcalc.warehouse.spark_engine import bill_spark

    return bill_spark(files, tables, platform, strict)
