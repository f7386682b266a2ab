"""price_response: one google-genai response, in any of its shapes, priced by bill's own reading."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import genai_prices
import pytest

from costcalc import CostcalcError, bill, load_tables, price_response
from tests.genai_fakes import FakeGemini, response_body

FIXTURES = Path(__file__).parent / "fixtures"
MARCH = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
AUDIO_USAGE = {"promptTokenCount": 30000, "cachedContentTokenCount": 15000, "candidatesTokenCount": 1000,
               "thoughtsTokenCount": 500, "totalTokenCount": 31500,
               "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10000},
                                       {"modality": "AUDIO", "tokenCount": 20000}],
               "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 12000},
                                      {"modality": "TEXT", "tokenCount": 3000}],
               "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 1000}]}


def multimodal_tables():  # type: ignore[no-untyped-def]
    return load_tables(FIXTURES / "multimodal-prices.yaml", bundled=False)


def shapes(fake: FakeGemini, body: dict[str, object]) -> list[object]:
    """The object, its model_dump() (snake, enums, datetimes), its JSON dump by alias and the REST dict."""
    fake.responses.append(body)
    response = fake.client().models.generate_content(model="gemini-2.5-flash", contents="Hi")
    return [response, response.model_dump(), response.model_dump(mode="json", by_alias=True), body]


def test_every_shape_prices_the_same_audio_response() -> None:
    fake = FakeGemini()
    # Test table, gemini-2.5-flash: text $0.30 / cached $0.03 / output $2.50; audio $1.00 / cached audio $0.10.
    # fresh: TEXT 10,000 - 3,000 = 7,000 x $0.30/1M = $0.0021; AUDIO 20,000 - 12,000 = 8,000 x $1.00/1M = $0.008
    # cached: AUDIO 12,000 x $0.10/1M = $0.0012; TEXT 3,000 x $0.03/1M = $0.00009
    # output: (1,000 + 500 thinking) x $2.50/1M = $0.00375; total 0.0101 + 0.00129 + 0.00375 = $0.01514
    for shape in shapes(fake, response_body(AUDIO_USAGE)):
        cost = price_response(shape, at=MARCH, tables=multimodal_tables())
        assert (cost.fresh_input, cost.cached_input, cost.output) == (
            Decimal("0.0101"), Decimal("0.00129"), Decimal("0.00375"))
        assert cost.total == Decimal("0.01514")
        rows = {row.modality: row.buckets.total for row in cost.by_modality}
        assert rows == {"TEXT": Decimal("0.0021") + Decimal("0.00009") + Decimal("0.00375"),
                        "AUDIO": Decimal("0.008") + Decimal("0.0012")}
        assert (cost.model, cost.tier, cost.period.isoformat()) == ("gemini-2.5-flash", "flat", "2026-01-01")
        assert cost.counts.fresh_audio_tokens == 8000 and cost.counts.cached_audio_tokens == 12000


def test_the_record_is_what_bill_reads(tmp_path: Path) -> None:
    fake = FakeGemini()
    response = shapes(fake, response_body(AUDIO_USAGE))[0]
    cost = price_response(response, at=MARCH, tables=multimodal_tables())
    assert bill([dict(cost.record)], tables=multimodal_tables()).total == cost.total
    assert cost.record["timestamp"] == "2026-03-10T12:00:00Z" and "candidates" not in cost.record


def test_time_is_at_else_create_time_else_now() -> None:
    body = response_body({"promptTokenCount": 1000, "candidatesTokenCount": 100})
    # Bundled gemini-2.5-flash: $0.15 input / $3.50 output from 2025-04-17; $0.30 / $2.50 from 2025-06-17.
    # 2025-05-01: 1,000 x 0.15/1M + 100 x 3.50/1M = 0.00015 + 0.00035 = $0.0005
    assert price_response(body, at="2025-05-01T00:00:00Z").total == Decimal("0.0005")
    # createTime 2026-03-10: 1,000 x 0.30/1M + 100 x 2.50/1M = 0.0003 + 0.00025 = $0.00055
    dated = {**body, "createTime": "2026-03-10T12:00:00.123456789Z"}
    cost = price_response(dated)
    assert cost.total == Decimal("0.00055") and cost.time == datetime(2026, 3, 10, 12, 0, 0, 123456, timezone.utc)
    assert price_response(body).time.tzinfo is not None  # now, in UTC
    with pytest.raises(CostcalcError, match="no time zone"):
        price_response(body, at=datetime(2026, 3, 10))


def test_vertex_response_is_dated_by_its_create_time() -> None:
    fake = FakeGemini()
    # Vertex AI gemini-2.5-flash (bundled, from 2025-10-08): $0.30 input, $0.03 cached, $2.50 output.
    # 4,000 - 1,000 = 3,000 x 0.30/1M = 0.0009; 1,000 x 0.03/1M = 0.00003; 300 x 2.50/1M = 0.00075 -> $0.00168
    fake.responses.append(response_body({"promptTokenCount": 4000, "cachedContentTokenCount": 1000,
                                         "candidatesTokenCount": 300}, createTime="2026-03-10T08:00:00.5Z"))
    response = fake.client(vertex=True).models.generate_content(model="gemini-2.5-flash", contents="Hi")
    assert "aiplatform.googleapis.com" in fake.requests[-1][1]
    cost = price_response(response, platform="vertex-ai")
    assert cost.total == Decimal("0.00168") and cost.time.isoformat() == "2026-03-10T08:00:00.500000+00:00"


def test_stream_last_chunk_is_priced() -> None:
    fake = FakeGemini()
    fake.streams.append([response_body({"promptTokenCount": 1000}),
                         response_body({"promptTokenCount": 1000, "candidatesTokenCount": 400})])
    chunks = list(fake.client().models.generate_content_stream(model="gemini-2.5-flash", contents="Hi"))
    # 1,000 x 0.30/1M + 400 x 2.50/1M = 0.0003 + 0.001 = $0.0013
    assert price_response(chunks[-1], at=MARCH).total == Decimal("0.0013")


@pytest.mark.parametrize(("response", "message"), [
    ({"modelVersion": "gemini-2.5-flash"}, "no usage_metadata; pass the whole response"),
    ({"usageMetadata": {"promptTokenCount": 5}}, "pass model="),
    ({"modelVersion": "gemini-9", "usageMetadata": {"promptTokenCount": 5}}, "unknown model 'gemini-9'"),
    ({"modelVersion": "gemini-2.5-flash", "usageMetadata": {"promptTokenCount": -1}}, r"\[bad_count\]"),
    ({"modelVersion": "gemini-2.5-flash", "usageMetadata": {"candidatesTokenCount": 5}}, r"\[no_counts\]"),
    ("a string", "expected a google-genai GenerateContentResponse"),
])
def test_unbillable_responses_are_one_line_errors(response: object, message: str) -> None:
    with pytest.raises(CostcalcError, match=message) as raised:
        price_response(response, at=MARCH)
    assert "\n" not in str(raised.value)


def test_audio_without_an_audio_price_is_refused_not_priced_as_text() -> None:
    body = response_body(AUDIO_USAGE, model="test-text-only-model")
    with pytest.raises(CostcalcError, match="no_modality_price"):
        price_response(body, at=MARCH, tables=multimodal_tables())


@pytest.mark.parametrize(("model", "usage"), [
    ("gemini-2.5-flash", {"promptTokenCount": 30000, "cachedContentTokenCount": 15000, "candidatesTokenCount": 1000,
                          "thoughtsTokenCount": 500}),
    ("gemini-2.5-flash", {"promptTokenCount": 1234, "candidatesTokenCount": 56}),
    ("gemini-2.5-pro", {"promptTokenCount": 300000, "candidatesTokenCount": 1500}),  # upper tier
    ("gemini-2.5-pro", {"promptTokenCount": 100000, "cachedContentTokenCount": 60000, "candidatesTokenCount": 10}),
    ("gemini-2.0-flash", {"promptTokenCount": 5000, "candidatesTokenCount": 700}),
])
def test_text_totals_match_genai_prices(model: str, usage: dict[str, int]) -> None:
    fake = FakeGemini()
    fake.responses.append(response_body(usage, model=model))
    response = fake.client().models.generate_content(model=model, contents="Hi")
    ours = price_response(response, at=MARCH).total
    theirs = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=usage["promptTokenCount"],
                           cache_read_tokens=usage.get("cachedContentTokenCount", 0),
                           output_tokens=usage["candidatesTokenCount"] + usage.get("thoughtsTokenCount", 0)),
        model_ref=model, provider_id="google", genai_request_timestamp=MARCH).total_price
    assert ours == theirs
