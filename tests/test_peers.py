"""`costcalc pricing check --against FEED`: peers' feeds parsed without floats, disagreements found exactly.

The fixtures in fixtures/peers/ were written by hand. The *_clean ones agree with the bundled gemini-api.yaml (and
vertex-ai.yaml) on 2026-11-29; each *_planted one is its clean twin with the errors listed in PLANTED_* below.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import fields
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from costcalc import CostcalcError, PriceTables, PricingFileError
from costcalc.cli.app import app
from costcalc.cli.peer_render import render_check
from costcalc.cost.request import find_period
from costcalc.cost.results import to_jsonable
from costcalc.prices.peer_check import CheckReport, check_against
from costcalc.prices.peer_feeds import PeerModel, PeerPrice, PeerPrices, load_feed

D = Decimal
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "peers"
TODAY = date(2026, 11, 29)

PLANTED_LITELLM = {
    # A stale 25% cache read: 3.125e-07 per token x 1,000,000 = 0.3125 per 1M; costcalc has 0.125 since 2025-10-08.
    ("gemini-api", "gemini-2.5-pro", "cached_mtok.lower", "differs"),
    # output_cost_per_token_above_200k_tokens 2e-05 -> 20 per 1M; the upper tier is 15.
    ("gemini-api", "gemini-2.5-pro", "output_mtok.upper", "differs"),
    # output_cost_per_token_batches 1.3e-06 -> 1.3 per 1M; Batch output is 1.25.
    ("gemini-api", "gemini-2.5-flash", "batch_output_mtok", "differs"),
    # cache_read_input_token_cost left out.
    ("gemini-api", "gemini-2.0-flash", "cached_mtok", "missing_in_peer"),
    # cache_read_input_token_cost_above_200k_tokens left out.
    ("gemini-api", "gemini-3.1-pro-preview", "cached_mtok.upper", "missing_in_peer"),
    # A Vertex cache price (3.75e-08 -> 0.0375) costcalc's vertex-ai table deliberately omits.
    ("vertex-ai", "gemini-2.0-flash", "cached_mtok", "missing_in_costcalc"),
}
PLANTED_GENAI = {
    ("gemini-api", "gemini-2.5-pro", "cached_mtok.lower", "differs"),  # 0.3125 in the 2025-10-08 price set
    ("gemini-api", "gemini-2.5-pro", "batch_input_mtok.lower", "differs"),  # batch variant base 0.6, not 0.625
    ("gemini-api", "gemini-3.1-pro-preview", "output_mtok.upper", "differs"),  # tier price 15, not 18
    ("gemini-api", "gemini-2.5-flash", "cached_mtok", "missing_in_peer"),  # cache_read_mtok left out
    # A batch variant that names no cache_read_mtok leaves the standard one (genai-prices' rule), so the two
    # planted cache errors above show in the batch cached price too.
    ("gemini-api", "gemini-2.5-pro", "batch_cached_mtok.lower", "differs"),
    ("gemini-api", "gemini-2.5-flash", "batch_cached_mtok", "missing_in_peer"),
}


def _check(tables: PriceTables, name: str, as_of: date = TODAY, platform: str | None = None) -> CheckReport:
    return check_against(tables, load_feed(FIXTURES / name), as_of, platform)


def _found(report: CheckReport) -> set[tuple[str, str, str, str]]:
    return {(d.platform, d.model, d.key, d.kind) for d in report.disagreements}


def _peer(name: str, model: str) -> PeerModel:
    return next(m for m in load_feed(FIXTURES / name).models if m.name == model)


def _write(tmp_path: Path, text: str, name: str = "feed.json") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# --- parsing: exact, float-free ---

def test_litellm_per_token_prices_become_exact_per_million() -> None:
    prices = _peer("litellm_clean.json", "gemini/gemini-2.5-pro").prices_on(TODAY)
    assert prices.input == PeerPrice(D("1.25"), ((200_000, D("2.5")),))
    # Hand-worked: 1.25e-06 per token x 1,000,000 = 1.25 per 1M tokens, exactly (no float ever held it).
    assert prices.input is not None and prices.input.base is not None
    assert prices.input.base == D("1.25") and type(prices.input.base) is Decimal
    assert prices.output == PeerPrice(D("10"), ((200_000, D("15")),))  # 1e-05 -> 10, 1.5e-05 -> 15
    assert prices.cached == PeerPrice(D("0.125"), ((200_000, D("0.25")),))  # 1.25e-07 -> 0.125
    # 6.25e-07 -> 0.625; input_cost_per_token_above_200k_tokens_batches 1.25e-06 -> 1.25
    assert prices.batch_input == PeerPrice(D("0.625"), ((200_000, D("1.25")),))
    # cache_read_input_token_cost_batches 1.25e-07 -> 0.125, its _above_200k_tokens_batches 2.5e-07 -> 0.25
    assert prices.batch_cached == PeerPrice(D("0.125"), ((200_000, D("0.25")),))


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.json")))
def test_every_parsed_price_is_a_decimal(name: str) -> None:
    feed = load_feed(FIXTURES / name)
    assert feed.models
    seen = 0
    for model in feed.models:
        for dated in (*model.standard, *model.batch):
            for item in fields(PeerPrices):
                price = getattr(dated.prices, item.name)
                if price is None:
                    continue
                for value in (price.base, *(tier_price for _, tier_price in price.tiers)):
                    assert type(value) is Decimal, (model.name, item.name, value)
                    seen += 1
    assert seen > 10


def test_float_noise_beyond_15_digits_is_rounded_but_short_figures_are_exact(tmp_path: Path) -> None:
    # 7.500000000000001e-08 is how a program prints the float nearest 0.075 / 1e6; 3.1e-07 is a real 0.31.
    path = _write(tmp_path, json.dumps({"gemini/gemini-2.0-flash": {"litellm_provider": "gemini"}})
                  .replace('"gemini"}', '"gemini", "input_cost_per_token": 7.500000000000001e-08, '
                                        '"output_cost_per_token": 3.1e-07}'))
    prices = load_feed(path).models[0].prices_on(TODAY)
    assert prices.input == PeerPrice(D("0.075"))
    assert prices.output == PeerPrice(D("0.31"))


def test_litellm_platforms_come_from_the_provider_and_other_entries_are_dropped() -> None:
    feed = load_feed(FIXTURES / "litellm_clean.json")
    assert feed.format == "litellm" and feed.peer == "LiteLLM"
    platforms = {m.name: (m.platform, m.lookup) for m in feed.models}
    assert platforms["gemini/gemini-2.5-pro"] == ("gemini-api", "gemini-2.5-pro")
    assert platforms["gemini-2.0-flash"] == ("vertex-ai", "gemini-2.0-flash")  # vertex_ai-language-models
    assert "sample_spec" not in platforms and "gpt-4o" not in platforms


def test_genai_prices_fixtures_have_genai_prices_own_shape() -> None:
    """genai-prices' own loader accepts the fixture, and reads the same base prices on the date."""
    types = pytest.importorskip("genai_prices.types")
    load = getattr(types, "_providers_from_raw", None)
    if load is None:
        pytest.skip("this genai-prices has no _providers_from_raw")
    for name in ("genai_prices_clean.json", "genai_prices_planted.json", "genai_prices_real.json"):
        google = next(p for p in load(json.loads((FIXTURES / name).read_text())) if p.id == "google")
        for theirs in google.models:
            when = datetime(2026, 11, 29, tzinfo=timezone.utc)
            standard, batch = theirs.get_prices(when), theirs.get_prices(when, {"processing": "batch"})
            ours = _peer(name, theirs.id).prices_on(TODAY)
            for mine, field_name, source in ((ours.input, "input_mtok", standard), (ours.cached, "cache_read_mtok",
                                             standard), (ours.batch_input or ours.input, "input_mtok", batch),
                                             (ours.batch_cached or ours.cached, "cache_read_mtok", batch),
                                             (ours.batch_output or ours.output, "output_mtok", batch)):
                value = getattr(source, field_name)
                expected = getattr(value, "base", value)
                assert (mine.base if mine else None) == expected, (name, theirs.id, field_name)


