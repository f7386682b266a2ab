"""Usage billing of modality details (docs/usage-billing.md, "Modality details"): a hand-worked multimodal log,
each bad case, and the fast path checked against the reference reading and a record-by-record brute force.

Prices come from tests/fixtures/multimodal-prices.yaml (the issue's 2.5 Flash figures: input $0.30, audio $1.00,
cached $0.03, cached audio $0.10, batch audio $0.50), not from the bundled tables.
"""

from __future__ import annotations

import json
import random
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from costcalc import PriceTables, load_tables
from costcalc.usage.api import bill
from costcalc.usage.engine import UsageBiller
from costcalc.usage.report import UsageBill
from tests.conftest import REPO
from tests.test_usage import check_views
from tests.usage_logs import run_bill

D = Decimal
M = 1_000_000
FIXTURES = REPO / "tests" / "fixtures"
LOG = FIXTURES / "multimodal.jsonl"
PRICES = FIXTURES / "multimodal-prices.yaml"
WHEN = "2026-03-10T12:00:00Z"


@pytest.fixture(scope="module")
def priced() -> PriceTables:
    return load_tables(PRICES)


def _both_paths(lines: list[str], tmp_path: Path, tables: PriceTables) -> UsageBill:
    """Bill through the file reader (fast path) and record by record (reference reading): they must agree."""
    log = tmp_path / "log.jsonl"
    log.write_text("".join(line + "\n" for line in lines))
    fast = bill([log], tables=tables)
    reference = UsageBiller(tables)
    for number, line in enumerate(lines, start=1):
        reference.add(json.loads(line), source=str(log), line=number)
    assert fast.to_json() == reference.result().to_json()
    return fast


def _details(**tokens: int) -> list[dict[str, Any]]:
    return [{"modality": modality, "tokenCount": count} for modality, count in tokens.items()]


def _response(usage: dict[str, Any], model: str = "gemini-2.5-flash", **extra: Any) -> str:
    return json.dumps({"modelVersion": model, "timestamp": WHEN, "usageMetadata": usage, **extra})


# ------------------------------------------------------------------------------------ the shipped log

