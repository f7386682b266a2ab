"""estimate and breakeven with audio and video: each modality at its own price, worked by hand.

The bundled tables may not carry audio prices for every model, so these tests price against a small table of
their own with the figures of the Gemini API pricing page (https://ai.google.dev/gemini-api/docs/pricing):
2.5 Flash in the 90% era (text $0.30, cached $0.03, audio $1.00, cached audio $0.10, storage $1.00/h, batch
halves input) and 2.5 Pro (text and audio $1.25 / $2.50 across the 200k cliff, cached $0.125 / $0.25).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc import PricedModel, PriceTables, Workload, break_even, estimate, load_tables
from costcalc.cli.app import app
from costcalc.errors import CostcalcError
from costcalc.units import parse_duration, parse_tokens_or_duration

D = Decimal
DAY = date(2026, 1, 15)
_PERIOD = """
      - effective: 2025-10-08
        checked: 2026-01-01
        sources: ["https://ai.google.dev/gemini-api/docs/pricing"]
"""
TABLE = f"""
platform: gemini-api
default_ttl_seconds: 3600
min_ttl_seconds: 0
models:
  - id: gemini-2.5-flash
    name: Gemini 2.5 Flash (audio test table)
    context_window_tokens: 1048576
    caching: explicit
    implicit_caching_since: 2025-05-08
    min_cache_tokens:
      - {{tokens: 1024, doc_date: 2025-05-08, source: "https://ai.google.dev/gemini-api/docs/caching"}}
    periods:{_PERIOD}        input_mtok: "0.30"
        output_mtok: "2.50"
        cached_mtok: "0.03"
        storage_mtok_hour: "1.00"
        batch_input_mtok: "0.15"
        batch_output_mtok: "1.25"
        batch_cached_mtok: "0.03"
        batch_storage_mtok_hour: "1.00"
        audio_input_mtok: "1.00"
        audio_cached_mtok: "0.10"
        batch_audio_input_mtok: "0.50"
        batch_audio_cached_mtok: "0.10"
  - id: gemini-2.5-pro
    name: Gemini 2.5 Pro (audio test table)
    context_window_tokens: 1048576
    caching: explicit
    long_context_threshold: 200000
    min_cache_tokens:
      - {{tokens: 4096, doc_date: 2025-05-08, source: "https://ai.google.dev/gemini-api/docs/caching"}}
    periods:{_PERIOD}        input_mtok: {{lower: "1.25", upper: "2.50"}}
        output_mtok: {{lower: "10.00", upper: "15.00"}}
        cached_mtok: {{lower: "0.125", upper: "0.25"}}
        storage_mtok_hour: "4.50"
        audio_input_mtok: {{lower: "1.25", upper: "2.50"}}
        audio_cached_mtok: {{lower: "0.125", upper: "0.25"}}
  - id: test-text-only
    name: Text-only test model
    context_window_tokens: 1048576
    caching: explicit
    periods:{_PERIOD}        input_mtok: "0.30"
        output_mtok: "2.50"
        cached_mtok: "0.03"
        storage_mtok_hour: "1.00"
  - id: test-audio-uncached
    name: Audio input but no cached audio price
    context_window_tokens: 1048576
    caching: explicit
    implicit_caching_since: 2025-05-08
    periods:{_PERIOD}        input_mtok: "0.30"
        output_mtok: "2.50"
        cached_mtok: "0.03"
        storage_mtok_hour: "1.00"
        audio_input_mtok: "1.00"