def test_genai_prices_takes_the_price_set_in_force_on_the_date() -> None:
    model = _peer("genai_prices_clean.json", "gemini-2.5-pro")
    before, after = model.prices_on(date(2025, 10, 7)), model.prices_on(date(2025, 10, 8))
    assert before.cached is not None and before.cached.base == D("0.31")  # the unconstrained first price set
    assert after.cached is not None and after.cached.base == D("0.125")  # constraint start_date 2025-10-08
    assert before.batch_input is None  # the batch variant starts 2026-10-14
    assert model.prices_on(TODAY).batch_input == PeerPrice(D("0.625"), ((200_000, D("1.25")),))


def test_genai_prices_v3_object_shape_is_read(tmp_path: Path) -> None:
    providers = json.loads((FIXTURES / "genai_prices_clean.json").read_text())
    path = _write(tmp_path, json.dumps({"units": {}, "providers": providers}))
    assert [m.name for m in load_feed(path).models] == [m.name for m in load_feed(
        FIXTURES / "genai_prices_clean.json").models]


# --- comparison ---

@pytest.mark.parametrize("name", ["litellm_clean.json", "genai_prices_clean.json"])
def test_clean_feeds_agree(tables: PriceTables, name: str) -> None:
    report = _check(tables, name)
    assert report.ok
    assert report.disagreements == ()
    assert len(report.compared_models) >= 4