def test_multimodal_log_worked_by_hand(priced: PriceTables, tmp_path: Path) -> None:
    result = _both_paths(LOG.read_text().splitlines(), tmp_path, priced)
    check_views(result)
    # Line 1, 2.5 Flash: prompt 30,000 = TEXT 10,000 + AUDIO 20,000; cached 15,000 = AUDIO 12,000 + TEXT 3,000.
    line1_fresh = 7_000 * D("0.30") / M + 8_000 * D("1.00") / M  # $0.0021 + $0.008 (fresh = prompt - cached)
    line1_cached = 3_000 * D("0.03") / M + 12_000 * D("0.10") / M  # $0.00009 + $0.0012
    line1_output = (1_000 + 500) * D("2.50") / M  # candidates + thoughts, TEXT: $0.00375
    # Line 2: 2,000 TEXT prompt + 3,200 AUDIO tool-use tokens; 100 output.
    line2 = (2_000 * D("0.30") + 3_200 * D("1.00") + 100 * D("2.50")) / M  # $0.00405
    # Line 3 (snake_case): 6,400 AUDIO (200 s of audio x 32); 200 TEXT output.
    line3 = (6_400 * D("1.00") + 200 * D("2.50")) / M  # $0.0069
    # Line 4, 2.5 Pro: TEXT 190,000 alone is under 200K, but the tier is decided on all 250,000 prompt tokens.
    line4_fresh = (190_000 * D("2.50") + 60_000 * D("2.50")) / M  # $0.475 + $0.15
    line4_output = 2_000 * D(15) / M  # $0.03
    # Line 5, image model: 50 TEXT in; 1,290 IMAGE (one 1024x1024 image) + 10 TEXT out.
    line5_fresh = 50 * D("0.30") / M  # $0.000015
    line5_output = (1_290 * D(30) + 10 * D("2.50")) / M  # $0.0387 + $0.000025
    # Line 6, Vertex cache: 40,000 tokens of which 600 s x 32 = 19,200 AUDIO, created and stored 1 hour.
    creation = 19_200 * D("1.00") / M + (40_000 - 19_200) * D("0.30") / M  # $0.0192 + $0.00624
    storage = 40_000 * D("1.00") / M  # 1 hour: $0.04
    # Line 7, batch: 10,000 AUDIO at the batch audio price; 400 output at the batch output price.
    line7 = (10_000 * D("0.50") + 400 * D("1.25")) / M  # $0.0055
    # Line 8: TEXT 4,000 + IMAGE 1,000 (at the text price), 3,000 cached without cache details: taken from TEXT.
    line8_fresh = (1_000 * D("0.30") + 1_000 * D("0.30")) / M  # $0.0006
    line8_cached = 3_000 * D("0.03") / M  # $0.00009
    # Line 9: DOCUMENT 1,500 + TEXT 500 are all text; line 10: no details at all, text.
    line9 = (2_000 * D("0.30") + 100 * D("2.50")) / M  # $0.00085
    line10 = (1_000 * D("0.30") + 100 * D("2.50")) / M  # $0.00055
    buckets = result.buckets
    assert buckets.fresh_input == (line1_fresh + 2_000 * D("0.30") / M + 3_200 * D("1.00") / M + 6_400 * D(1) / M
                                   + line4_fresh + line5_fresh + 10_000 * D("0.50") / M + line8_fresh
                                   + 2_000 * D("0.30") / M + 1_000 * D("0.30") / M) == D("0.651815")
    assert buckets.cached_input == line1_cached + line8_cached == D("0.00138")
    assert buckets.output == (line1_output + 100 * D("2.50") / M + 200 * D("2.50") / M + line4_output
                              + line5_output + 400 * D("1.25") / M + 2 * 100 * D("2.50") / M) == D("0.074225")
    assert buckets.creation == creation == D("0.02544")
    assert buckets.storage == storage == D("0.04")
    assert result.total == (line1_fresh + line1_cached + line1_output + line2 + line3 + line4_fresh + line4_output
                            + line5_fresh + line5_output + creation + storage + line7 + line8_fresh + line8_cached
                            + line9 + line10) == D("0.79286")
    # Without caching: line 1's 15,000 cached at input prices (12,000 AUDIO x $1.00, 3,000 TEXT x $0.30), line 8's
    # 3,000 at $0.30; no creation or storage.
    assert result.without_caching == (result.total - creation - storage - line1_cached - line8_cached
                                      + (12_000 * D(1) + 3_000 * D("0.30") + 3_000 * D("0.30")) / M) == D("0.73984")
    rows = {row["modality"]: row for row in result.to_json()["by_modality"]}
    assert list(rows) == ["TEXT", "AUDIO", "IMAGE", "ALL"]
    # AUDIO: fresh 8,000 + 3,200 + 6,400 at $1.00, 60,000 at $2.50 (2.5 Pro upper), 10,000 at $0.50 (batch).
    assert D(rows["AUDIO"]["fresh_input"]) == (17_600 * D(1) + 60_000 * D("2.50") + 10_000 * D("0.50")) / M
    assert rows["AUDIO"]["tokens"] == {"fresh_input": 87_600, "cached_input": 12_000, "output": 0,
                                       "creation": 19_200}
    assert D(rows["AUDIO"]["total"]) == D("0.1726") + D("0.0012") + D("0.0192") == D("0.193")
    assert D(rows["IMAGE"]["total"]) == (1_000 * D("0.30") + 1_290 * D(30)) / M == D("0.039")
    assert D(rows["ALL"]["storage"]) == storage and D(rows["ALL"]["total"]) == storage
    assert [(bad.line, bad.code) for bad in result.bad_records] == [
        (11, "bad_details"), (12, "details_mismatch"), (13, "no_cache_details"), (14, "no_modality_price"),
        (15, "details_mismatch"), (16, "no_modality_price")]
    reasons = [bad.reason for bad in result.bad_records]
    assert reasons[1] == ("promptTokensDetails add up to 900, promptTokenCount is 1,000: the details must add up "
                          "to the count")
    assert reasons[3].startswith("test-text-only-model has no AUDIO input price in the period from 2026-01-01 "
                                 "(audio_input_mtok)")
    flash = next(row for row in result.to_json()["by_price"] if row["model"] == "gemini-2.5-flash" and not row["batch"])
    # The working reproduces by hand: the text remainder at the text prices, each part at its own.
    assert (flash["fresh_audio_tokens"], flash["audio_input_mtok"], flash["cached_audio_tokens"],
            flash["audio_cached_mtok"], flash["creation_audio_tokens"], flash["creation_audio_input_mtok"]) == (
        17_600, "1", 12_000, "0.1", 19_200, "1")