"""


@pytest.fixture(scope="module")
def table_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("modal") / "audio.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def audio_tables(table_path: Path, _private_cache: None) -> PriceTables:
    return load_tables([table_path])


@pytest.fixture(scope="module")
def flash(audio_tables: PriceTables) -> PricedModel:
    return audio_tables.find_model("gemini-2.5-flash")


def _cli(table_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, [*args, "--pricing", str(table_path), "--as-of", str(DAY)])
    return result.exit_code, result.stdout, result.stderr


# The example: 2.5 Flash, context 100,000 text + 10 min of audio, prompt 1,000, output 500, 10 queries, 1h.
TEN_MINUTES = 10 * 60 * 32  # 19,200 audio tokens
EXAMPLE = Workload(100_000, 1_000, 500, 10, 3600, context_audio_tokens=TEN_MINUTES)


def test_flash_audio_context_worked_by_hand(flash: PricedModel) -> None:
    answer = estimate(flash, EXAMPLE, DAY)
    plain, cache = answer.no_cache, answer.explicit_cache
    # Context as input per query: (100,000 x $0.30 + 19,200 x $1.00) / 1M = ($0.03 + $0.0192) = $0.0492; x 10.
    assert plain.context_input == D("0.492")
    assert plain.fresh_input == D("0.003")  # 10 x 1,000 x $0.30 / 1M
    assert plain.output == D("0.0125")  # 10 x 500 x $2.50 / 1M
    assert plain.total == D("0.5075")  # 0.492 + 0.003 + 0.0125
    assert cache is not None
    assert cache.creation == D("0.0492")  # (100,000 x $0.30 + 19,200 x $1.00) / 1M, audio at the audio price
    assert cache.storage == D("0.1192")  # 119,200 x $1.00 / 1M x 1 h: one storage price for every modality
    # Reads: 10 x (100,000 x $0.03 + 19,200 x $0.10) / 1M = 10 x ($0.003 + $0.00192) = $0.0492.
    assert cache.cached_input == D("0.0492")
    assert cache.total == D("0.2331")  # 0.0492 + 0.1192 + 0.0492 + 0.003 + 0.0125
    assert answer.savings == D("0.2744")  # 0.5075 - 0.2331
    # Ceiling: 1 - 0.00492 / 0.0492 = 90%.
    assert answer.savings_ceiling_percent == 90
    result = answer.break_even
    assert result is not None
    assert result.fixed_cost == D("0.1684")  # 0.0492 + 0.1192
    # Saving per query: (100,000 x (0.30 - 0.03) + 19,200 x (1.00 - 0.10)) / 1M = (27,000 + 17,280) / 1M.
    assert result.saving_per_query == D("0.04428")
    assert result.queries == 4  # floor(0.1684 / 0.04428 = 3.803) + 1
    # Reads per hour: 119,200 x $1.00 / 1M = $0.1192 per hour / $0.04428 per read = 2.6920...
    assert result.read_rate_per_hour is not None
    assert result.read_rate_per_hour.quantize(D("0.0001")) == D("2.6920")
    working = answer.modalities
    assert working is not None and working.creation is not None and working.cached_read is not None
    assert [(part.modality, part.tokens, part.price_mtok) for part in working.creation] == [
        ("TEXT", 100_000, D("0.30")), ("AUDIO", 19_200, D("1.00"))]
    assert [part.cost for part in working.cached_read] == [D("0.003"), D("0.00192")]


def test_text_only_workload_unchanged_and_without_working(flash: PricedModel) -> None:
    """Old callers: the same numbers as the text rule alone, and no modality keys in JSON."""
    answer = estimate(flash, Workload(100_000, 1_000, 500, 10, 3600), DAY)
    assert answer.no_cache.context_input == D("0.3")  # 10 x 100,000 x $0.30 / 1M
    assert answer.explicit_cache is not None and answer.explicit_cache.cached_input == D("0.03")  # 10 x 100,000 x 0.03
    assert answer.modalities is None
    data = answer.to_json()
    assert "modalities" not in data and "context_audio_tokens" not in data["workload"]


def test_brute_force_break_even_matches_the_closed_form(flash: PricedModel, audio_tables: PriceTables) -> None:
    """N* is the first N where the cache is strictly cheaper, checked by pricing every N up to it."""
    pro = audio_tables.find_model("gemini-2.5-pro")
    cases = [(flash, Workload(2_000, 100, 10, 1, 3600, context_audio_tokens=TEN_MINUTES)),
             (flash, Workload(0, 0, 0, 1, 7 * 3600, context_audio_tokens=3 * 32, context_video_tokens=263 * 5)),
             (pro, Workload(150_000, 500, 0, 1, 1800, context_audio_tokens=60_000, prompt_audio_tokens=960)),
             (pro, Workload(5_000, 0, 0, 1, 3600, context_video_tokens=263 * 60))]
    for entry, work in cases:
        expected = break_even(entry, work, DAY).queries
        assert expected is not None
        first = next(n for n in range(1, 10_000)
                     if (lambda a: a.explicit_cache is not None and a.explicit_cache.total < a.no_cache.total)(
                         estimate(entry, Workload(**{**work.__dict__, "queries": n}), DAY)))
        assert first == expected, (entry.model.id, work)


def test_pro_tier_cliff_decided_by_audio(audio_tables: PriceTables) -> None:
    pro = audio_tables.find_model("gemini-2.5-pro")
    # 190,000 text alone is below 200,000: lower tier, $1.25.
    text_only = estimate(pro, Workload(190_000, 1_000, 0, 1, 3600), DAY)
    assert text_only.no_cache.tier == "lower"
    # + 10 min of audio = 209,200 tokens > 200,000: every part at the long-context tier, audio included.
    answer = estimate(pro, Workload(190_000, 1_000, 0, 1, 3600, context_audio_tokens=TEN_MINUTES), DAY)
    assert answer.no_cache.tier == "upper"
    assert answer.no_cache.context_input == D("0.523")  # (190,000 + 19,200) x $2.50 / 1M
    assert answer.no_cache.fresh_input == D("0.0025")  # 1,000 x $2.50 / 1M
    assert answer.explicit_cache is not None and answer.explicit_cache.creation_tier == "upper"
    assert answer.explicit_cache.cached_input == D("0.0523")  # 209,200 x $0.25 / 1M
    # The fresh prompt's audio can push only the query over: 195,000 + 3,200 (100 s) = 198,200 cached (lower);
    # + 1,000 text + 960 audio (30 s) = 200,160 > 200,000 per query (upper).
    split = estimate(pro, Workload(195_000, 1_000, 0, 1, 3600, context_audio_tokens=3_200,
                                   prompt_audio_tokens=960), DAY)
    cache = split.explicit_cache
    assert split.no_cache.tier == "upper" and cache is not None and cache.creation_tier == "lower"
    assert cache.creation == D("0.24775")  # 198,200 x $1.25 / 1M
    assert split.no_cache.fresh_input == D("0.0049")  # (1,000 + 960) x $2.50 / 1M


def test_implicit_and_batch_price_each_modality(flash: PricedModel) -> None:
    implicit = estimate(flash, EXAMPLE, DAY, hit_rate=D("0.4")).implicit_cache
    assert implicit is not None
    assert implicit.cached_input == D("0.01968")  # 10 x 0.4 x $0.00492 per cached read
    assert implicit.missed_input == D("0.2952")  # 10 x 0.6 x $0.0492 per uncached context
    batch = estimate(flash, EXAMPLE, DAY, batch=True)
    # Batch: (100,000 x $0.15 + 19,200 x $0.50) / 1M = $0.0246 per query; creation stays standard ($0.0492).
    assert batch.no_cache.context_input == D("0.246")
    assert batch.explicit_cache is not None and batch.explicit_cache.creation == D("0.0492")


def test_video_and_prompt_audio(flash: PricedModel) -> None:
    # Video has no price of its own on 2.5 Flash: the text prices. 5 s = 1,315 tokens.
    work = Workload(10_000, 1_000, 0, 1, 3600, context_video_tokens=263 * 5, prompt_audio_tokens=30 * 32)
    answer = estimate(flash, work, DAY)
    assert answer.no_cache.context_input == D("0.0033945")  # 11,315 x $0.30 / 1M
    assert answer.no_cache.fresh_input == D("0.00126")  # (1,000 x $0.30 + 960 x $1.00) / 1M
    assert answer.explicit_cache is not None
    assert answer.explicit_cache.cached_input == D("0.00033945")  # 11,315 x $0.03 / 1M


def test_missing_prices_are_refused_never_text_priced(audio_tables: PriceTables) -> None:
    text_only = audio_tables.find_model("test-text-only")
    with pytest.raises(CostcalcError, match=r"no AUDIO input price .*audio_input_mtok.* never bills it at the text"):
        estimate(text_only, Workload(10_000, context_audio_tokens=320), DAY)
    # Audio input priced, cached audio not: the uncached column stands, the cache is refused with the reason.
    uncached = estimate(audio_tables.find_model("test-audio-uncached"), Workload(10_000, context_audio_tokens=320),
                        DAY, hit_rate=D("0.5"))
    assert uncached.no_cache.context_input == D("0.00332")  # (10,000 x 0.30 + 320 x 1.00) / 1M
    assert uncached.explicit_cache is None
    assert "no AUDIO cached-token price" in (uncached.explicit_cache_unavailable or "")
    assert "audio_cached_mtok" in (uncached.implicit_cache_unavailable or "")


def test_per_character_period_with_audio_is_refused(tables: PriceTables) -> None:
    vertex = tables.find_model("gemini-1.5-pro", "vertex-ai")
    work = Workload(100_000, context_chars=400_000, prompt_chars=0, output_chars=0, context_audio_tokens=320)
    with pytest.raises(CostcalcError, match=r"per character .* no per-character price for audio"):
        estimate(vertex, work, date(2025, 1, 1))


@pytest.mark.parametrize("field", ["context_audio_tokens", "context_video_tokens", "prompt_audio_tokens",
                                   "prompt_video_tokens"])
def test_library_boundary_names_the_argument(flash: PricedModel, field: str) -> None:
    for bad in (-1, True, 1.5):
        with pytest.raises(CostcalcError, match=f"workload.{field}"):
            estimate(flash, Workload(10_000, **{field: bad}), DAY)  # type: ignore[arg-type]


def test_durations_and_counts() -> None:
    assert parse_tokens_or_duration("10m", "x", 32) == (19_200, 600)  # 10 x 60 s x 32 tokens/s
    assert parse_tokens_or_duration("90s", "x", 32) == (2_880, 90)  # 90 x 32
    assert parse_tokens_or_duration("1h30m", "x", 263) == (1_420_200, 5_400)  # 5,400 s x 263 tokens/s
    assert parse_tokens_or_duration("19.2k", "x", 32) == (19_200, None)
    assert parse_tokens_or_duration("10M", "x", 32) == (10_000_000, None)  # M is million, m minutes
    assert parse_duration("1h30m") == 5_400 and parse_duration("1m30s") == 90
    with pytest.raises(CostcalcError, match=r"neither a token count .* nor a duration"):
        parse_tokens_or_duration("10x", "--context-audio", 32)
    with pytest.raises(CostcalcError, match="negative"):
        parse_tokens_or_duration("-5", "--context-audio", 32)


def test_cli_estimate_working_and_json(table_path: Path) -> None:
    args = ["estimate", "-m", "gemini-2.5-flash", "--context", "100k", "--context-audio", "10m", "--prompt", "1000",
            "--output", "500", "-n", "10", "--ttl", "1h"]
    code, out, _ = _cli(table_path, *args)
    assert code == 0
    assert "context 100,000 text + 19,200 audio (10m = 600 s × 32 tokens/s) = 119,200 tokens" in out
    assert "(100,000 text × $0.30 + 19,200 audio × $1.00) / 1M" in out  # creation and context as input
    assert "(100,000 text × $0.03 + 19,200 audio × $0.10) / 1M" in out  # a cached read
    code, out, _ = _cli(table_path, *args, "--format", "json")
    data = json.loads(out)
    assert data["workload"]["context_tokens"] == 100_000 and data["workload"]["context_audio_tokens"] == 19_200
    assert data["no_cache"]["total"] == "0.5075" and data["explicit_cache"]["total"] == "0.2331"
    assert data["explicit_cache"]["creation"] == "0.0492" and data["explicit_cache"]["storage"] == "0.1192"
    assert data["break_even_queries"] == 4 and data["break_even"]["saving_per_query"] == "0.04428"
    assert data["modalities"]["context"] == ("context 100,000 text + 19,200 audio (10m = 600 s × 32 tokens/s) = "
                                             "119,200 tokens")
    assert data["modalities"]["creation"] == [
        {"modality": "TEXT", "tokens": 100000, "price_mtok": "0.3", "cost": "0.03"},
        {"modality": "AUDIO", "tokens": 19200, "price_mtok": "1", "cost": "0.0192"}]


def test_cli_breakeven_and_tokens_give_the_same_answer(table_path: Path) -> None:
    by_time = _cli(table_path, "breakeven", "-m", "gemini-2.5-flash", "--context", "100k", "--context-audio", "10m",
                   "--format", "json")
    by_count = _cli(table_path, "breakeven", "-m", "gemini-2.5-flash", "--context", "100k", "--context-audio",
                    "19.2k", "--format", "json")
    assert by_time[0] == by_count[0] == 0
    timed, counted = json.loads(by_time[1]), json.loads(by_count[1])
    assert timed["queries"] == counted["queries"] == 4  # floor(0.1684 / 0.04428) + 1, as above
    assert timed["modalities"]["context"].endswith("(10m = 600 s × 32 tokens/s) = 119,200 tokens")
    assert counted["modalities"]["context"] == "context 100,000 text + 19,200 audio = 119,200 tokens"


def test_cli_refusals_are_one_line(table_path: Path) -> None:
    code, out, err = _cli(table_path, "estimate", "-m", "test-text-only", "--context", "100k", "--prompt-audio",
                          "30s")
    assert code != 0 and out == ""
    assert err.count("\n") == 1 and "no AUDIO input price" in err and "Traceback" not in err
    code, _, err = _cli(table_path, "estimate", "-m", "gemini-2.5-flash", "--context", "1k", "--context-video",
                        "later")
    assert code != 0 and "--context-video 'later' is neither a token count" in err
