from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from costcalc.cli.diff_render import render_diff
from costcalc.cost.results import to_jsonable
from costcalc.prices.diff import FieldChange, PriceChange, diff_tables, percent_change
from costcalc.prices.tables import PriceTables, bundled_pricing_dir, load_tables

D = Decimal
BUNDLED = bundled_pricing_dir() / "gemini-api.yaml"
# The 90%-era standard cached price of gemini-2.5-pro (period 2025-10-08). The leading newline and indent keep it
# from also matching `batch_cached_mtok: {lower: "0.125", ...}` two lines further down.
CACHED_0125 = '\n        cached_mtok: {lower: "0.125", upper: "0.25"}\n'


def _replace_once(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, f"expected exactly one {old!r}, found {text.count(old)}"
    return text.replace(old, new)


def _load(tmp_path: Path, name: str, text: str) -> PriceTables:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    # bundled=False, as `costcalc pricing diff` does: only the file itself is compared.
    return load_tables(path, bundled=False)


@pytest.fixture(scope="module")
def bundled_text() -> str:
    return BUNDLED.read_text(encoding="utf-8")


@pytest.fixture
def one_price_changed(tmp_path: Path, bundled_text: str) -> tuple[PriceTables, PriceTables]:
    changed = _replace_once(bundled_text, CACHED_0125, CACHED_0125.replace('"0.125"', '"0.15"'))
    return _load(tmp_path, "old.yaml", bundled_text), _load(tmp_path, "new.yaml", changed)


def test_bundled_tables_against_themselves_differ_in_nothing(tables: PriceTables) -> None:
    diff = diff_tables(tables, tables)
    assert diff.is_empty
    assert diff.platforms == ()


def test_one_changed_price_is_the_only_difference(one_price_changed: tuple[PriceTables, PriceTables]) -> None:
    diff = diff_tables(*one_price_changed)
    assert not diff.is_empty
    [platform] = diff.platforms
    assert platform.platform == "gemini-api"
    assert platform.models_added == platform.models_removed == ()
    [model] = platform.models
    assert model.id == "gemini-2.5-pro"
    assert model.fields == model.metadata == model.periods_added == model.periods_removed == ()
    [period] = model.periods
    assert period.effective == date(2025, 10, 8)
    assert period.fields == period.metadata == ()
    # (0.15 - 0.125) / 0.125 * 100 = 0.025 / 0.125 * 100 = 20
    assert period.prices == (PriceChange("cached_mtok", "lower", D("0.125"), D("0.15"), D("20.00")),)


def test_added_period_removed_model_and_added_model_are_reported(tmp_path: Path, bundled_text: str) -> None:
    # A new period for gemini-2.5-pro after its last one: insert a copy of that period's block before the next model.
    start = bundled_text.index("      - effective: 2025-10-08\n")
    end = bundled_text.index("\n  # ----", start) + 1
    period = bundled_text[start:end]
    new_period = _replace_once(period, "effective: 2025-10-08", "effective: 2026-12-01")
    changed = bundled_text[:end] + new_period + bundled_text[end:]
    # Remove gemini-1.0-pro: its block runs from its id to the next model's comment line.
    start = changed.index("  - id: gemini-1.0-pro\n")
    end = changed.index("\n  # ----", start) + 1
    removed_block = changed[start:end]
    changed = changed[:start] + changed[end:]
    # Add a model: the removed block under a new id and new aliases (aliases must stay unique).
    added = _replace_once(removed_block, "id: gemini-1.0-pro\n", "id: gemini-test-model\n")
    added = _replace_once(added, "aliases: [gemini-pro, gemini-1.0-pro-001]", "aliases: []")
    changed = changed.rstrip("\n") + "\n\n" + added
    diff = diff_tables(_load(tmp_path, "old.yaml", bundled_text), _load(tmp_path, "new.yaml", changed))

    [platform] = diff.platforms
    assert platform.models_added == ("gemini-test-model",)
    assert platform.models_removed == ("gemini-1.0-pro",)
    [model] = platform.models
    assert model.id == "gemini-2.5-pro"
    assert model.periods_added == (date(2026, 12, 1),)
    assert model.periods_removed == model.periods == model.fields == ()


def test_model_fields_period_unit_and_metadata(tmp_path: Path, bundled_text: str) -> None:
    changed = _replace_once(bundled_text, "    context_window_tokens: 32768\n", "    context_window_tokens: 65536\n")
    # gemini-1.0-pro's only period: the effective date and first source make the match unique.
    changed = _replace_once(changed, "- effective: 2024-05-14\n        checked: 2026-11-29\n"
                            "        confidence: confirmed\n        sources:\n          - {url: \"https://ai.google.dev/gemini-api/docs/changelog\"",
                            "- effective: 2024-05-14\n        checked: 2026-06-01\n"
                            "        confidence: confirmed\n        sources:\n          - {url: \"https://ai.google.dev/gemini-api/docs/changelog\"")
    diff = diff_tables(_load(tmp_path, "old.yaml", bundled_text), _load(tmp_path, "new.yaml", changed))
    [platform] = diff.platforms
    [model] = platform.models
    assert model.id == "gemini-1.0-pro"
    assert model.fields == (FieldChange("context_window_tokens", 32768, 65536),)
    [period] = model.periods
    assert period.prices == period.fields == ()
    assert period.metadata == (FieldChange("checked", date(2026, 11, 29), date(2026, 6, 1)),)


def test_flat_price_becoming_tiered_changes_every_tier(tmp_path: Path, bundled_text: str) -> None:
    changed = _replace_once(bundled_text, '        input_mtok: "0.50"\n        output_mtok: "1.50"\n',
                            '        input_mtok: {lower: "0.50", upper: "1.00"}\n        output_mtok: "1.50"\n')
    # A tiered price needs a threshold (a validation rule), so gemini-1.0-pro gets one too.
    changed = _replace_once(changed, "    context_window_tokens: 32768\n",
                            "    context_window_tokens: 32768\n    long_context_threshold: 16000\n")
    old, new = _load(tmp_path, "old.yaml", bundled_text), _load(tmp_path, "new.yaml", changed)
    [model] = diff_tables(old, new).platforms[0].models
    assert model.id == "gemini-1.0-pro"
    assert model.fields == (FieldChange("long_context_threshold", None, 16000),)
    [period] = model.periods
    assert period.prices == (
        PriceChange("input_mtok", "flat", D("0.50"), None, None),
        PriceChange("input_mtok", "lower", None, D("0.50"), None),
        PriceChange("input_mtok", "upper", None, D("1.00"), None),
    )


@pytest.mark.parametrize(("old", "new", "percent"), [
    ("0.125", "0.15", "20.00"),  # 0.025 / 0.125 * 100 = 20
    ("1.25", "0.3125", "-75.00"),  # -0.9375 / 1.25 * 100 = -75
    ("3", "4", "33.33"),  # 1 / 3 * 100 = 33.333... (a float would give the same here; the test pins the places)
    ("0", "1", None),
])
def test_percent_change_is_exact_to_a_hundredth(old: str, new: str, percent: str | None) -> None:
    assert percent_change(D(old), D(new)) == (D(percent) if percent else None)


def test_json_carries_exact_decimal_strings(one_price_changed: tuple[PriceTables, PriceTables]) -> None:
    data = to_jsonable(diff_tables(*one_price_changed))
    text = json.dumps(data)
    change = data["platforms"][0]["models"][0]["periods"][0]["prices"][0]
    assert change == {"field": "cached_mtok", "tier": "lower", "old": "0.125", "new": "0.15", "percent": "20"}
    assert '"0.125"' in text
    assert data["platforms"][0]["models"][0]["periods"][0]["effective"] == "2025-10-08"


def test_render_shows_model_and_percent(one_price_changed: tuple[PriceTables, PriceTables],
                                       capsys: pytest.CaptureFixture[str]) -> None:
    render_diff(diff_tables(*one_price_changed))
    out = capsys.readouterr().out
    assert "gemini-2.5-pro" in out
    assert "+20.00%" in out
    assert "$0.125" in out and "$0.15" in out


def test_render_says_when_nothing_differs(tables: PriceTables, capsys: pytest.CaptureFixture[str]) -> None:
    render_diff(diff_tables(tables, tables))
    assert capsys.readouterr().out.strip() == "No differences."