def test_litellm_planted_errors_are_exactly_what_is_found(tables: PriceTables) -> None:
    report = _check(tables, "litellm_planted.json")
    assert _found(report) == PLANTED_LITELLM
    assert not report.ok
    stale = next(d for d in report.disagreements if d.key == "cached_mtok.lower")
    assert (stale.ours, stale.theirs, stale.peer_name) == (D("0.125"), D("0.3125"), "gemini/gemini-2.5-pro")
    assert {d.model for d in report.disagreements} >= {"gemini-2.5-pro"}


def test_genai_prices_planted_errors_are_exactly_what_is_found(tables: PriceTables) -> None:
    report = _check(tables, "genai_prices_planted.json")
    assert _found(report) == PLANTED_GENAI
    upper = next(d for d in report.disagreements if d.key == "output_mtok.upper")
    assert (upper.ours, upper.theirs) == (D("18.00"), D("15"))


def test_comparison_is_exact_on_the_date_asked(tables: PriceTables) -> None:
    # On 2025-09-01 costcalc's 2.5 Pro cache read is 0.31 (rounded by Google) and the planted feed says 0.3125:
    # that is a disagreement, not a rounding match. The clean feed says 0.31 then and agrees.
    planted = _check(tables, "genai_prices_planted.json", date(2025, 9, 1))
    assert ("gemini-api", "gemini-2.5-pro", "cached_mtok.lower", "differs") in _found(planted)
    clean = _check(tables, "genai_prices_clean.json", date(2025, 9, 1))
    # Only the batch prices are missing: the feed's batch variant starts 2026-10-14.
    assert {(d.key, d.kind) for d in clean.disagreements if d.model == "gemini-2.5-pro"} == {
        (f"batch_{name}_mtok.{tier}", "missing_in_peer") for name in ("input", "output", "cached")
        for tier in ("lower", "upper")}
    # gemini-3.1-pro-preview was not priced yet: skipped, not compared.
    assert [(m.model, m.reason) for m in clean.skipped_models] == [
        ("gemini-3.1-pro-preview", "no costcalc price on 2025-09-01")]


def test_a_price_one_side_lacks_is_a_disagreement_too(tables: PriceTables) -> None:
    report = _check(tables, "litellm_planted.json", platform="vertex-ai")
    assert _found(report) == {("vertex-ai", "gemini-2.0-flash", "cached_mtok", "missing_in_costcalc")}
    assert not report.ok


def test_comparing_nothing_is_not_ok(tables: PriceTables) -> None:
    report = _check(tables, "litellm_clean.json", date(2000, 1, 1))
    assert report.compared_models == () and not report.ok


