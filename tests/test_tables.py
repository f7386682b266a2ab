from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from costcalc import PriceFile, PriceTables, find_period, load_price_file
from costcalc.cost.results import to_jsonable
from costcalc.errors import CostcalcError
from costcalc.prices.decode import decode
from costcalc.prices.schema import TieredPrice
from costcalc.prices.tables import bundled_pricing_dir
from costcalc.prices.validation import validate_text

D = Decimal

# Every Developer API text model the price research covers.
FACT_SHEET_MODELS = {
    "gemini-1.0-pro", "gemini-1.5-pro", "gemini-1.5-flash", "gemini-1.5-flash-8b", "gemini-2.0-flash",
    "gemini-2.0-flash-lite", "gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-3-pro-preview",
    "gemini-3-flash-preview", "gemini-3.1-pro-preview", "gemini-3.1-flash-lite", "gemini-3.5-flash",
    "gemini-3.5-flash-lite", "gemini-3.6-flash", "gemini-3.7-flash", "gemini-3.8-flash", "gemini-4-argon",
    "gemini-4-carbon", "gemini-4-hydrogen", "gemini-4-neon",
}


def test_bundled_tables_validate_with_no_problems() -> None:
    for path in sorted(bundled_pricing_dir().glob("*.yaml")):
        price_file, problems = validate_text(path, path.read_text(encoding="utf-8"))
        assert problems == []
        assert price_file is not None


def test_every_fact_sheet_model_is_present(tables: PriceTables) -> None:
    assert {entry.model.id for entry in tables.models("gemini-api")} >= FACT_SHEET_MODELS


def test_gemini_1_5_pro_history(tables: PriceTables) -> None:
    model = tables.find_model("gemini-1.5-pro-002").model
    assert model.id == "gemini-1.5-pro"
    periods = {p.effective: p for p in model.periods}
    assert list(periods) == [date(2024, 5, 14), date(2024, 6, 18), date(2024, 10, 1)]
    announced, launch, cut = periods.values()
    assert announced.input_mtok == TieredPrice(D("3.50"), D("7.00"))
    assert announced.output_mtok == TieredPrice(D("10.50"), D("21.00"))
    assert announced.cached_mtok == TieredPrice(D("1.75"), D("3.50"))
    assert announced.storage_mtok_hour == D("4.50")
    assert launch.cached_mtok == TieredPrice(D("0.875"), D("1.75"))
    assert cut.input_mtok == TieredPrice(D("1.25"), D("2.50"))
    assert cut.cached_mtok == TieredPrice(D("0.3125"), D("0.625"))
    # Announced, never billed: the cached price is 50% of input (1.75 = 3.50 / 2, 3.50 = 7.00 / 2), stated as data.
    [cached] = [entry for entry in announced.figure_confidence if entry.figure == "cached_mtok"]
    assert (cached.figure, cached.tier, cached.confidence) == ("cached_mtok", None, "derived")
    assert cached.rule is not None and cached.rule.startswith("50% of input")
    assert announced.cached_mtok == TieredPrice(announced.input_mtok.lower / 2, announced.input_mtok.upper / 2)


@pytest.mark.parametrize(("model", "day", "cached"), [
    ("gemini-2.5-pro", date(2025, 8, 1), TieredPrice(D("0.31"), D("0.625"))),
    ("gemini-2.5-pro", date(2025, 10, 8), TieredPrice(D("0.125"), D("0.25"))),
    ("gemini-3.6-flash", date(2026, 12, 31), D("0.075")),
    ("gemini-3.6-flash", date(2027, 1, 1), D("0.15")),
    ("gemini-4-argon", date(2026, 11, 30), D("0.10")),
    ("gemini-4-argon", date(2026, 12, 1), D("0.20")),
])
def test_price_switches(tables: PriceTables, model: str, day: date, cached: object) -> None:
    assert find_period(tables.find_model(model).model, day).cached_mtok == cached


def test_every_price_is_decimal_never_float(tables: PriceTables) -> None:
    for entry in tables.models():
        for period in entry.model.periods:
            for value in (period.input_mtok, period.output_mtok, period.cached_mtok, period.storage_mtok_hour):
                figures = (value.lower, value.upper) if isinstance(value, TieredPrice) else (value,)
                assert all(f is None or type(f) is Decimal for f in figures)


def test_cache_round_trip_gives_the_same_objects(tmp_path: Path) -> None:
    path = bundled_pricing_dir() / "gemini-api.yaml"
    fresh, _ = validate_text(path, path.read_text(encoding="utf-8"))
    rebuilt = decode(PriceFile, json.loads(json.dumps(to_jsonable(fresh))))
    assert rebuilt == fresh


def test_validation_cache_is_keyed_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path / "cache"))
    table = tmp_path / "t.yaml"
    source = (bundled_pricing_dir() / "gemini-api.yaml").read_text(encoding="utf-8")
    table.write_text(source, encoding="utf-8")
    first = load_price_file(table)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    table.write_text(source.replace('input_mtok: "0.50"', 'input_mtok: "0.55"', 1), encoding="utf-8")
    changed = load_price_file(table)
    assert len(list((tmp_path / "cache").iterdir())) == 2
    assert first.models[0].periods[0].input_mtok == D("0.50")
    assert changed.models[0].periods[0].input_mtok == D("0.55")


def test_unknown_model_suggests_close_names(tables: PriceTables) -> None:
    with pytest.raises(CostcalcError, match=r"did you mean gemini-2\.5-pro"):
        tables.find_model("gemini-2.5-pr")
    assert tables.find_model("models/Gemini-2.5-Pro").model.id == "gemini-2.5-pro"
