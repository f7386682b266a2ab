"""Per-modality prices in the tables: the figures, the invariants guarding them, diff, `prices`, `pricing check`."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.cli.app import app
from costcalc.prices.confidence import figures_that_differ
from costcalc.prices.diff import FieldChange, PriceChange, diff_tables
from costcalc.prices.model import find_period
from costcalc.prices.peer_check import ComparedFigure, check_against, load_feed
from costcalc.prices.schema import TieredPrice
from costcalc.prices.tables import PriceTables, load_tables
from costcalc.prices.validation import validate_text
from tests.conftest import REPO

runner = CliRunner()
PEERS = REPO / "tests" / "fixtures" / "peers"
TODAY = date(2026, 11, 29)

# A minimal valid table; each test breaks one thing in it.
TABLE = """\
platform: gemini-api
models:
  - id: test-model
    name: Test model
    caching: explicit
    periods:
      - effective: 2025-01-01
        checked: 2025-01-02
        sources: ["https://example.com/pricing"]
        input_mtok: "0.30"
        output_mtok: "2.50"
        cached_mtok: "0.03"
        storage_mtok_hour: "1.00"
        batch_input_mtok: "0.15"
        batch_output_mtok: "1.25"
        audio_input_mtok: "1.00"
        audio_cached_mtok: "0.10"
        batch_audio_input_mtok: "0.50"