def test_counts_of_compared_skipped_and_unmatched(tables: PriceTables) -> None:
    report = _check(tables, "litellm_clean.json")
    assert {(m.platform, m.model, m.peer_name) for m in report.compared_models} == {
        ("gemini-api", "gemini-2.0-flash", "gemini/gemini-2.0-flash"),
        ("gemini-api", "gemini-2.5-flash", "gemini/gemini-2.5-flash"),
        ("gemini-api", "gemini-2.5-pro", "gemini/gemini-2.5-pro"),
        ("gemini-api", "gemini-3.1-pro-preview", "gemini/gemini-3.1-pro-preview"),
        ("vertex-ai", "gemini-2.0-flash", "gemini-2.0-flash"),
    }
    # gemini-2.0-flash-001 is costcalc's alias of gemini-2.0-flash, which the feed also names by id.
    assert [(m.peer_name, m.reason) for m in report.skipped_models] == [
        ("gemini/gemini-2.0-flash-001",
         "another name of gemini-2.0-flash, compared as the peer's gemini/gemini-2.0-flash")]
    assert report.unmatched_feed_models == 2  # gemini/gemini-exp-1206 and vertex_ai/claude-sonnet-4
    # gemini-2.5-flash-image names a costcalc model since the tables have image models.
    assert _check(tables, "genai_prices_clean.json").unmatched_feed_models == 0


def test_genai_match_rule_pairs_a_model_only_when_it_names_exactly_one(tables: PriceTables, tmp_path: Path) -> None:
    def model(model_id: str, rule: dict[str, Any]) -> dict[str, Any]:
        return {"id": model_id, "match": rule, "prices": {"input_mtok": 1.5, "output_mtok": 9, "cache_read_mtok": 0.15}}

    google = {"id": "google", "name": "Google", "api_pattern": "x", "models": [
        model("flash-three-five", {"or": [{"equals": "gemini-3.5-flash"}, {"equals": "gemini-3.5-flash-001"}]}),
        model("some-flash", {"starts_with": "gemini-3.6"}),  # costcalc has only gemini-3.6-flash there
        model("any-gemini-4", {"regex": "^gemini-4-"}),  # four candidates: not paired
    ]}
    report = check_against(tables, load_feed(_write(tmp_path, json.dumps([google]))), TODAY)
    assert {(m.model, m.peer_name) for m in report.compared_models} == {
        ("gemini-3.5-flash", "flash-three-five"), ("gemini-3.6-flash", "some-flash")}
    assert report.unmatched_feed_models == 1


def test_unloaded_platform_is_the_users_error(tables: PriceTables) -> None:
    only_api = PriceTables()
    for path, price_file in tables.files:
        if price_file.platform == "gemini-api":
            only_api.add(path, price_file)
    with pytest.raises(CostcalcError, match="no price table for platform 'vertex-ai'"):
        check_against(only_api, load_feed(FIXTURES / "litellm_clean.json"), TODAY, "vertex-ai")
    # Without --platform only the loaded platforms are checked: the Vertex entries are not even counted.
    report = check_against(only_api, load_feed(FIXTURES / "litellm_clean.json"), TODAY)
    assert {m.platform for m in report.compared_models} == {"gemini-api"}
    assert report.unmatched_feed_models == 1


# --- bad files: one line, file:line first ---

@pytest.mark.parametrize("text", ['{"foo": 1}', "[]", "[1, 2]", '{"models": []}', '"prices"', "{}"])
def test_unknown_format_is_one_line(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, text)
    with pytest.raises(PricingFileError) as error:
        load_feed(path)
    message = str(error.value)
    assert message.startswith(f"{path}:1: not a LiteLLM or genai-prices price feed; ")
    assert "\n" not in message


def test_invalid_json_names_the_line(tmp_path: Path) -> None:
    path = _write(tmp_path, '{\n  "gemini/x": {\n    "input_cost_per_token": 1e-06,,\n  }\n}\n')
    with pytest.raises(PricingFileError, match=rf"^{re.escape(str(path))}:3: invalid JSON: Expecting property name"):
        load_feed(path)


def test_yaml_price_table_is_not_a_feed() -> None:
    with pytest.raises(PricingFileError, match=r":\d+: invalid JSON: "):
        load_feed(Path(__file__).resolve().parent.parent / "pricing" / "gemini-api.yaml")


@pytest.mark.parametrize(("value", "message"), [("NaN", "NaN is not a number"), ('"1.25e-06"', "not a number"),
                                                ("-1e-06", "is negative"), ("true", "not a number")])
