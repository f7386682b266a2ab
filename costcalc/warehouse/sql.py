"""One SQL definition of the billing rule, written for DuckDB and transpiled (sqlglot) to the other dialects.

The definition (`billing.sql`) uses four helpers whose spelling differs per warehouse: CC_DIV (exact floor
division of non-negative integers held as DECIMAL(38, 0)), CC_DAY_NUMBER / CC_DATE (a DATE to days since
1970-01-01 and back) and CC_MONEY (whole 10^-20 USD to DECIMAL(38, 20), by moving the decimal point in the
digits, which is exact in every dialect). Everything else is transpiled as is. See docs/warehouse.md.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from importlib import resources
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.jsonable import to_jsonable
from costcalc.warehouse.relation import PRICE_PRECISION, PRICE_SCALE, NameRow, PriceRow

DIALECTS = ("duckdb", "bigquery", "spark", "snowflake")
MONEY_SCALE = 20
"""Money columns are DECIMAL(38, 20): every token amount is exact (at most 18 places) and storage is
rounded half to even to 20 places per aggregate key, as `costcalc bill` does."""
MAX_LIFETIME_DAYS = 366

PRICE_TABLE = "costcalc_price_periods"
NAME_TABLE = "costcalc_model_names"
DAYS_TABLE = "costcalc_day_offsets"
USAGE_TABLE = "costcalc_usage"

_PRICE = f"DECIMAL({PRICE_PRECISION}, {PRICE_SCALE})"
PRICE_DDL = f"""CREATE TABLE {PRICE_TABLE} (
  platform VARCHAR, model VARCHAR, effective_from DATE, effective_to DATE, tier VARCHAR, batch BOOLEAN,
  prompt_tokens_min BIGINT, prompt_tokens_max BIGINT, long_context_threshold BIGINT,
  input_mtok {_PRICE}, cached_mtok {_PRICE}, output_mtok {_PRICE}, storage_mtok_hour {_PRICE},
  per_character BOOLEAN, caching VARCHAR, min_cache_seconds BIGINT,
  audio_input_mtok {_PRICE}, audio_cached_mtok {_PRICE}, image_input_mtok {_PRICE}, image_cached_mtok {_PRICE},
  video_input_mtok {_PRICE}, video_cached_mtok {_PRICE}, audio_output_mtok {_PRICE}, image_output_mtok {_PRICE}
)"""
NAME_DDL = f"CREATE TABLE {NAME_TABLE} (platform VARCHAR, name VARCHAR, model VARCHAR)"
DAYS_DDL = f"CREATE TABLE {DAYS_TABLE} (day_offset BIGINT)"
USAGE_DDL = f"""CREATE TABLE {USAGE_TABLE} (
  file VARCHAR, line BIGINT, seq BIGINT, platform VARCHAR, kind VARCHAR, model_name VARCHAR, batch BOOLEAN,
  time_ns BIGINT, prompt_tokens BIGINT, cached_tokens BIGINT, candidates_tokens BIGINT, thoughts_tokens BIGINT,
  tool_use_prompt_tokens BIGINT, cache_name VARCHAR, cache_tokens BIGINT, expire_ns BIGINT, update_ns BIGINT,
  delete_ns BIGINT, fresh_audio_tokens BIGINT, fresh_image_tokens BIGINT, fresh_video_tokens BIGINT,
  cached_audio_tokens BIGINT, cached_image_tokens BIGINT, cached_video_tokens BIGINT, output_audio_tokens BIGINT,
  output_image_tokens BIGINT, cache_audio_tokens BIGINT
)"""
"""The usage relation: one row per response (kind `response`) and one per cache record (kind `cache`).
Times are nanoseconds since 1970-01-01 UTC (a cache's createTime is `time_ns`); counts absent from a record
are 0; `seq` orders records as they were read (later wins a tie of updateTime). The modality columns are the
AUDIO, IMAGE and VIDEO parts of a response's fresh input, cached input and output (the rest is text), and the
AUDIO part of a cache's tokens (audioDurationSeconds x 32); 0 for a record without usage details."""

_TEMPLATES: dict[str, dict[str, str]] = {
    "duckdb": {
        "CC_DIV": "CAST(CAST({0} AS HUGEINT) // CAST({1} AS HUGEINT) AS DECIMAL(38, 0))",
        "CC_DAY_OF": "({0}) // 86400000000000",
        "CC_DAY_NUMBER": "CAST({0} - DATE '1970-01-01' AS BIGINT)",
        "CC_DATE": "DATE '1970-01-01' + CAST({0} AS INTEGER)",
    },
    "bigquery": {
        "CC_DAY_OF": "DIV({0}, 86400000000000)",
        "CC_DAY_NUMBER": "UNIX_DATE({0})",
        "CC_DATE": "DATE_FROM_UNIX_DATE(CAST({0} AS INT64))",
    },
    "spark": {
        "CC_DAY_OF": "({0}) DIV 86400000000000",
        "CC_DAY_NUMBER": "UNIX_DATE({0})",
        "CC_DATE": "DATE_FROM_UNIX_DATE(CAST({0} AS INT))",
    },
    "snowflake": {
        "CC_DAY_OF": "CAST((({0}) - MOD({0}, 86400000000000)) / 86400000000000 AS BIGINT)",
        "CC_DAY_NUMBER": "DATEDIFF(day, DATE '1970-01-01', {0})",
        "CC_DATE": "DATEADD(day, CAST({0} AS INTEGER), DATE '1970-01-01')",
    },
}
_DIVIDE = "CAST((CAST({0} AS DECIMAL(38, 0)) - CAST({0} AS DECIMAL(38, 0)) % {1}) / {1} AS DECIMAL(38, 0))"
"""Exact everywhere but DuckDB (whose decimal division returns DOUBLE): the dividend is made divisible first."""


def _sqlglot() -> Any:
    try:
        import sqlglot
    except ModuleNotFoundError as missing:
        if missing.name != "sqlglot":  # a broken install below sqlglot: say what is really missing
            raise CostcalcError(f"sqlglot cannot be imported: {missing}; reinstall 'costcalc[warehouse]'") from None
        raise CostcalcError("SQL export needs sqlglot: pip install 'costcalc[warehouse]'") from None
    return sqlglot


def check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise CostcalcError(f"--dialect must be one of {', '.join(DIALECTS)}, got {dialect!r}")
    return dialect


def definition() -> str:
    """The billing views as written (DuckDB dialect, with the CC_ helpers)."""
    return resources.files("costcalc.warehouse").joinpath("billing.sql").read_text(encoding="utf-8")


def _money(digits: str) -> str:
    """Whole 10^-20 USD (a non-negative integer) as DECIMAL(38, 20), moving the point inside the digits."""
    digits_text = f"CAST({digits} AS VARCHAR)"
    # LPAD cuts a longer string down to the length: pad only up to 21 digits, never below the digits there are.
    text = f"LPAD({digits_text}, CAST(GREATEST(LENGTH({digits_text}), {MONEY_SCALE + 1}) AS INTEGER), '0')"
    return (f"CAST(SUBSTRING({text}, 1, LENGTH({text}) - {MONEY_SCALE}) || '.' || "
            f"SUBSTRING({text}, LENGTH({text}) - {MONEY_SCALE - 1}, {MONEY_SCALE}) AS DECIMAL(38, {MONEY_SCALE}))")


def _expand(node: Any, dialect: str) -> Any:
    sqlglot = _sqlglot()
    from sqlglot import exp

    if not isinstance(node, exp.Anonymous) or not str(node.name).upper().startswith("CC_"):
        if dialect == "bigquery" and isinstance(node, exp.DataType) and node.this == exp.DataType.Type.DECIMAL:
            # BigQuery's NUMERIC keeps 9 places; BIGNUMERIC keeps 38, so the arithmetic stays exact.
            return exp.DataType.build("BIGNUMERIC")
        return node
    name = str(node.name).upper()
    args = [arg.sql(dialect="duckdb") for arg in node.expressions]
    if name == "CC_MONEY":
        value = args[0]
        text = f"CASE WHEN {value} < 0 THEN -{_money(f'-({value})')} ELSE {_money(value)} END"
        return sqlglot.parse_one(text, read="duckdb").transform(lambda n: _expand(n, dialect))
    if dialect != "duckdb":
        args = [sqlglot.parse_one(arg, read="duckdb").transform(lambda n: _expand(n, dialect)).sql(dialect=dialect)
                for arg in args]
    template = _TEMPLATES[dialect].get(name, _DIVIDE if name == "CC_DIV" else None)
    if template is None:
        raise CostcalcError(f"internal: no {name} for {dialect}")
    return sqlglot.parse_one(template.format(*args), read=dialect)


def _statements(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def transpile(text: str, dialect: str) -> list[str]:
    """Each statement of `text` (DuckDB dialect with CC_ helpers) in `dialect`."""
    sqlglot = _sqlglot()
    check_dialect(dialect)
    out = []
    for statement in _statements(text):
        tree = sqlglot.parse_one(statement, read="duckdb")
        out.append(tree.transform(lambda n: _expand(n, dialect)).sql(dialect=dialect, pretty=True))
    return out


MONEY_VIEWS = ("costcalc_priced_units", "costcalc_bill_by_key", "costcalc_bill_by_model", "costcalc_bill_by_day",
               "costcalc_bill_total")
"""The views that compute money in SQL; the engines need only the integer ones (costcalc prices in Python)."""


def view_statements(dialect: str, money: bool = True) -> list[str]:
    """CREATE VIEW statements of the billing rule, in `dialect` (without the money views unless `money`)."""
    return list(_view_statements(dialect, money))


@functools.cache
def _view_statements(dialect: str, money: bool) -> tuple[str, ...]:
    """Transpiled once per process: sqlglot takes a good part of a second for the whole definition."""
    text = definition()
    if not money:
        kept = [part for part in text.split(";") if not any(f"VIEW {name} AS" in part for name in MONEY_VIEWS)]
        text = ";".join(kept)
    return tuple(transpile(text, dialect))


def _literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        return f"CAST('{to_jsonable(value)}' AS {_PRICE})"  # one spelling per amount: "0.5", never "0.50"
    if isinstance(value, date):
        return f"DATE '{value.isoformat()}'"
    return "'" + str(value).replace("'", "''") + "'"


def _inserts(table: str, rows: Iterable[Sequence[Any]], batch: int = 200) -> list[str]:
    rows = list(rows)
    return [f"INSERT INTO {table} VALUES\n" + ",\n".join("(" + ", ".join(_literal(v) for v in row) + ")"
                                                     for row in rows[start:start + batch])
            for start in range(0, len(rows), batch)]


def _columns(ddl: str) -> list[tuple[str, str]]:
    """(name, type) of each column of a CREATE TABLE above."""
    body = ddl[ddl.index("(") + 1:ddl.rindex(")")]
    parts = [part.strip() for part in body.replace("\n", " ").split(",")]
    joined: list[str] = []
    for part in parts:  # DECIMAL(19, 12) was split at its comma
        if joined and joined[-1].count("(") > joined[-1].count(")"):
            joined[-1] += ", " + part
        else:
            joined.append(part)
    return [(column.split(" ", 1)[0], column.split(" ", 1)[1]) for column in joined]


def _temporary_view(table: str, ddl: str, rows: Iterable[Sequence[Any]]) -> str:
    """A temporary view holding `rows`, typed as `ddl` says (Spark: no catalog table to create or replace)."""
    columns = _columns(ddl)
    values = ",\n".join("(" + ", ".join(_literal(v) for v in row) + ")" for row in rows)
    casts = ", ".join(f"CAST(c{index} AS {kind}) AS {name}" for index, (name, kind) in enumerate(columns))
    names = ", ".join(f"c{index}" for index in range(len(columns)))
    return f"CREATE OR REPLACE TEMPORARY VIEW {table} AS SELECT {casts} FROM (VALUES\n{values}) AS t({names})"


def table_statements(prices: Sequence[PriceRow], names: Sequence[NameRow], temporary: bool = False) -> str:
    """CREATE TABLE + INSERT of the price relation, the model names and the day offsets (DuckDB dialect);
    `temporary`: temporary views of the same rows instead."""
    from dataclasses import astuple

    tables = [(PRICE_TABLE, PRICE_DDL, [astuple(row) for row in prices]),
              (NAME_TABLE, NAME_DDL, [astuple(row) for row in names]),
              (DAYS_TABLE, DAYS_DDL, [(day,) for day in range(MAX_LIFETIME_DAYS + 1)])]
    if temporary:
        parts = [_temporary_view(table, ddl, rows) for table, ddl, rows in tables]
    else:
        parts = [part for table, ddl, rows in tables for part in (ddl, *_inserts(table, rows))]
    return ";\n".join(parts) + ";\n"


def script(prices: Sequence[PriceRow], names: Sequence[NameRow], dialect: str) -> str:
    """The whole export: tables, rows and views in `dialect`, with the usage relation it expects."""
    header = [
        "-- costcalc price relation and billing views. Usage billing rules: docs/usage-billing.md",
        "-- (costcalc's docs). Relations, precision and loading: docs/warehouse.md.",
        "-- Statements end with a semicolon at the end of a line, and no comment holds one.",
        f"-- Create or load the usage relation first (a table or view named {USAGE_TABLE}):",
        *("-- " + line for line in transpile(USAGE_DDL, dialect)[0].splitlines()),
        f"-- Totals: SELECT * FROM costcalc_bill_total (per key: costcalc_bill_by_key). Dialect: {dialect}.",
        "",
    ]
    views = view_statements(dialect)
    spark = dialect == "spark"
    if spark:
        # Temporary views work whether costcalc_usage is a table or a temporary view of the session, and the
        # script can run again in the same session.
        views = [view.replace("CREATE VIEW", "CREATE OR REPLACE TEMPORARY VIEW", 1) for view in views]
    statements = [*transpile(table_statements(prices, names, temporary=spark), dialect), *views]
    return "\n".join(header) + "\n" + ";\n\n".join(statements) + ";\n"