"""


def _problems(text: str) -> list[str]:
    _, messages = validate_text(Path("t.yaml"), text, today=date(2026, 1, 1))
    return messages


def _with(extra: str, text: str = TABLE) -> str:
    return text + "".join(f"        {line}\n" for line in extra.strip().splitlines())


def test_the_minimal_table_is_valid() -> None:
    assert _problems(TABLE) == []


def test_cached_audio_above_audio_input_is_refused() -> None:
    broken = TABLE.replace('audio_cached_mtok: "0.10"', 'audio_cached_mtok: "1.10"')
    [message] = _problems(broken)
    assert message.startswith("t.yaml:17: ") and "audio_cached_mtok 1.10 is above audio_input_mtok 1.00" in message


def test_a_batch_audio_price_needs_its_standard_price() -> None:
    broken = TABLE.replace('        audio_input_mtok: "1.00"\n', "").replace('        audio_cached_mtok: "0.10"\n', "")
    [message] = [m for m in _problems(broken) if "batch_audio_input_mtok" in m]
    assert "batch_audio_input_mtok is set without audio_input_mtok" in message
    assert "batch_image_output_mtok is set without image_output_mtok" in " ".join(
        _problems(_with('batch_image_output_mtok: "15.00"')))


def test_tiered_audio_needs_a_threshold_and_a_threshold_needs_tiered_audio() -> None:
    tiered = TABLE.replace('audio_input_mtok: "1.00"', 'audio_input_mtok: {lower: "1.00", upper: "2.00"}')
    assert any("audio_input_mtok is split in tiers but test-model has no long_context_threshold" in m
               for m in _problems(tiered))
    with_threshold = TABLE.replace("    caching: explicit\n",
                                   "    caching: explicit\n    long_context_threshold: 200000\n")
    flat = [m for m in _problems(with_threshold) if "one flat price" in m]
    # Three flat audio figures on a model with a threshold; the text figures stay as they are (the rule is new).
    assert len(flat) == 3 and all("has a long-context threshold" in m for m in flat)


def test_cached_audio_without_caching_is_refused() -> None:
    broken = TABLE.replace("caching: explicit", "caching: none").replace('        cached_mtok: "0.03"\n', "") \
        .replace('        storage_mtok_hour: "1.00"\n', "")
    assert any("caching: none but a cached audio price" in m for m in _problems(broken))


def test_image_sizes_need_the_image_token_price_and_positive_tokens() -> None:
    no_rate = _with('image_output_sizes: [{size: "1K", tokens: 1290, usd_per_image: "0.039"}]')
    assert any("image_output_sizes needs image_output_mtok" in m for m in _problems(no_rate))
    zero = _with('image_output_mtok: "30"\nimage_output_sizes: [{size: "1K", tokens: 0, usd_per_image: "0.039"}]')
    assert any("tokens must be positive, got 0" in m for m in _problems(zero))


def test_a_per_image_price_must_equal_its_tokens_at_the_image_rate_to_half_a_cent() -> None:
    # 1,290 tokens x $30 / 1M = $0.0387, published as $0.039: 0.0003 apart, within $0.005.
    good = _with('image_output_mtok: "30.00"\nimage_output_sizes: [{size: "1K", tokens: 1290, usd_per_image: "0.039"}]')
    assert _problems(good) == []
    # 1,290 x $30 / 1M = $0.0387 against $0.045: 0.0063 apart, more than $0.005.
    bad = good.replace('usd_per_image: "0.039"', 'usd_per_image: "0.045"')
    [message] = _problems(bad)
    assert "1,290 tokens x $30.00 / 1M = $0.0387, not $0.045" in message
    # Exactly at the edge: 1,000 x $30 / 1M = $0.030 against $0.035 is $0.005 apart, still accepted.
    edge = _with('image_output_mtok: "30"\nimage_output_sizes: [{size: "S", tokens: 1000, usd_per_image: "0.035"}]')
    assert _problems(edge) == []


def test_bundled_image_sizes_work_out_by_hand(tables: PriceTables) -> None:
    flash = find_period(tables.find_model("gemini-2.5-flash-image").model, TODAY)
    pro = find_period(tables.find_model("gemini-3-pro-image-preview").model, TODAY)
    # 1,290 x $30 / 1M = $0.0387 ~ $0.039
    assert flash.image_output_mtok == D("30.00") and [(s.tokens, s.usd_per_image) for s in flash.image_output_sizes] \
        == [(1290, D("0.039"))]
    # 1,120 x $120 / 1M = $0.1344 ~ $0.134; 2,000 x $120 / 1M = $0.24
    assert pro.image_output_mtok == D("120.00") and [(s.tokens, s.usd_per_image) for s in pro.image_output_sizes] \
        == [(1120, D("0.134")), (2000, D("0.24"))]
    assert pro.batch_image_output_mtok == pro.image_output_mtok / 2  # $60: the page's $0.067 / $0.12 per image


@pytest.mark.parametrize(("model", "day", "audio", "cached", "batch", "batch_cached"), [
    ("gemini-2.5-flash", date(2025, 5, 1), "1.00", None, None, None),
    ("gemini-2.5-flash", date(2025, 7, 1), "1.00", "0.25", None, None),  # 75% era: 25% of $1.00
    ("gemini-2.5-flash", date(2025, 8, 1), "1.00", "0.25", "0.50", "0.25"),
    ("gemini-2.5-flash", date(2025, 11, 1), "1.00", "0.10", "0.50", "0.10"),  # 90% era
    ("gemini-2.0-flash", date(2025, 8, 1), "0.70", "0.175", "0.35", "0.175"),
    ("gemini-2.5-flash-lite", date(2025, 7, 10), "0.50", "0.125", "0.25", "0.125"),  # preview
    ("gemini-2.5-flash-lite", date(2025, 8, 1), "0.30", "0.125", "0.15", "0.125"),  # GA changed only audio
    ("gemini-2.5-flash-lite", date(2025, 11, 1), "0.30", "0.03", "0.15", "0.03"),
    ("gemini-3-flash-preview", TODAY, "1.00", "0.10", "0.50", "0.10"),
    ("gemini-3.1-flash-lite", TODAY, "0.50", "0.05", "0.25", "0.025"),
    ("gemini-3.5-flash-lite", TODAY, "0.30", "0.03", "0.15", "0.02"),
])
def test_audio_prices_in_force(tables: PriceTables, model: str, day: date, audio: str, cached: str | None,
                               batch: str | None, batch_cached: str | None) -> None:
    period = find_period(tables.find_model(model).model, day)
    shown = (period.audio_input_mtok, period.audio_cached_mtok, period.batch_audio_input_mtok,
             period.batch_audio_cached_mtok)
    assert shown == tuple(None if v is None else D(v) for v in (audio, cached, batch, batch_cached))


def test_one_input_price_is_repeated_tier_by_tier_and_marked_derived(tables: PriceTables) -> None:
    period = find_period(tables.find_model("gemini-2.5-pro").model, TODAY)
    assert period.audio_input_mtok == period.input_mtok == TieredPrice(D("1.25"), D("2.50"))
    assert period.batch_audio_cached_mtok == period.batch_cached_mtok
    assert any(line.startswith("audio input derived: the text input price") for line in figures_that_differ(period))


def test_models_without_an_audio_price_leave_it_out(tables: PriceTables) -> None:
    for model in ("gemini-1.0-pro", "gemini-3.8-flash", "gemini-4-argon"):
        assert find_period(tables.find_model(model).model, date(2024, 6, 1) if model == "gemini-1.0-pro"
                           else TODAY).audio_input_mtok is None


def test_disputed_3_5_flash_audio_is_peer_reported(tables: PriceTables) -> None:
    period = find_period(tables.find_model("gemini-3.5-flash").model, TODAY)
    assert period.audio_input_mtok == D("1.50")
    assert "audio input peer-reported" in figures_that_differ(period)
    assert period.note is not None and "disputed" in period.note


def test_live_model_prices_audio_video_and_audio_output_apart(tables: PriceTables) -> None:
    live = find_period(tables.find_model("gemini-2.5-flash-native-audio-latest").model, TODAY)
    assert (live.input_mtok, live.audio_input_mtok, live.video_input_mtok, live.output_mtok, live.audio_output_mtok) \
        == (D("0.50"), D("3.00"), D("3.00"), D("2.00"), D("12.00"))
    assert tables.find_model("gemini-2.5-flash-native-audio-latest").model.caching == "none"


def test_diff_lists_a_changed_audio_price_and_changed_image_sizes(tmp_path: Path) -> None:
    bundled = (REPO / "pricing" / "gemini-api.yaml").read_text(encoding="utf-8")
    old_line = '        audio_input_mtok: "1.50"\n'
    assert bundled.count(old_line) == 1
    changed = bundled.replace(old_line, '        audio_input_mtok: "1.00"\n').replace(
        '{size: "4K", tokens: 2000, usd_per_image: "0.24"}', '{size: "4K", tokens: 2000, usd_per_image: "0.241"}')
    (tmp_path / "old.yaml").write_text(bundled, encoding="utf-8")
    (tmp_path / "new.yaml").write_text(changed, encoding="utf-8")
    diff = diff_tables(load_tables(tmp_path / "old.yaml", bundled=False),
                       load_tables(tmp_path / "new.yaml", bundled=False))
    models = {model.id: model for model in diff.platforms[0].models}
    # (1.00 - 1.50) / 1.50 x 100 = -33.33%
    assert models["gemini-3.5-flash"].periods[0].prices == (
        PriceChange("audio_input_mtok", "flat", D("1.50"), D("1.00"), D("-33.33")),)
    [sizes] = models["gemini-3-pro-image-preview"].periods[0].fields
    assert isinstance(sizes, FieldChange) and sizes.field == "image_output_sizes"
    result = runner.invoke(app, ["pricing", "diff", str(tmp_path / "old.yaml"), str(tmp_path / "new.yaml")])
    assert "-33.33%" in result.stdout and "$0.241 per image" in result.stdout


def test_prices_shows_modality_prices_in_table_and_json() -> None:
    table = runner.invoke(app, ["prices", "gemini-3-pro-image-preview"]).stdout
    assert "image output $120.00" in table and "4K image 2,000 tok = $0.24" in table
    data = json.loads(runner.invoke(app, ["prices", "gemini-2.5-flash", "--format", "json"]).stdout)
    period = data["periods_shown"][0]
    assert (period["audio_input_mtok"], period["audio_cached_mtok"], period["batch_audio_input_mtok"]) \
        == ("1", "0.1", "0.5")
    assert data["confidence_shown"][0]["figures"]["audio_cached_mtok"] == "confirmed"


def _audio(report_figures: tuple[ComparedFigure, ...]) -> dict[tuple[str, str], ComparedFigure]:
    return {(f.model, f.field): f for f in report_figures if "audio" in f.field or "image" in f.field}


def test_genai_prices_real_feed_audio_figures(tables: PriceTables) -> None:
    report = check_against(tables, load_feed(PEERS / "genai_prices_real.json"), TODAY, "gemini-api")
    shown = _audio(report.compared_figures)
    # genai-prices 0.2.3: gemini-2.5-flash input_audio_mtok 1, cache_audio_read_mtok 0.1; batch variant 0.5.
    assert (shown["gemini-2.5-flash", "audio_input_mtok"].peer, shown["gemini-2.5-flash", "audio_cached_mtok"].peer,
            shown["gemini-2.5-flash", "batch_audio_input_mtok"].peer) == (D("1"), D("0.1"), D("0.5"))
    assert shown["gemini-3.1-flash-lite", "batch_audio_cached_mtok"].peer == D("0.025")
    assert shown["gemini-3-pro-image-preview", "batch_image_output_mtok"].peer == D("60")
    audio = [f for f in shown.values() if "audio" in f.field]
    assert len(audio) == 20 and all(f.status == "agree" for f in audio)


def test_litellm_real_feed_audio_and_per_image_figures(tables: PriceTables) -> None:
    report = check_against(tables, load_feed(PEERS / "litellm_real.json"), TODAY, "gemini-api")
    shown = _audio(report.compared_figures)
    # LiteLLM 1.110.2: input_cost_per_audio_token 1e-06 x 1,000,000 = $1.00; output_cost_per_image 0.039 per image.
    assert shown["gemini-2.5-flash", "audio_input_mtok"].status == "agree"
    assert shown["gemini-2.5-flash-image", "image_output_usd_per_image"].peer == D("0.039")
    assert shown["gemini-2.5-flash-image", "image_output_usd_per_image"].status == "agree"
    assert shown["gemini-3.5-flash", "audio_input_mtok"].peer == D("1.50")
    # LiteLLM gives the image model an audio price costcalc does not have: listed, never silently agreed.
    assert shown["gemini-2.5-flash-image", "audio_input_mtok"].status == "missing"
    audio = [f for f in shown.values() if "audio" in f.field]
    assert len(audio) == 23 and sum(f.status != "agree" for f in audio) == 2