def test_a_price_that_is_not_a_number_is_refused_at_its_line(tmp_path: Path, value: str, message: str) -> None:
    path = _write(tmp_path, '{\n  "sample_spec": {},\n  "gemini/gemini-2.5-pro": {\n    "litellm_provider": '
                            f'"gemini",\n    "input_cost_per_token": {value}\n  }}\n}}\n')
    with pytest.raises(PricingFileError, match=rf"^{re.escape(str(path))}:\d: .*{message}") as error:
        load_feed(path)
    assert "\n" not in str(error.value)


def test_a_huge_file_is_refused_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.json"
    path.touch()
    os.truncate(path, 50 * 1024 * 1024 + 1)  # sparse: no disk used

    def no_reading(*args: object, **kwargs: object) -> None:
        raise AssertionError("the file was opened")

    monkeypatch.setattr(Path, "open", no_reading)
    with pytest.raises(PricingFileError, match=rf"^{re.escape(str(path))}:1: file is 52,428,801 bytes; .*limited to"):
        load_feed(path)


def test_a_missing_file_is_one_line(tmp_path: Path) -> None:
    with pytest.raises(PricingFileError, match=r"^.*nope\.json:1: cannot read the price feed"):
        load_feed(tmp_path / "nope.json")


# --- output ---

def test_render_lists_each_disagreement_and_a_verdict(tables: PriceTables, capsys: pytest.CaptureFixture[str]) -> None:
    render_check(_check(tables, "litellm_planted.json"))
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "cached_mtok.lower" in line)
    assert "gemini-2.5-pro" in row and "$0.125" in row and "$0.3125" in row and "differs" in row
    assert "missing in costcalc" in out and "missing in peer" in out
    assert "DISAGREE: 44 figure(s) compared, 3 differ, 3 missing on one side" in out
    render_check(_check(tables, "genai_prices_clean.json"))
    out = capsys.readouterr().out
    assert "$0.3125" not in out and "ok: 48 figure(s) compared, 0 differ, 0 missing on one side" in out


def test_report_json_has_exact_decimal_strings_and_the_verdict(tables: PriceTables) -> None:
    data = to_jsonable(_check(tables, "litellm_planted.json"))
    assert data["ok"] is False and data["peer"] == "LiteLLM" and data["as_of"] == "2026-11-29"
    stale = next(d for d in data["disagreements"] if d["key"] == "cached_mtok.lower")
    assert (stale["ours"], stale["theirs"], stale["kind"]) == ("0.125", "0.3125", "differs")
    json.dumps(data)


def test_cli_exit_code_follows_ok() -> None:
    runner = CliRunner()
    base = ["pricing", "check", "--as-of", "2026-11-29", "--against"]
    clean = runner.invoke(app, [*base, str(FIXTURES / "genai_prices_clean.json")])
    assert clean.exit_code == 0, clean.output
    planted = runner.invoke(app, [*base, str(FIXTURES / "genai_prices_planted.json"), "--format", "json"])
    assert planted.exit_code == 1
    assert json.loads(planted.stdout)["ok"] is False


# --- the real feeds (fixtures/peers/README.md: LiteLLM 1.110.2, genai-prices 0.2.3, copied 2026-11-29) ---

def _figures(report: CheckReport, model: str, peer_name: str | None = None) -> dict[str, tuple[Any, Any, str]]:
    return {f.field: (f.ours, f.peer, f.status) for f in report.compared_figures
            if f.model == model and (peer_name is None or f.peer_name == peer_name)}


def _ours(tables: PriceTables, model: str, field_name: str) -> Decimal | None:
    """costcalc's flat figure on TODAY, read from the tables (other helpers may add figures the feeds have)."""
    value = getattr(find_period(tables.find_model(model, "gemini-api").model, TODAY), field_name)
    assert value is None or isinstance(value, Decimal)
    return value


def _expected(ours: Decimal | int | None, peer: Decimal | int) -> tuple[Any, Any, str]:
    return ours, peer, "missing" if ours is None else ("agree" if ours == peer else "differ")


