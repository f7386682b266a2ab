"""The library refuses nonsense at its public boundary, naming the argument (issue 6, hole 10), and a user
table cannot take over a bundled model by alias (hole 8)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc import (
    CostcalcError,
    PriceTables,
    PricingFileError,
    Workload,
    break_even,
    calc_break_even,
    calc_request,
    estimate,
    find_period,
    load_price_file,
    load_tables,
    rates_for,
    tier_for,
)
from costcalc.cli.app import main
from tests.conftest import REPO

D = Decimal
WHEN = date(2026, 1, 15)
WORK = Workload(context_tokens=300_000, prompt_tokens=2_000, output_tokens=1_000, queries=10)


def test_hit_rate_above_one_is_refused(tables: PriceTables) -> None:
    """Issue: hit_rate=Decimal("1.5") returned a negative total."""
    flash = tables.find_model("gemini-2.5-flash")
    with pytest.raises(CostcalcError, match=r"^hit_rate must be between 0 and 1, got 1\.5$"):
        estimate(flash, WORK, WHEN, hit_rate=D("1.5"))
    with pytest.raises(CostcalcError, match=r"^hit_rate must be a Decimal between 0 and 1"):
        estimate(flash, WORK, WHEN, hit_rate=0.4)  # type: ignore[arg-type]
    with pytest.raises(CostcalcError, match=r"^hit_rate must be a finite number"):
        estimate(flash, WORK, WHEN, hit_rate=D("NaN"))
    # Exact shares are fine, and give the same answer: 2/5 == 0.4.
    assert estimate(flash, WORK, WHEN, hit_rate=Fraction(2, 5)) == estimate(flash, WORK, WHEN, hit_rate=D("0.4"))  # type: ignore[arg-type]


def test_batch_must_be_a_bool(tables: PriceTables) -> None:
    """Issue: batch="no" used batch prices (a non-empty string is truthy)."""
    pro = tables.find_model("gemini-2.5-pro")
    for call in (lambda: estimate(pro, WORK, WHEN, batch="no"),  # type: ignore[arg-type]
                 lambda: break_even(pro, WORK, WHEN, batch="no"),  # type: ignore[arg-type]
                 lambda: rates_for(pro.model, pro.model.periods[-1], 1000, batch=1),  # type: ignore[arg-type]
                 lambda: calc_request(pro.model, pro.model.periods[-1], 1000, batch="no")):  # type: ignore[arg-type]
        with pytest.raises(CostcalcError, match=r"^batch must be True or False, got str 'no'|^batch must be True or "
                           r"False, got int 1"):
            call()


@pytest.mark.parametrize(("value", "message"), [
    (1.5, "prompt_tokens must be a whole number (int), got float 1.5"),
    (True, "prompt_tokens must be a whole number (int), got bool True"),
    (D("1.5"), "prompt_tokens must be a whole number (int), got Decimal Decimal('1.5')"),
    ("1000", "prompt_tokens must be a whole number (int), got str '1000'"),
    (-1, "prompt_tokens must be 0 or more, got -1"),
    (10**13, "prompt_tokens must be at most 1,000,000,000,000, got 10,000,000,000,000"),
])
def test_calc_request_takes_whole_token_counts(tables: PriceTables, value: object, message: str) -> None:
    pro = tables.find_model("gemini-2.5-pro").model
    with pytest.raises(CostcalcError) as caught:
        calc_request(pro, find_period(pro, WHEN), value, 0, 100)  # type: ignore[arg-type]
    assert str(caught.value) == message


def test_calc_request_respects_the_context_window(tables: PriceTables) -> None:
    """Issue: 5M tokens were priced on a 1M-token model."""
    pro = tables.find_model("gemini-2.5-pro").model
    assert pro.context_window_tokens == 1_048_576
    with pytest.raises(CostcalcError, match=r"prompt_tokens 5,000,000 exceeds gemini-2\.5-pro's context window of "
                       r"1,048,576 tokens"):
        calc_request(pro, find_period(pro, WHEN), 5_000_000)
    cost = calc_request(pro, find_period(pro, WHEN), 1_048_576)
    assert cost.fresh_input == D("1_048_576") * D("2.50") / 1_000_000  # upper tier, whole request


@pytest.mark.parametrize(("call", "name"), [
    (lambda t: estimate("gemini-2.5-pro", WORK, WHEN), "entry"),  # type: ignore[arg-type]
    (lambda t: estimate(t.find_model("gemini-2.5-pro"), {"context_tokens": 1}, WHEN), "workload"),  # type: ignore[arg-type]
    (lambda t: estimate(t.find_model("gemini-2.5-pro"), WORK, "2026-01-15"), "as_of"),  # type: ignore[arg-type]
    (lambda t: estimate(t.find_model("gemini-2.5-pro"), WORK, datetime(2026, 1, 15)), "as_of"),
    (lambda t: estimate(t.find_model("gemini-2.5-pro"), Workload(1.5), WHEN), "workload.context_tokens"),  # type: ignore[arg-type]
    (lambda t: estimate(t.find_model("gemini-2.5-pro"), Workload(10, queries=D(3)), WHEN), "workload.queries"),  # type: ignore[arg-type]
    (lambda t: break_even(t.find_model("gemini-2.5-pro"), WORK, 20260115), "as_of"),  # type: ignore[arg-type]
    (lambda t: calc_break_even(t.find_model("gemini-2.5-pro"), "2025", WORK), "period"),  # type: ignore[arg-type]
    (lambda t: find_period(t.find_model("gemini-2.5-pro"), WHEN), "model"),  # type: ignore[arg-type]
    (lambda t: find_period(t.find_model("gemini-2.5-pro").model, None), "as_of"),  # type: ignore[arg-type]
    (lambda t: tier_for(t.find_model("gemini-2.5-pro").model, 2.5e5), "prompt_tokens"),  # type: ignore[arg-type]
    (lambda t: rates_for(t.find_model("gemini-2.5-pro").model, None, 10), "period"),  # type: ignore[arg-type]
    (lambda t: t.find_model(25), "name"),  # type: ignore[arg-type]
    (lambda t: t.find_model("gemini-2.5-pro", platform=None), "platform"),  # type: ignore[arg-type]
    (lambda t: load_tables(42), "extra"),  # type: ignore[arg-type]
    (lambda t: load_tables([None]), "extra"),  # type: ignore[list-item]
    (lambda t: load_tables(bundled="yes"), "bundled"),  # type: ignore[arg-type]
    (lambda t: load_price_file(0), "path"),  # type: ignore[arg-type]
])
def test_wrong_types_raise_costcalc_errors_naming_the_argument(tables: PriceTables, call: Any, name: str) -> None:
    """Issue: wrong types surfaced as raw TypeError, AttributeError or decimal.InvalidOperation."""
    with pytest.raises(CostcalcError) as caught:
        call(tables)
    assert str(caught.value).startswith(f"{name} must be"), str(caught.value)


JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=5),
                 st.decimals(allow_nan=True), st.dates(), st.lists(st.integers(), max_size=2), st.just(object()))


@settings(max_examples=150, deadline=None)
@given(context=JUNK, queries=JUNK, as_of=JUNK, batch=JUNK, hit_rate=JUNK)
def test_any_junk_is_an_answer_or_a_costcalc_error(tables: PriceTables, context: object, queries: object,
                                                   as_of: object, batch: object, hit_rate: object) -> None:
    entry = tables.find_model("gemini-2.5-flash")
    try:
        answer = estimate(entry, Workload(context, queries=queries), as_of, batch=batch,  # type: ignore[arg-type]
                          hit_rate=hit_rate)  # type: ignore[arg-type]
    except CostcalcError:
        return
    assert answer.no_cache.total >= 0
    assert answer.implicit_cache is None or answer.implicit_cache.total >= 0


# ---- alias clashes between a user's table and the bundled ones (hole 8)

USER = """platform: gemini-api
models:
  - id: {model_id}
    name: Our own model
    aliases: [{aliases}]
    context_window: 1048576
    caching: none
    periods:
      - effective: 2025-01-01
        checked: 2025-06-01
        sources: [contract ACME-42]
        input_mtok: "0.01"
        output_mtok: "0.02"
