"""simulate and recommend with audio and video in every query: worked by hand, and the optimal schedule
against a brute force over every split with each modality at its own price."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from costcalc import PricedModel, PriceTables, TrafficWorkload, generate_timeline, load_tables, simulate
from costcalc.cli.app import app
from costcalc.errors import CostcalcError
from costcalc.timeline.models import TimelineRow
from costcalc.timeline.traffic import timeline_from_rows
from tests.test_estimate_modalities import TABLE

D = Decimal
DAY = date(2026, 1, 15)
M = 1_000_000
HOUR_US = 3600 * M
TEN_MINUTES = 10 * 60 * 32  # 19,200 audio tokens


@pytest.fixture(scope="module")
def table_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("modal-timeline") / "audio.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def audio_tables(table_path: Path, _private_cache: None) -> PriceTables:
    return load_tables([table_path])


def test_generated_traffic_worked_by_hand(audio_tables: PriceTables) -> None:
    """2.5 Flash, 20 queries an hour, evenly, for 2 days: 960 queries of 100,000 text + 19,200 audio context."""
    flash = audio_tables.find_model("gemini-2.5-flash")
    workload = TrafficWorkload(context_tokens=100_000, prompt_tokens=1_000, output_tokens=500,
                               context_audio_tokens=TEN_MINUTES)
    timeline = generate_timeline(D(20), 2 * 86400, workload, arrivals="even")
    result = simulate(flash, timeline, DAY, strategies="none,explicit:1h,optimal")
    rows = {row.strategy: row for row in result.strategies}
    # none: 960 x (0.0492 context + 0.0003 prompt + 0.00125 output) = 960 x 0.05075.
    assert rows["none"].total == D("48.72")
    # explicit:1h: 48 caches x (creation 0.0492 + storage 119,200 x $1.00/1M x 1 h = 0.1192)
    # + 960 reads x (100,000 x 0.03 + 19,200 x 0.10)/1M = 0.00492 + 960 x (0.0003 + 0.00125).
    explicit = rows["explicit:1h"]
    assert (explicit.creation, explicit.storage, explicit.cached_input) == (D("2.3616"), D("5.7216"), D("4.7232"))
    assert explicit.total == D("14.2944")
    # g* = 3600 s x creation 0.0492 / storage per hour 0.1192 = 1485.906... s (text alone: 3600 x 0.30/1.00 = 1080).
    assert result.break_even_gap_seconds is not None
    assert Fraction(result.break_even_gap_seconds).limit_denominator(10**6) == Fraction(3600 * 492, 1192)
    # One cache from the first query to the last (47h 57m) is optimal: 0.0492 + 119,200 x 47.95 h / 1M + reads.
    assert rows["optimal"].creations == 1 and rows["optimal"].storage == D("5.71564")
    assert any("19,200 audio" in note for note in result.notes)


def test_prompt_audio_and_the_tier_cliff(audio_tables: PriceTables) -> None:
    """2.5 Pro: 199,000 text context; a prompt of 100 text + 960 audio (30 s) = 200,060 tokens, upper tier."""
    pro = audio_tables.find_model("gemini-2.5-pro")
    rows = [TimelineRow(timestamp=1_767_225_600 + 60 * index, context_tokens=199_000, prompt_tokens=100)
            for index in range(3)]
    with_audio = timeline_from_rows(rows, TrafficWorkload(prompt_audio_tokens=960))
    result = simulate(pro, with_audio, DAY, strategies="none")
    # 3 x (199,100 text x $2.50 + 960 audio x $2.50) / 1M = 3 x 0.50015 = 1.50045.
    assert result.strategies[0].total == D("1.50045")
    assert any("3 of 3 queries have a prompt above 200,000" in note for note in result.notes)
    text_only = simulate(pro, timeline_from_rows(rows), DAY, strategies="none")
    assert text_only.strategies[0].total == D("0.746625")  # 3 x 199,100 x $1.25 / 1M


def test_context_mix_needs_one_context_size(audio_tables: PriceTables) -> None:
    flash = audio_tables.find_model("gemini-2.5-flash")
    rows = [TimelineRow(timestamp=1_767_225_600, key="a", context_tokens=5_000),
            TimelineRow(timestamp=1_767_225_660, key="b", context_tokens=6_000)]
    with pytest.raises(CostcalcError, match="one context size for every key"):
        simulate(flash, timeline_from_rows(rows, TrafficWorkload(context_audio_tokens=320)), DAY)
    # A prompt mix has no such need: each query's audio is counted per query.
    result = simulate(flash, timeline_from_rows(rows, TrafficWorkload(prompt_audio_tokens=320)), DAY,
                      strategies="none")
    assert result.strategies[0].total == D("0.00394")  # (5,000 + 6,000) x 0.30 / 1M + 2 x 320 x 1.00 / 1M


def test_missing_audio_price_is_refused(audio_tables: PriceTables) -> None:
    rows = [TimelineRow(timestamp=1_767_225_600, context_tokens=5_000)]
    with pytest.raises(CostcalcError, match="no AUDIO input price"):
        simulate(audio_tables.find_model("test-text-only"),
                 timeline_from_rows(rows, TrafficWorkload(context_audio_tokens=320)), DAY)


# Brute force: every split of one key's queries into groups, each served the cheaper way, each modality priced
# by hand from the table (2.5 Flash: text 0.30/0.03, audio 1.00/0.10, storage 1.00; output 2.50).
TEXT_IN, TEXT_CACHED, AUDIO_IN, AUDIO_CACHED = (Fraction(value) / M for value in ("0.30", "0.03", "1.00", "0.10"))
STORAGE_US = Fraction(1) / M / HOUR_US


def _brute(times: list[int], text: int, audio: int, prompt_audio: int, minimum_us: int) -> Fraction:
    fresh = prompt_audio * AUDIO_IN
    uncached = text * TEXT_IN + audio * AUDIO_IN + fresh
    read = text * TEXT_CACHED + audio * AUDIO_CACHED + fresh
    creation = text * TEXT_IN + audio * AUDIO_IN
    best = None
    for cuts in itertools.product((False, True), repeat=len(times) - 1):
        total, start = Fraction(0), 0
        for end in range(len(times)):
            if end == len(times) - 1 or cuts[end]:
                size = end + 1 - start
                life = max(times[end] - times[start], minimum_us)
                total += min(size * uncached, creation + (text + audio) * life * STORAGE_US + size * read)
                start = end + 1
        best = total if best is None else min(best, total)
    assert best is not None
    return best


GAPS = st.lists(st.one_of(st.sampled_from([0, 60, 1080, 1485, 1486, 1600, 3000]).map(lambda s: s * M),
                          st.integers(0, 4_000 * M)), min_size=0, max_size=7)


@settings(max_examples=50, deadline=None)
@given(GAPS, st.sampled_from([(5_000, 3_200), (0, 19_200), (40_000, 320)]), st.sampled_from([0, 960]),
       st.sampled_from([0, 60]))
def test_optimal_with_audio_equals_brute_force(audio_tables: PriceTables, gaps: list[int],
                                               context: tuple[int, int], prompt_audio: int, minimum: int) -> None:
    from dataclasses import replace

    flash: PricedModel = replace(audio_tables.find_model("gemini-2.5-flash"), min_ttl_seconds=minimum)
    times = [0]
    for gap in gaps:
        times.append(times[-1] + gap)
    rows = [TimelineRow(timestamp=f"{1_767_225_600 + time // M}.{time % M:06d}", context_tokens=context[0])
            for time in times]
    workload = TrafficWorkload(context_audio_tokens=context[1], prompt_audio_tokens=prompt_audio)
    result = simulate(flash, timeline_from_rows(rows, workload), DAY, strategies="optimal")
    expected = _brute(times, context[0], context[1], prompt_audio, minimum * M)
    assert result.optimal_total is not None
    # Each part is exact, or kept to 20 places when it repeats (storage for 7/3600 h): at most 6 x 0.5e-20 apart.
    assert abs(Fraction(result.optimal_total) - expected) <= Fraction(3, 10**20)


def test_cli_simulate_and_recommend_take_the_mix(table_path: Path) -> None:
    common = ["-m", "gemini-2.5-flash", "--context", "100k", "--context-audio", "10m", "--prompt", "1000",
              "--output", "500", "--rate", "20/h", "--for", "2d", "--arrivals", "even", "--strategies",
              "none,explicit:1h", "--pricing", str(table_path), "--as-of", str(DAY), "--format", "json"]
    simulated = CliRunner().invoke(app, ["simulate", *common])
    assert simulated.exit_code == 0, simulated.stderr
    assert '"total": "14.2944"' in simulated.stdout  # explicit:1h, as worked above
    recommended = CliRunner().invoke(app, ["recommend", *common])
    assert recommended.exit_code == 0 and "explicit:1h" in recommended.stdout