def test_table_shows_modality_lines_only_for_a_multimodal_log(priced: PriceTables) -> None:
    code, out, _ = run_bill(str(LOG), "--pricing", str(PRICES))
    assert code == 0 and "By modality" in out and "Audio" in out
    assert ("gemini-2.5-pro from 2026-01-01, long-context tier: (fresh text 190,000 × $2.50 + fresh audio 60,000 × "
            "$2.50 + output text 2,000 × $15.00) / 1M = $0.655") in out
    code, out, _ = run_bill(str(FIXTURES / "usage" / "small.jsonl"))
    assert "By modality" not in out and "fresh text" not in out


def test_csv_has_audio_image_video_columns(priced: PriceTables) -> None:
    code, out, _ = run_bill(str(LOG), "--pricing", str(PRICES), "--format", "csv")
    rows = out.splitlines()
    assert code == 0 and rows[0].endswith(",records,bad_records,audio,image,video")
    assert rows[-1] == "total,,0.651815,0.00138,0.074225,0.02544,0.04,0.79286,0.73984,16,6,0.193,0.039,0"


# ------------------------------------------------------------------------------------ single rules

@pytest.mark.parametrize(("usage", "code", "reason"), [
    ({"promptTokenCount": 5, "promptTokensDetails": {"modality": "TEXT"}}, "bad_details",
     'promptTokensDetails is not a list (got {"modality":"TEXT"})'),
    ({"promptTokenCount": 5, "promptTokensDetails": ["TEXT"]}, "bad_details", "entry 0 is not an object"),
    ({"promptTokenCount": 5, "promptTokensDetails": [{"tokenCount": 5}]}, "bad_details", "has modality null"),
    ({"promptTokenCount": 5, "promptTokensDetails": _details(TEXT=5),
      "candidatesTokensDetails": [{"modality": "AUDIO", "tokenCount": 1.5}]}, "bad_details",
     "candidatesTokensDetails entry 0 has tokenCount 1.5"),
    ({"promptTokenCount": 5, "promptTokensDetails": _details(TEXT=-1)}, "bad_details", "tokenCount -1"),
    ({"promptTokenCount": 5, "cachedContentTokenCount": 5, "cacheTokensDetails": _details(TEXT=4)},
     "details_mismatch", "cacheTokensDetails add up to 4, cachedContentTokenCount is 5"),
    ({"promptTokenCount": 5, "candidatesTokenCount": 3, "candidatesTokensDetails": _details(VIDEO=3)},
     "no_modality_price", "no VIDEO output price"),
    ({"promptTokenCount": 5, "candidatesTokenCount": 3, "candidatesTokensDetails": _details(AUDIO=3)},
     "no_modality_price", "no AUDIO output price"),
    ({"promptTokenCount": 5, "prompt_tokens_details": [{"modality": "AUDIO", "token_count": 4}]},
     "details_mismatch", "prompt_tokens_details add up to 4"),
])
def test_a_detail_that_cannot_be_billed_is_a_bad_record(priced: PriceTables, tmp_path: Path,
                                                        usage: dict[str, Any], code: str, reason: str) -> None:
    result = _both_paths([_response(usage)], tmp_path, priced)
    assert [bad.code for bad in result.bad_records] == [code] and reason in result.bad_records[0].reason
    assert result.total == 0


def test_detail_entries_add_up_null_counts_are_zero_and_camel_case_wins(priced: PriceTables, tmp_path: Path) -> None:
    usage = {"promptTokenCount": 3_000,
             "promptTokensDetails": [{"modality": "AUDIO", "tokenCount": 1_000}, {"modality": "AUDIO",
                                     "tokenCount": 1_000}, {"modality": "TEXT"}, {"modality": "TEXT",
                                                                                   "tokenCount": 1_000},
                                     {"modality": "IMAGE", "tokenCount": None}],
             "prompt_tokens_details": [{"modality": "TEXT", "token_count": 3_000}]}  # ignored: camelCase wins
    result = _both_paths([_response(usage), _response({**usage, "promptTokensDetails": None})], tmp_path, priced)
    # First: 2,000 AUDIO x $1.00 + 1,000 TEXT x $0.30; second (camel null = absent): 3,000 TEXT x $0.30.
    assert result.total == (2_000 * D(1) + 1_000 * D("0.30") + 3_000 * D("0.30")) / M == D("0.0032")