"""


def _user_table(tmp_path: Path, model_id: str, aliases: str) -> Path:
    table = tmp_path / "ours.yaml"
    table.write_text(USER.format(model_id=model_id, aliases=aliases), encoding="utf-8")
    return table


def test_a_new_model_cannot_take_a_bundled_alias(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Issue: a user model aliased `gemini-2.5-flash` silently won `-m gemini-2.5-flash`."""
    table = _user_table(tmp_path, "cheap-flash", "gemini-2.5-flash")
    bundled = REPO / "pricing" / "gemini-api.yaml"
    flash_line = next(n for n, line in enumerate(bundled.read_text().splitlines(), 1)
                      if line.strip() == "- id: gemini-2.5-flash")
    with pytest.raises(PricingFileError) as caught:
        load_tables(table)
    assert str(caught.value) == (f"{table}:5: alias 'gemini-2.5-flash' of model cheap-flash already names "
                                 f"gemini-2.5-flash in {bundled}:{flash_line}; rename it (to override "
                                 "gemini-2.5-flash, use its id)")
    assert main(["estimate", "-m", "gemini-2.5-flash", "-c", "100k", "--pricing", str(table)]) == 1
    err = capsys.readouterr().err
    assert str(table) in err and str(bundled) in err and err.count("\n") == 1


def test_a_new_model_id_cannot_be_a_bundled_alias(tmp_path: Path, tables: PriceTables) -> None:
    alias = tables.find_model("gemini-1.0-pro").model.aliases[0]
    with pytest.raises(PricingFileError, match=f"id '{alias}' of model {alias} already names gemini-1.0-pro"):
        load_tables(_user_table(tmp_path, alias, "ours-1"))


def test_overriding_by_id_stays_allowed_and_keeps_the_aliases(tmp_path: Path, tables: PriceTables) -> None:
    table = _user_table(tmp_path, "gemini-1.0-pro", "gemini-1.0-pro-ours")
    merged = load_tables(table)
    bundled_alias = tables.find_model("gemini-1.0-pro").model.aliases[0]
    for name in ("gemini-1.0-pro", "gemini-1.0-pro-ours", bundled_alias):
        entry = merged.find_model(name)
        assert entry.source_file == str(table) and entry.model.periods[0].input_mtok == D("0.01")
