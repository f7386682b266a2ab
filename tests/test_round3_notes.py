"""Hardening round 3: records billed as logged but noted (docs/usage-billing.md; docs/hardening.md, "Round 3").

- a prompt (+ tool use) above the model's context window is billed, and counted in a note per model;
- records of one cache that disagree on the model or the createTime: the latest is billed, and a note names them.
Every engine gives the same notes and the same money.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costcalc import bill, load_tables
from costcalc.usage.engine import UsageBiller
from costcalc.usage.report import UsageBill

DAY = "2026-03-10"
WINDOW = 1_048_576  # context_window_tokens of gemini-2.5-flash and gemini-2.5-pro in the bundled table


def _response(model: str, prompt: int, output: int = 0, tool_use: int = 0) -> dict[str, Any]:
    usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": output}
    if tool_use:
        usage["toolUsePromptTokenCount"] = tool_use
    return {"modelVersion": model, "timestamp": f"{DAY}T10:00:00Z", "usageMetadata": usage}


def _cache(name: str, model: str, created: str, updated: str, expires: str, tokens: int) -> dict[str, Any]:
    return {"name": f"cachedContents/{name}", "model": model, "createTime": f"{DAY}T{created}Z",
            "updateTime": f"{DAY}T{updated}Z", "expireTime": f"{DAY}T{expires}Z",
            "usageMetadata": {"totalTokenCount": tokens}}


def _write(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    path = tmp_path / "log.jsonl"
    path.write_text("".join(json.dumps(record) + "\n" for record in records))
    return path


def _python(path: Path) -> UsageBill:
    return bill([str(path)])


def _duckdb(path: Path) -> UsageBill:
    pytest.importorskip("duckdb")
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    return bill_duckdb([str(path)], load_tables())


def _spark(path: Path) -> UsageBill:
    pytest.importorskip("pyspark")
    from costcalc.warehouse.spark_engine import bill_spark

    return bill_spark([str(path)], load_tables())


ENGINES = [pytest.param(_python, id="python"), pytest.param(_duckdb, id="duckdb"),
           pytest.param(_spark, id="spark", marks=pytest.mark.spark)]
Engine = Callable[[Path], UsageBill]

WINDOW_LOG = [
    _response("gemini-2.5-flash", WINDOW + 1, output=10),             # 1 token above the window
    _response("gemini-2.5-flash", 1_000_000, output=10, tool_use=48_577),  # above it with its tool use
    _response("gemini-2.5-flash", WINDOW, output=10),                 # at the window: no note
    _response("gemini-2.5-pro", 2_000_000),                           # tiered model, upper tier
    _response("gemini-2.5-pro", 1_000),                               # lower tier, no note
]
WINDOW_NOTES = [
    "2 responses of gemini-2.5-flash have prompts above its context window of 1,048,576 tokens; billed as logged "
    "(check the log)",
    "1 response of gemini-2.5-pro has a prompt above its context window of 1,048,576 tokens; billed as logged "
    "(check the log)",
]


@pytest.mark.parametrize("engine", ENGINES)
def test_prompt_above_context_window_is_billed_with_a_note(engine: Engine, tmp_path: Path) -> None:
    result = engine(_write(tmp_path, WINDOW_LOG))
    assert result.notes == tuple(WINDOW_NOTES)
    assert result.records.responses == 5 and result.records.bad == 0
    # flash fresh: (1,048,577 + 1,048,577 + 1,048,576) = 3,145,730 x $0.30/1M = $0.943719
    # flash output: 30 x $2.50/1M = $0.000075
    # pro upper: 2,000,000 x $2.50/1M = $5; pro lower: 1,000 x $1.25/1M = $0.00125
    assert result.buckets.fresh_input == Decimal("0.943719") + Decimal("5") + Decimal("0.00125")
    assert result.buckets.output == Decimal("0.000075")
    assert result.total == Decimal("5.945044")


def test_fast_path_and_reference_reading_count_the_same(tmp_path: Path) -> None:
    """The file goes through the fast path (which bills and counts such prompts itself); dicts take the reference
    reading."""
    from_file = _python(_write(tmp_path, WINDOW_LOG * 3)).to_json()
    biller = UsageBiller(load_tables())
    for line, record in enumerate(WINDOW_LOG * 3, start=1):
        biller.add(record, source=str(tmp_path / "log.jsonl"), line=line)
    assert biller.result().to_json() == from_file
    assert from_file["notes"][0].startswith("6 responses of gemini-2.5-flash")


_SMALL_WINDOW = """platform: gemini-api
models:
  - id: test-small-window
    name: A window below the tier threshold (test)
    context_window_tokens: 150000
    long_context_threshold: 200000
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [test figures]
        input_mtok: {lower: "1.25", upper: "2.50"}
        output_mtok: {lower: "10.00", upper: "15.00"}
        cached_mtok: {lower: "0.125", upper: "0.25"}
        storage_mtok_hour: "4.50"
