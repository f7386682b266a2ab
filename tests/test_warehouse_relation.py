"""The price relation (one row per platform, model, period, tier, batch) and `costcalc pricing export`."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import astuple
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.cost.request import find_period, rates_for
from costcalc.errors import CostcalcError
from costcalc.warehouse.relation import PRICE_COLUMNS, PriceRow, name_rows, price_rows

runner = CliRunner()
D = Decimal


def _row(rows: list[PriceRow], platform: str, model: str, effective: date, tier: str, batch: bool) -> PriceRow:
    (found,) = [r for r in rows if (r.platform, r.model, r.effective_from, r.tier, r.batch) ==
                (platform, model, effective, tier, batch)]
    return found


def test_rows_of_a_tiered_model_carry_its_table_prices(tables: PriceTables) -> None:
    rows = price_rows(tables)
    lower = _row(rows, "gemini-api", "gemini-2.5-pro", date(2025, 10, 8), "lower", False)
    upper = _row(rows, "gemini-api", "gemini-2.5-pro", date(2025, 10, 8), "upper", False)
    # gemini-api.yaml, 2.5 Pro from 2025-10-08: input 1.25/2.50, cached 0.125/0.25, output 10/15, storage 4.50.
    assert (lower.input_mtok, lower.cached_mtok, lower.output_mtok, lower.storage_mtok_hour) == (
        D("1.25"), D("0.125"), D("10"), D("4.5"))
    assert (upper.input_mtok, upper.cached_mtok, upper.output_mtok) == (D("2.5"), D("0.25"), D("15"))
    # The 200K cliff: exactly 200,000 is the lower tier, 200,001 the upper one.
    assert (lower.prompt_tokens_min, lower.prompt_tokens_max) == (0, 200_000)
    assert (upper.prompt_tokens_min, upper.prompt_tokens_max) == (200_001, None)
    assert lower.effective_to is None and not lower.per_character and lower.caching == "explicit"
    batch = _row(rows, "gemini-api", "gemini-2.5-pro", date(2025, 10, 8), "upper", True)
    assert (batch.input_mtok, batch.output_mtok) == (D("1.25"), D("7.5"))  # half of 2.50 and 15


def test_absent_prices_are_null_never_zero(tables: PriceTables) -> None:
    rows = price_rows(tables)
    old = _row(rows, "gemini-api", "gemini-1.0-pro", date(2024, 5, 14), "flat", False)
    assert old.cached_mtok is None and old.storage_mtok_hour is None and old.input_mtok == D("0.5")
    no_batch = _row(rows, "gemini-api", "gemini-1.0-pro", date(2024, 5, 14), "flat", True)
    assert no_batch.input_mtok is None and no_batch.output_mtok is None
    chars = _row(rows, "vertex-ai", "gemini-1.0-pro", date(2023, 12, 1), "flat", False)
    assert chars.per_character and chars.min_cache_seconds == 60 and chars.effective_to == date(2024, 6, 1)


def test_every_request_finds_exactly_the_row_of_the_python_rules(tables: PriceTables) -> None:
    """Brute force: for random (model, day, prompt, batch), the one matching row holds rates_for's prices."""
    rows = price_rows(tables)
    rng = random.Random(10)
    for _ in range(400):
        platform = rng.choice(tables.platforms())
        entry = rng.choice(tables.models(platform))
        first = entry.model.periods[0].effective
        day = first + timedelta(days=rng.randrange(0, 1000))
        prompt = rng.choice((0, 128_000, 128_001, 200_000, 200_001, rng.randrange(0, 2_000_000)))
        batch = rng.random() < 0.3
        matches = [r for r in rows if r.platform == platform and r.model == entry.model.id and r.batch == batch
                   and r.effective_from <= day and (r.effective_to is None or day < r.effective_to)
                   and r.prompt_tokens_min <= prompt and (r.prompt_tokens_max is None or prompt <= r.prompt_tokens_max)]
        assert len(matches) == 1, (entry.model.id, day, prompt, batch)
        period = find_period(entry.model, day)
        assert matches[0].effective_from == period.effective
        try:
            rates = rates_for(entry.model, period, prompt, batch)
        except CostcalcError:  # no batch price in this period
            assert matches[0].input_mtok is None or matches[0].output_mtok is None
            continue
        found = matches[0]
        assert (found.tier, found.input_mtok, found.output_mtok, found.cached_mtok, found.storage_mtok_hour) == (
            rates.tier, rates.input_mtok, rates.output_mtok, rates.cached_mtok, rates.storage_mtok_hour)


def test_names_resolve_like_find_model(tables: PriceTables) -> None:
    names = {(row.platform, row.name): row.model for row in name_rows(tables)}
    for platform in tables.platforms():
        for entry in tables.models(platform):
            for known in (entry.model.id, *entry.model.aliases):
                assert names[(platform, known.lower())] == tables.find_model(known, platform).model.id


def test_export_csv_is_the_relation_with_empty_nulls(tables: PriceTables) -> None:
    done = runner.invoke(app, ["pricing", "export", "--format", "csv"])
    assert done.exit_code == 0, done.output
    table = list(csv.reader(io.StringIO(done.stdout)))
    assert tuple(table[0]) == PRICE_COLUMNS and len(table) == len(price_rows(tables)) + 1
    old = next(r for r in table if r[:6] == ["gemini-api", "gemini-1.0-pro", "2024-05-14", "", "flat", "false"])
    assert old[PRICE_COLUMNS.index("input_mtok")] == "0.5" and old[PRICE_COLUMNS.index("cached_mtok")] == ""


def test_export_parquet_keeps_exact_decimals_and_nulls(tables: PriceTables, tmp_path: Path) -> None:
    pq = pytest.importorskip("pyarrow.parquet")
    target = tmp_path / "prices.parquet"
    done = runner.invoke(app, ["pricing", "export", "--format", "parquet", "--output", str(target)])
    assert done.exit_code == 0, done.output
    table = pq.read_table(target)
    assert str(table.schema.field("input_mtok").type) == "decimal128(19, 12)"
    assert [tuple(row.values()) for row in table.to_pylist()] == [astuple(row) for row in price_rows(tables)]


@pytest.mark.parametrize(("argv", "message"), [
    (["--format", "parquet"], "give --output FILE.parquet"),
    (["--format", "xml"], "--format must be csv, parquet or sql"),
    (["--format", "sql", "--dialect", "oracle"], "--dialect must be one of duckdb, bigquery, spark, snowflake"),
])
def test_export_errors_are_one_line(argv: list[str], message: str) -> None:
    done = runner.invoke(app, ["pricing", "export", *argv])
    assert done.exit_code != 0 and message in done.stderr and "Traceback" not in done.output