def test_cache_audio_duration_rules(priced: PriceTables, tmp_path: Path) -> None:
    def cache(name: str, usage: dict[str, Any]) -> str:
        return json.dumps({"name": f"cachedContents/{name}", "model": "gemini-2.5-pro", "createTime": WHEN,
                           "expireTime": "2026-03-10T12:00:00Z", "usageMetadata": usage})

    result = _both_paths([
        cache("a", {"totalTokenCount": 250_000, "audio_duration_seconds": 1_000}),  # snake; upper tier by size
        cache("b", {"totalTokenCount": 1_000, "audioDurationSeconds": 32}),  # 1,024 audio > 1,000 in all
        cache("c", {"totalTokenCount": 1_000, "audioDurationSeconds": 1.5}),
    ], tmp_path, priced)
    # 1,000 s x 32 = 32,000 AUDIO at the upper audio input $2.50; the other 218,000 at the upper text $2.50; a
    # lifetime of 0 stores nothing.
    assert result.buckets.creation == (32_000 * D("2.50") + 218_000 * D("2.50")) / M == D("0.625")
    assert [(bad.line, bad.code) for bad in result.bad_records] == [(2, "details_mismatch"), (3, "bad_count")]
    assert result.bad_records[0].reason == ("audioDurationSeconds x 32 is 1,024 audio tokens, totalTokenCount is "
                                            "1,000: the total includes the audio")


# ------------------------------------------------------------------------------------ random agreement

_FLASH = {"input": {"TEXT": D("0.30"), "AUDIO": D(1)}, "cached": {"TEXT": D("0.03"), "AUDIO": D("0.10")},
          "output": D("2.50")}
_FLASH_BATCH = {"input": {"TEXT": D("0.15"), "AUDIO": D("0.50")}, "cached": {"TEXT": D("0.03"), "AUDIO": D("0.10")},
                "output": D("1.25")}