"""


def test_fast_path_bills_prompts_around_window_and_threshold_as_the_reference(tmp_path: Path) -> None:
    """Prompts on both sides of the tier threshold (200,000) and the window (1,048,576 for 2.5 Pro, 150,000 for
    a model whose window is below its threshold), with and without tool use and cached tokens: the file (fast
    path) and the dicts (reference reading) give the same bill and the same notes, and the brute force agrees."""
    import random
    from fractions import Fraction

    (tmp_path / "small.yaml").write_text(_SMALL_WINDOW)
    tables = load_tables(tmp_path / "small.yaml")
    rng = random.Random(3)
    edges = (149_999, 150_000, 150_001, 199_999, 200_000, 200_001, WINDOW - 1, WINDOW, WINDOW + 1)
    records, expected, above = [], Fraction(0), {"gemini-2.5-pro": 0, "test-small-window": 0}
    for _ in range(400):
        model = rng.choice(("gemini-2.5-pro", "test-small-window"))
        whole = rng.choice(edges) + rng.randint(-2, 2)
        tool = rng.choice((0, 0, rng.randint(1, 50)))
        cached = rng.choice((0, rng.randint(0, whole - tool)))
        record = _response(model, whole - tool, output=7, tool_use=tool)
        if cached:
            record["usageMetadata"]["cachedContentTokenCount"] = cached
        records.append(record)
        # both models: $1.25 / $0.125 / $10 at or below 200,000 (prompt + tool use), $2.50 / $0.25 / $15 above
        upper = whole > 200_000
        fresh, cached_rate, output = (Fraction("2.50"), Fraction("0.25"), 15) if upper else (
            Fraction("1.25"), Fraction("0.125"), 10)
        expected += ((whole - cached) * fresh + cached * cached_rate + 7 * output) / 1_000_000
        above[model] += whole > (WINDOW if model == "gemini-2.5-pro" else 150_000)
    path = _write(tmp_path, records)
    from_file = bill([str(path)], tables=tables)
    biller = UsageBiller(tables)
    for line, record in enumerate(records, start=1):
        biller.add(record, source=str(path), line=line)
    assert biller.result().to_json() == from_file.to_json()
    assert Fraction(from_file.total) == expected and from_file.records.bad == 0
    assert above["gemini-2.5-pro"] > 1 and above["test-small-window"] > 1
    assert from_file.notes == tuple(
        f"{count} responses of {model} have prompts above its context window of {window:,} tokens; billed as logged "
        "(check the log)" for model, count, window in (("gemini-2.5-pro", above["gemini-2.5-pro"], WINDOW),
                                     ("test-small-window", above["test-small-window"], 150_000)))


def test_no_note_below_the_window(tmp_path: Path) -> None:
    assert _python(_write(tmp_path, WINDOW_LOG[2:3] + WINDOW_LOG[4:])).notes == ()


CACHE_LOG = [
    _cache("abc123", "gemini-2.0-flash", "10:00:00", "10:00:00", "11:00:00", 10_000),
    _cache("abc123", "gemini-2.5-flash", "10:00:00", "10:30:00", "12:00:00", 10_000),  # latest: billed
    _cache("same", "gemini-2.0-flash-001", "10:00:00", "10:00:00", "11:00:00", 1_000),  # one model, two names
    _cache("same", "gemini-2.0-flash", "10:00:00", "10:10:00", "11:00:00", 1_000),  # a TTL update: no note
    _cache("def456", "gemini-2.5-flash", "10:05:00.5", "10:20:00", "11:05:00.5", 1_000),  # latest
    _cache("def456", "gemini-2.5-flash", "10:00:00", "10:00:00", "11:00:00", 1_000),
]


def _cache_notes(path: Path) -> list[str]:
    return [
        f"cache cachedContents/abc123 has records with different models (gemini-2.0-flash, gemini-2.5-flash); "
        f"billed from its latest version ({path}:2: gemini-2.5-flash, created {DAY}T10:00:00Z)",
        f"cache cachedContents/def456 has records with different createTimes ({DAY}T10:00:00Z, {DAY}T10:05:00.5Z); "
        f"billed from its latest version ({path}:5: gemini-2.5-flash, created {DAY}T10:05:00.5Z)",
    ]


@pytest.mark.parametrize("engine", ENGINES)
def test_conflicting_cache_records_are_noted_and_the_latest_billed(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, CACHE_LOG)
    result = engine(path)
    assert list(result.notes) == _cache_notes(path)
    assert (result.records.cache_records, result.records.caches, result.records.superseded) == (6, 3, 3)
    # abc123 as gemini-2.5-flash: creation 10,000 x $0.30/1M = $0.003; storage 10,000 x 2 h x $1.00/1M/h = $0.02
    # same (gemini-2.0-flash): creation 1,000 x $0.10/1M = $0.0001; storage 1,000 x 1 h x $1.00/1M/h = $0.001
    # def456 (2.5 flash): creation 1,000 x $0.30/1M = $0.0003; storage 1,000 x 1 h x $1.00/1M/h = $0.001
    assert result.buckets.creation == Decimal("0.003") + Decimal("0.0001") + Decimal("0.0003")
    assert result.buckets.storage == Decimal("0.02") + Decimal("0.001") + Decimal("0.001")
    assert [row.key for row in result.by_model] == ["gemini-2.0-flash", "gemini-2.5-flash"]


@pytest.mark.parametrize("engine", ENGINES)
def test_conflicting_caches_past_three_are_counted(engine: Engine, tmp_path: Path) -> None:
    records = []
    for number in range(5):
        records += [_cache(f"c{number}", "gemini-2.0-flash", "10:00:00", "10:00:00", "11:00:00", 100),
                    _cache(f"c{number}", "gemini-2.5-flash", "10:00:00", "10:01:00", "11:00:00", 100)]
    path = _write(tmp_path, records)
    notes = engine(path).notes
    assert [note.split(" has ")[0] for note in notes[:3]] == [f"cache cachedContents/c{n}" for n in range(3)]
    assert f"({path}:6: gemini-2.5-flash" in notes[2]
    assert notes[3:] == ("2 more caches with conflicting records (different models or createTimes), each billed "
                         "from its latest version",)


@pytest.mark.parametrize("engine", ENGINES[1:])
def test_sql_engines_give_the_python_json(engine: Engine, tmp_path: Path) -> None:
    path = _write(tmp_path, [*WINDOW_LOG, *CACHE_LOG])
    assert engine(path).to_json() == _python(path).to_json()