def test_real_litellm_batch_cached_reasoning_and_counts(tables: PriceTables) -> None:
    report = _check(tables, "litellm_real.json")
    flash = _figures(report, "gemini-3.5-flash", "gemini/gemini-3.5-flash")
    # cache_read_input_token_cost_batches 7.5e-08 per token x 1,000,000 = $0.075 per 1M.
    assert flash["batch_cached_mtok"] == _expected(_ours(tables, "gemini-3.5-flash", "batch_cached_mtok"), D("0.075"))
    # input_cost_per_token_batches 7.5e-07 -> 0.75, output_cost_per_token_batches 4.5e-06 -> 4.5
    assert flash["batch_input_mtok"] == (D("0.75"), D("0.75"), "agree")
    assert flash["batch_output_mtok"] == (D("4.50"), D("4.5"), "agree")
    # output_cost_per_reasoning_token 9e-06 -> 9, against costcalc's output price (thinking is billed as output)
    assert flash["reasoning_output_mtok"] == (D("9.00"), D("9"), "agree")
    assert flash["min_cache_tokens"] == (4096, 4096, "agree")  # prompt_cache_min_tokens
    assert flash["context_window_tokens"] == (1_048_576, 1_048_576, "agree")  # max_input_tokens
    argon = _figures(report, "gemini-4-argon")
    # 5e-08 per token -> 0.05 per 1M
    assert argon["batch_cached_mtok"] == _expected(_ours(tables, "gemini-4-argon", "batch_cached_mtok"), D("0.05"))
    assert argon["min_cache_tokens"] == (4096, 4096, "agree")  # written 4096.0 in the feed
    assert argon["context_window_tokens"][1:] == (1_048_576, "missing" if argon["context_window_tokens"][0] is None
                                                  else "agree")
    pro = _figures(report, "gemini-2.5-pro")
    # cache_read_input_token_cost_above_200k_tokens_batches 2.5e-07 -> 0.25, costcalc's upper batch cached tier
    assert pro["batch_cached_mtok.upper"] == (D("0.25"), D("0.25"), "agree")
    assert pro["batch_output_mtok.upper"] == (D("7.50"), D("7.5"), "agree")  # ..._above_200k_tokens_batches 7.5e-06
    assert "reasoning_output_mtok" not in pro  # the feed states none for 2.5 Pro: nothing to compare
    # 3.5 Flash-Lite's batch prices in the feed: 1.5e-07 -> 0.15 and 1.25e-06 -> 1.25, compared whether or not
    # costcalc has them (a price only the peer has is `missing`).
    lite = _figures(report, "gemini-3.5-flash-lite")
    assert lite["batch_input_mtok"] == _expected(_ours(tables, "gemini-3.5-flash-lite", "batch_input_mtok"),
                                                 D("0.15"))
    assert lite["batch_output_mtok"] == _expected(_ours(tables, "gemini-3.5-flash-lite", "batch_output_mtok"),
                                                  D("1.25"))
    assert report.nothing_compared is None and not report.ok


def test_real_genai_prices_names_in_another_order_are_matched(tables: PriceTables) -> None:
    report = _check(tables, "genai_prices_real.json")
    assert ("gemini-api", "gemini-1.5-flash-8b", "gemini-flash-1.5-8b") in {
        (m.platform, m.model, m.peer_name) for m in report.compared_models}
    eight_b = _figures(report, "gemini-1.5-flash-8b", "gemini-flash-1.5-8b")
    # genai-prices: input_mtok {base 0.0375, tiers [{start 128000, price 0.075}]}; costcalc's threshold is 128k.
    assert eight_b["input_mtok.lower"] == (D("0.0375"), D("0.0375"), "agree")
    assert eight_b["input_mtok.upper"] == (D("0.075"), D("0.075"), "agree")
    assert eight_b["cached_mtok.lower"] == (D("0.01"), D("0.01"), "agree")
    assert eight_b["context_window_tokens"] == (1_048_576, 1_000_000, "differ")
    # The feed also has gemini-flash-1.5 beside gemini-1.5-flash: a second name, skipped and said why.
    assert ("gemini-flash-1.5", "another name of gemini-1.5-flash, compared as the peer's gemini-1.5-flash") in {
        (m.peer_name, m.reason) for m in report.skipped_models}
    # genai-prices' 3.5 Flash has no batch variant: costcalc's batch prices are one-sided.
    flash = _figures(report, "gemini-3.5-flash")
    assert flash["batch_input_mtok"] == (D("0.75"), None, "missing")
    # gemini-4-argon's batch variant that started 2026-10-14 names cache_read_mtok 0.05.
    assert _figures(report, "gemini-4-argon")["batch_cached_mtok"] == _expected(
        _ours(tables, "gemini-4-argon", "batch_cached_mtok"), D("0.05"))


