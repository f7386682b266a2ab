"""The exported SQL: it parses in every dialect, and DuckDB running it on a Parquet usage copy reproduces `bill`."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.warehouse import relation, sql
from tests.usage_logs import SMALL_LOG, corner_lines, random_lines, write_log

duckdb = pytest.importorskip("duckdb")
sqlglot = pytest.importorskip("sqlglot")
runner = CliRunner()
D = Decimal
BUCKETS = ("fresh_input", "cached_input", "output", "creation", "storage", "total", "without_caching")


class _Scripts(dict[str, str]):
    """The export script of each dialect, written on first use: a dialect costs a second of SQL parsing."""

    def __init__(self, tables: PriceTables) -> None:
        super().__init__()
        self.tables = tables

    def __missing__(self, dialect: str) -> str:
        self[dialect] = sql.script(relation.price_rows(self.tables), relation.name_rows(self.tables), dialect)
        return self[dialect]


@pytest.fixture(scope="module")
def scripts(tables: PriceTables) -> dict[str, str]:
    return _Scripts(tables)


@pytest.mark.slow  # seconds of subprocesses or SQL parsing: CI's second step runs it
@pytest.mark.parametrize("dialect", sql.DIALECTS)
def test_export_parses_in_its_dialect(scripts: dict[str, str], dialect: str) -> None:
    statements = sqlglot.parse(scripts[dialect], read=dialect, error_level=sqlglot.ErrorLevel.RAISE)
    kinds = [type(statement).__name__ for statement in statements if statement is not None]
    views = [s for s in statements if s is not None and s.args.get("kind") == "VIEW"]
    tables = 3  # prices, model names, day offsets: temporary views in Spark, tables + INSERT elsewhere
    expected_views = sql.definition().count("CREATE VIEW") + (tables if dialect == "spark" else 0)
    assert len(views) == expected_views and kinds.count("Create") == expected_views + (0 if dialect == "spark" else 3)
    assert ("Insert" in kinds) == (dialect != "spark")
    text = scripts[dialect]
    assert "CC_" not in text.upper().replace("COSTCALC_", "")  # every helper was written out for the dialect
    if dialect == "bigquery":
        assert "NUMERIC(" not in text.replace("BIGNUMERIC", "")  # NUMERIC keeps only 9 places


def test_export_sql_command_writes_the_script(tmp_path: Path, scripts: dict[str, str]) -> None:
    target = tmp_path / "costcalc.bigquery.sql"
    done = runner.invoke(app, ["pricing", "export", "--format", "sql", "--dialect", "bigquery", "-o", str(target)])
    assert done.exit_code == 0, done.output
    assert target.read_text(encoding="utf-8") == scripts["bigquery"]


def _bill_json(log: Path, *extra: str) -> dict[str, Any]:
    done = runner.invoke(app, ["bill", str(log), "--format", "json", *extra])
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)  # type: ignore[no-any-return]


def _run_script(script: str, usage: Path) -> Any:
    con = duckdb.connect()
    con.execute(f"CREATE VIEW costcalc_usage AS SELECT * FROM read_parquet('{usage}')")
    con.execute(script)
    return con


def _views(con: Any) -> tuple[dict[str, Decimal], dict[str, dict[str, Decimal]], dict[str, dict[str, Decimal]]]:
    names = [*BUCKETS, "savings"]
    total = dict(zip(names, con.execute(f"SELECT {', '.join(names)} FROM costcalc_bill_total").fetchone(), strict=True))
    by_model = {model: dict(zip(BUCKETS, values, strict=True)) for model, *values in
                con.execute(f"SELECT model, {', '.join(BUCKETS)} FROM costcalc_bill_by_model").fetchall()}
    by_day = {day.isoformat(): dict(zip(BUCKETS, values, strict=True)) for day, *values in
              con.execute(f"SELECT day, {', '.join(BUCKETS)} FROM costcalc_bill_by_day").fetchall()}
    return total, by_model, by_day


def _assert_same_money(con: Any, bill: dict[str, Any]) -> None:
    total, by_model, by_day = _views(con)
    assert total["total"] == D(bill["total"]) and total["without_caching"] == D(bill["without_caching"])
    assert total["savings"] == D(bill["savings"])
    assert {key: total[key] for key in bill["buckets"]} == {key: D(v) for key, v in bill["buckets"].items()}
    assert by_model == {row["model"]: {key: D(row[key]) for key in BUCKETS} for row in bill["by_model"]}
    assert by_day == {row["day"]: {key: D(row[key]) for key in BUCKETS} for row in bill["by_day"]}


@pytest.mark.slow  # seconds of SQL on random logs or exported scripts: CI's second step runs it
def test_duckdb_script_on_a_parquet_copy_reproduces_bill(tmp_path: Path, scripts: dict[str, str]) -> None:
    copy = tmp_path / "small.parquet"
    bill = _bill_json(SMALL_LOG)
    assert _bill_json(SMALL_LOG, "--engine", "duckdb", "--write-usage", str(copy)) == bill
    con = _run_script(scripts["duckdb"], copy)
    _assert_same_money(con, bill)
    # The 2.5 Pro cache of the log, by hand: 257,955 tokens stored 09:59:30.5 -> 10:30:00.25 (deleted), 1,829.75 s,
    # at $4.50 per 1M token-hours: 257,955 x 1,829.75 / 3,600 x 4.5 / 10^6 = 0.5899914515625 (money in SQL).
    storage = con.execute("SELECT storage FROM costcalc_bill_by_key WHERE model = 'gemini-2.5-pro' "
                          "AND tier = 'upper' AND day = DATE '2026-12-30'").fetchone()[0]
    assert storage == D(257_955) * D("1829.75") * D("4.5") / D(3600 * 10**6) == D("0.5899914515625")
    # Lines the SQL itself refuses carry the same codes as the bill's list (the rest were not in the copy).
    refused = set(con.execute("SELECT line, code FROM costcalc_bad_records").fetchall())
    assert refused == {(12, "unknown_model"), (16, "no_cached_price")}
    assert refused <= {(row["line"], row["code"]) for row in bill["bad_records"]}


@pytest.mark.slow  # seconds of subprocesses or SQL parsing: CI's second step runs it
@pytest.mark.parametrize("seed", [3, 4])
def test_duckdb_money_views_agree_with_python_on_random_logs(tmp_path: Path, scripts: dict[str, str],
                                                             seed: int) -> None:
    """Brute-force reference: the default engine's exact Fractions; the SQL's integer 10^-20 USD arithmetic."""
    lines = [*random_lines(seed, 600), *corner_lines()[1:-1]]
    log = write_log(tmp_path / "traffic.jsonl", lines, terminated=True)
    copy = tmp_path / "traffic.parquet"
    bill = _bill_json(log)
    _bill_json(log, "--engine", "duckdb", "--write-usage", str(copy))
    _assert_same_money(_run_script(scripts["duckdb"], copy), bill)
