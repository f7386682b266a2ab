"""Writing the price relation: CSV, Parquet, or a SQL script (tables, rows and billing views) per dialect."""

from __future__ import annotations

import csv
import io
from dataclasses import astuple
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.jsonable import to_jsonable
from costcalc.prices.files import check_output_file
from costcalc.prices.tables import PriceTables
from costcalc.warehouse import relation, sql

FORMATS = ("csv", "parquet", "sql")


def _cell(value: Any) -> str:
    if value is None:
        return ""  # NULL: the tables give no such price (never 0)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(to_jsonable(value))  # one spelling per amount: "0.5", never "0.50"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def to_csv(tables: PriceTables) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(relation.PRICE_COLUMNS)
    for row in relation.price_rows(tables):
        writer.writerow([_cell(value) for value in astuple(row)])
    return out.getvalue()


def write_parquet(tables: PriceTables, target: Path) -> None:
    """The price relation as Parquet: prices DECIMAL(19, 12), dates DATE, absent prices NULL."""
    try:
        import pyarrow as pa  # type: ignore[import-untyped]
        import pyarrow.parquet as pq  # type: ignore[import-untyped]
    except ImportError:
        raise CostcalcError("Parquet export needs pyarrow: pip install 'costcalc[duckdb]'") from None
    price = pa.decimal128(relation.PRICE_PRECISION, relation.PRICE_SCALE)
    kinds = {"effective_from": pa.date32(), "effective_to": pa.date32(), "batch": pa.bool_(),
             "per_character": pa.bool_(), "prompt_tokens_min": pa.int64(), "prompt_tokens_max": pa.int64(),
             "long_context_threshold": pa.int64(), "min_cache_seconds": pa.int64(), "platform": pa.string(),
             "model": pa.string(), "tier": pa.string(), "caching": pa.string()}
    schema = pa.schema([(name, kinds.get(name, price)) for name in relation.PRICE_COLUMNS])
    rows = [astuple(row) for row in relation.price_rows(tables)]
    columns = {name: [row[index] for row in rows] for index, name in enumerate(relation.PRICE_COLUMNS)}
    try:
        pq.write_table(pa.table(columns, schema=schema), str(target))
    except OSError as error:
        raise CostcalcError(f"{target}: cannot write ({error})") from None


def to_sql(tables: PriceTables, dialect: str) -> str:
    return sql.script(relation.price_rows(tables), relation.name_rows(tables), sql.check_dialect(dialect))


def export(tables: PriceTables, format: str, dialect: str, output: Path | None) -> str | None:
    """The export as text (csv, sql), or None once written to `output` (parquet needs a file)."""
    if format not in FORMATS:
        raise CostcalcError(f"--format must be csv, parquet or sql, got {format!r}")
    sql.check_dialect(dialect)
    if format != "sql" and dialect != "duckdb":
        raise CostcalcError(f"--dialect is for --format sql; {format} has no dialect")
    if output is not None:
        # The tables being exported (bundled, COSTCALC_PRICING, --pricing) are inputs: never overwrite one.
        check_output_file(output, option="--output", suffix=f".{format}",
                          inputs=tuple(path for path, _ in tables.files))
    if format == "parquet":
        if output is None:
            raise CostcalcError("Parquet is binary: give --output FILE.parquet")
        write_parquet(tables, output)
        return None
    text = to_csv(tables) if format == "csv" else to_sql(tables, dialect)
    if output is None:
        return text
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise CostcalcError(f"{output}: cannot write ({error.strerror or error})") from None
    return None