def test_every_disagreement_is_a_compared_figure_and_json_lists_them(tables: PriceTables) -> None:
    for name in ("litellm_real.json", "genai_prices_real.json"):
        report = _check(tables, name)
        listed = {(f.platform, f.model, f.peer_name, f.field) for f in report.compared_figures if f.status != "agree"}
        assert listed == {(d.platform, d.model, d.peer_name, d.key) for d in report.disagreements}
        for figure in report.compared_figures:  # status follows the two figures, brute force
            expected = "missing" if None in (figure.ours, figure.peer) else (
                "agree" if figure.ours == figure.peer else "differ")
            assert figure.status == expected
        compared = {(m.platform, m.model, m.peer_name) for m in report.compared_models}
        assert {(f.platform, f.model, f.peer_name) for f in report.compared_figures} == compared
        data = to_jsonable(report)
        entry = next(f for f in data["compared_figures"] if f["field"] == "batch_cached_mtok"
                     and f["model"] == "gemini-4-argon")
        ours = _ours(tables, "gemini-4-argon", "batch_cached_mtok")
        assert entry == {"platform": "gemini-api", "model": "gemini-4-argon", "peer_name": entry["peer_name"],
                         "field": "batch_cached_mtok", "ours": None if ours is None else to_jsonable(ours),
                         "peer": "0.05", "status": _expected(ours, D("0.05"))[2]}


def test_a_feed_with_nothing_to_compare_says_so_in_words(tables: PriceTables) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["pricing", "check", "--as-of", "2026-11-29", "--platform", "vertex-ai",
                                 "--against", str(FIXTURES / "genai_prices_real.json")])
    assert result.exit_code == 1
    assert result.stdout == "NOTHING COMPARED: the genai-prices feed lists no vertex-ai models (as of 2026-11-29)\n"
    assert "differ" not in result.stdout
    report = _check(tables, "litellm_real.json", date(2023, 1, 1), "vertex-ai")
    assert report.compared_figures == () and not report.ok
    skipped = report.nothing_compared or ""
    assert skipped.startswith("each of the ") and "LiteLLM model(s) that name a costcalc model was skipped" in skipped


def test_names_in_another_order_match_generally(tables: PriceTables, tmp_path: Path) -> None:
    def model(model_id: str) -> dict[str, Any]:
        return {"id": model_id, "match": {"equals": model_id}, "prices": {"input_mtok": 1, "output_mtok": 2}}

    google = {"id": "google", "name": "Google", "api_pattern": "x", "models": [
        model("gemini-pro-1.5"), model("flash-gemini-2.5"), model("gemini-flash-3.5-lite"), model("gemini-flash")]}
    report = check_against(tables, load_feed(_write(tmp_path, json.dumps([google]))), TODAY)
    assert {(m.model, m.peer_name) for m in report.compared_models} == {
        ("gemini-1.5-pro", "gemini-pro-1.5"), ("gemini-2.5-flash", "flash-gemini-2.5"),
        ("gemini-3.5-flash-lite", "gemini-flash-3.5-lite")}
    assert report.unmatched_feed_models == 1  # gemini-flash: no costcalc id has exactly those parts


def test_all_lists_agreeing_figures_too() -> None:
    base = ["pricing", "check", "--as-of", "2026-11-29", "--against", str(FIXTURES / "litellm_clean.json")]
    quiet, every = CliRunner().invoke(app, base), CliRunner().invoke(app, [*base, "--all"])
    assert quiet.exit_code == every.exit_code == 0
    assert "│ agree" not in quiet.stdout
    row = next(line for line in every.stdout.splitlines() if "gemini-2.5-pro" in line and "batch_cached_mtok.upper"
               in line)
    assert row.count("$0.25") == 2 and row.rstrip().endswith("agree")  # 2.5e-07 per token x 1e6 = 0.25 per 1M
    assert every.stdout.count("│ agree") == 43  # every figure of the clean feed agrees