def _random_usage(rng: random.Random) -> dict[str, Any]:
    """A 2.5 Flash usageMetadata with details in every shape a logger writes, sometimes wrong."""
    modalities = rng.sample(("TEXT", "AUDIO", "IMAGE", "DOCUMENT", "VIDEO"), rng.randint(1, 3))
    prompt_d = {m: rng.randint(0, 5_000) for m in modalities}
    prompt = sum(prompt_d.values())
    usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": rng.randint(0, 900)}
    if rng.random() < 0.8:
        usage["promptTokensDetails"] = _details(**prompt_d)
    if rng.random() < 0.5:
        cache_d = {m: rng.randint(0, n) for m, n in prompt_d.items()}
        usage["cachedContentTokenCount"] = sum(cache_d.values())
        if rng.random() < 0.7:
            usage["cacheTokensDetails"] = _details(**cache_d)
    if rng.random() < 0.3:
        usage["toolUsePromptTokenCount"] = tool = rng.randint(0, 500)
        usage["toolUsePromptTokensDetails"] = _details(AUDIO=tool // 2, TEXT=tool - tool // 2)
    if rng.random() < 0.3:
        usage["thoughtsTokenCount"] = rng.randint(0, 300)
    if rng.random() < 0.3:
        usage["candidatesTokensDetails"] = _details(TEXT=usage["candidatesTokenCount"])
    if rng.random() < 0.1:  # a logger's mistake: one count off
        usage["promptTokenCount"] += 1
    if rng.random() < 0.05:
        usage["promptTokensDetails"] = [{"modality": "MODALITY_UNSPECIFIED", "tokenCount": 1}]
    if rng.random() < 0.1:  # snake_case copy of the lists
        for camel, snake in (("promptTokensDetails", "prompt_tokens_details"),
                             ("cacheTokensDetails", "cache_tokens_details")):
            if camel in usage:
                usage[snake] = [{"modality": e["modality"], "token_count": e["tokenCount"]}
                                for e in usage.pop(camel)]
    return usage


def _brute_force(usage: dict[str, Any], batch: bool) -> Fraction | None:
    """One 2.5 Flash response priced on its own by the rules as written, None when it cannot be billed."""
    def listed(camel: str, snake: str, total: int) -> dict[str, int] | None:
        entries = usage.get(camel, usage.get(snake))
        if entries is None:
            return None
        found: dict[str, int] = {}
        for entry in entries:
            if entry["modality"] not in ("TEXT", "AUDIO", "IMAGE", "DOCUMENT", "VIDEO"):
                raise ValueError
            found[entry["modality"]] = found.get(entry["modality"], 0) + entry.get("tokenCount", entry.get(
                "token_count", 0))
        if sum(found.values()) != total:
            raise ValueError
        return found

    prompt, cached = usage["promptTokenCount"], usage.get("cachedContentTokenCount", 0)
    tool = usage.get("toolUsePromptTokenCount", 0)
    try:
        prompt_d = listed("promptTokensDetails", "prompt_tokens_details", prompt) or {"TEXT": prompt}
        cache_d = listed("cacheTokensDetails", "cache_tokens_details", cached)
        tool_d = listed("toolUsePromptTokensDetails", "", tool) or {"TEXT": tool}
    except ValueError:
        return None
    if cache_d is None:
        if cached and prompt_d.get("AUDIO"):
            return None
        cache_d = {"TEXT": cached}  # every non-audio cached token is at the text cached price
    elif any(cache_d.get(m, 0) > prompt_d.get(m, 0) for m in cache_d):
        return None
    prices = _FLASH_BATCH if batch else _FLASH
    audio = "AUDIO"
    fresh_audio = prompt_d.get(audio, 0) - cache_d.get(audio, 0) + tool_d.get(audio, 0)
    cached_audio = cache_d.get(audio, 0)
    fresh_text = prompt - cached + tool - fresh_audio
    cached_text = cached - cached_audio
    output = usage["candidatesTokenCount"] + usage.get("thoughtsTokenCount", 0)
    money = (fresh_text * Fraction(prices["input"]["TEXT"]) + fresh_audio * Fraction(prices["input"][audio])
             + cached_text * Fraction(prices["cached"]["TEXT"]) + cached_audio * Fraction(prices["cached"][audio])
             + output * Fraction(prices["output"]))
    return money / M


def test_fast_path_agrees_with_the_reference_and_a_brute_force_on_random_details(priced: PriceTables,
                                                                                 tmp_path: Path) -> None:
    rng = random.Random(14)
    lines, expected, billable = [], Fraction(0), 0
    for _ in range(600):
        usage, batch = _random_usage(rng), rng.random() < 0.2
        lines.append(_response(usage, **({"batch": True} if batch else {})))
        one = _brute_force(usage, batch)
        if one is not None:
            expected += one
            billable += 1
    result = _both_paths(lines, tmp_path, priced)  # the fast path and the reference agree on every record
    check_views(result)
    assert result.records.responses == billable and result.records.bad == len(lines) - billable
    assert Fraction(result.total) == expected


_MORE_AUDIO_MODELS = """platform: gemini-api
models:
  - id: test-audio-model
    name: Audio input priced, cached audio not (test)
    context_window_tokens: 1048576
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [test figures]
        input_mtok: "0.30"
        output_mtok: "2.50"
        cached_mtok: "0.03"
        storage_mtok_hour: "1.00"
        audio_input_mtok: "1.00"
  - id: test-speech-model
    name: Audio in and out priced, images out not (test)
    context_window_tokens: 1048576
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [test figures]
        input_mtok: "0.50"
        output_mtok: "2.00"
        cached_mtok: "0.05"
        storage_mtok_hour: "1.00"
        audio_input_mtok: "3.00"
        audio_cached_mtok: "0.30"
        audio_output_mtok: "12.00"
  - id: test-media-model
    name: Audio and images out, at different prices (test)
    context_window_tokens: 1048576
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-11-29
        sources: [test figures]
        input_mtok: "0.50"
        output_mtok: "2.00"
        cached_mtok: "0.05"
        storage_mtok_hour: "1.00"
        audio_input_mtok: "3.00"
        audio_cached_mtok: "0.30"
        audio_output_mtok: "12.00"
        image_output_mtok: "30.00"
"""


def _audio_shape_usage(rng: random.Random) -> dict[str, Any]:
    """A usageMetadata around the shapes the fast path reads inline (prompt [TEXT, AUDIO], cache absent, [TEXT]
    or [TEXT, AUDIO], candidates absent or TEXT, AUDIO and IMAGE entries), with each way of leaving those shapes
    or breaking a rule."""
    text, audio = rng.randint(0, 3_000), rng.choice((0, rng.randint(1, 3_000)))
    candidates = rng.randint(0, 900)
    usage: dict[str, Any] = {"promptTokenCount": text + audio, "candidatesTokenCount": candidates}
    prompt_shape = rng.choice(("text-audio",) * 6 + ("audio-text", "off-by-one", "three", "text-only"))
    usage["promptTokensDetails"] = {
        "text-audio": _details(TEXT=text, AUDIO=audio), "audio-text": _details(AUDIO=audio, TEXT=text),
        "off-by-one": _details(TEXT=text, AUDIO=audio + 1),
        "three": [*_details(TEXT=text, AUDIO=audio), {"modality": "AUDIO", "tokenCount": 0}],
        "text-only": _details(TEXT=text + audio)}[prompt_shape]
    cached_text, cached_audio = rng.randint(0, text), rng.randint(0, audio)
    cache_shape = rng.choice(("none", "none-cached", "text", "text-over", "text-audio", "text-audio",
                              "text-over-audio", "audio-over", "sum-off", "audio-text", "three"))
    cache: list[dict[str, Any]] | None = {
        "none": None, "none-cached": None, "text": _details(TEXT=cached_text),
        "text-over": _details(TEXT=text + 1), "text-audio": _details(TEXT=cached_text, AUDIO=cached_audio),
        "text-over-audio": _details(TEXT=text + 1, AUDIO=0), "audio-over": _details(TEXT=0, AUDIO=audio + 1),
        "sum-off": _details(TEXT=cached_text, AUDIO=cached_audio), "audio-text": _details(AUDIO=cached_audio,
                                                                                         TEXT=cached_text),
        "three": [*_details(TEXT=cached_text, AUDIO=cached_audio), {"modality": "TEXT", "tokenCount": 0}]}[cache_shape]
    if cache is not None:
        usage["cacheTokensDetails"] = cache
        usage["cachedContentTokenCount"] = sum(entry["tokenCount"] for entry in cache) + (cache_shape == "sum-off")
    elif cache_shape == "none-cached":
        usage["cachedContentTokenCount"] = rng.randint(1, text + audio + 1)
    image, spoken = rng.randint(0, 2_580), rng.randint(0, 500)
    usage["candidatesTokensDetails"] = rng.choice((
        None, _details(TEXT=candidates), _details(TEXT=candidates + 1), _details(TEXT=candidates, AUDIO=0),
        _details(AUDIO=candidates), _details(TEXT=candidates - image, IMAGE=image),
        _details(IMAGE=candidates), _details(TEXT=candidates - spoken, AUDIO=spoken),
        _details(TEXT=candidates - image - spoken, IMAGE=image, AUDIO=spoken), _details(TEXT=candidates, IMAGE=1),
        _details(TEXT=candidates - 1, VIDEO=1), _details(DOCUMENT=candidates)))
    if usage["candidatesTokensDetails"] is None:
        del usage["candidatesTokensDetails"]
    if rng.random() < 0.1:
        usage["toolUsePromptTokenCount"] = 10
        usage["toolUsePromptTokensDetails"] = rng.choice((_details(TEXT=10), _details(AUDIO=10)))
    if rng.random() < 0.3:
        usage["thoughtsTokenCount"] = rng.randint(0, 300)
    return usage


def test_fast_path_agrees_with_the_reference_on_every_audio_shape(priced: PriceTables, tmp_path: Path) -> None:
    """Each check of the fast path's inline reading (`fast._usual_parts`) and its price flags is needed:
    leaving one out bills a record the reference refuses, or splits it differently, and the bills differ."""
    (tmp_path / "audio-models.yaml").write_text(_MORE_AUDIO_MODELS)
    both = load_tables([PRICES, tmp_path / "audio-models.yaml"])
    rng = random.Random(7)
    lines = []
    for _ in range(1_500):
        model = rng.choice(("gemini-2.5-flash",) * 3 + ("test-audio-model", "test-text-only-model",
                                                         "test-image-model", "test-speech-model",
                                                         "test-media-model"))
        extra = {"batch": True} if model == "gemini-2.5-flash" and rng.random() < 0.2 else {}
        lines.append(_response(_audio_shape_usage(rng), model=model, **extra))
    result = _both_paths(lines, tmp_path, both)
    check_views(result)
    codes = {bad.code for bad in result.bad_records}
    # bad_details: a negative TEXT part (candidates - image < 0); no_cached_price: the image model has no caching
    assert codes == {"bad_details", "cached_above_prompt", "details_mismatch", "no_cache_details", "no_cached_price",
                     "no_modality_price"}
    rows = {row["modality"]: row["tokens"] for row in result.to_json()["by_modality"]}
    assert rows["AUDIO"]["fresh_input"] > 0 and rows["AUDIO"]["cached_input"] > 0
    assert rows["AUDIO"]["output"] > 0 and rows["IMAGE"]["output"] > 0
