"""Usage billing (docs/usage-billing.md): hand-worked bills, each amount's arithmetic written beside it."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from costcalc import PriceTables
from costcalc.usage.api import bill
from costcalc.usage.engine import BadUsageRecord, UsageBiller
from costcalc.usage.report import UsageBill
from tests.conftest import REPO

D = Decimal
M = 1_000_000
SMALL = REPO / "tests" / "fixtures" / "usage" / "small.jsonl"


def response(model: str, when: str, prompt: int, cached: int = 0, output: int = 0, **extra: Any) -> dict[str, Any]:
    usage: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": output}
    if cached:
        usage["cachedContentTokenCount"] = cached
    usage.update(extra.pop("usage", {}))
    return {"modelVersion": model, "timestamp": when, "usageMetadata": usage, **extra}


def cache(name: str, model: str, tokens: int, created: str, expires: str, **extra: Any) -> dict[str, Any]:
    return {"name": f"cachedContents/{name}", "model": f"models/{model}", "createTime": created,
            "expireTime": expires, "usageMetadata": {"totalTokenCount": tokens}, **extra}


def via_file(records: list[dict[str, Any]], tmp_path: Path, tables: PriceTables, **options: Any) -> UsageBill:
    """Bill through the file reader (fast path), and check it agrees with the record-by-record reference path."""
    log = tmp_path / "log.jsonl"
    log.write_text("".join(json.dumps(r) + "\n" for r in records))
    fast = bill([log], tables=tables, **options)
    reference = UsageBiller(tables, **options)
    for number, record in enumerate(records, start=1):
        reference.add(record, source=str(log), line=number)
    assert fast.to_json() == reference.result().to_json()
    return fast


def by_price(result: UsageBill) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = result.to_json()["by_price"]
    return rows


# ---------------------------------------------------------------------------------------------- responses

def test_issue_example_every_bucket_at_the_long_context_tier(tables: PriceTables, tmp_path: Path) -> None:
    # 2.5 Pro from 2025-10-08, above 200K: input $2.50, cached $0.25, output $15.00 per 1M.
    result = via_file([response("gemini-2.5-pro", "2026-03-10T12:00:00Z", 262_960, 257_955, 1_744)], tmp_path,
                      tables)
    assert result.buckets.fresh_input == D(5_005) * D("2.50") / M == D("0.0125125")  # 262,960 - 257,955 fresh
    assert result.buckets.cached_input == D(257_955) * D("0.25") / M == D("0.06448875")
    assert result.buckets.output == D(1_744) * D(15) / M == D("0.02616")
    assert result.total == D("0.10316125")
    assert result.without_caching == D(262_960) * D("2.50") / M + D("0.02616") == D("0.68356")
    assert result.savings == D("0.68356") - D("0.10316125")
    assert by_price(result)[0]["tier"] == "upper"


def test_cache_created_and_used_in_the_same_minute_does_not_push_the_query_over_200k(
        tables: PriceTables, tmp_path: Path) -> None:
    records = [cache("c1", "gemini-2.5-pro", 199_000, "2026-03-10T10:00:05Z", "2026-03-10T11:00:05Z"),
               response("gemini-2.5-pro", "2026-03-10T10:00:40Z", 199_500, 199_000, 100)]
    result = via_file(records, tmp_path, tables)
    # The response's prompt is 199,500 <= 200,000: lower tier, although cache + prompt would be 398,500.
    assert result.buckets.fresh_input == D(500) * D("1.25") / M == D("0.000625")
    assert result.buckets.cached_input == D(199_000) * D("0.125") / M == D("0.024875")
    assert result.buckets.output == D(100) * D(10) / M == D("0.001")
    assert result.buckets.creation == D(199_000) * D("1.25") / M == D("0.24875")  # tier of 199,000: lower
    assert result.buckets.storage == D(199_000) * D("4.50") * 1 / M == D("0.8955")  # one hour
    assert {row["tier"] for row in by_price(result)} == {"lower"}
    assert result.records.caches == 1 and result.records.responses == 1


def test_cache_deleted_early_bills_until_deletion_rounded_once(tables: PriceTables, tmp_path: Path) -> None:
    records = [cache("c", "gemini-2.5-flash", 100_000, "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z",
                     deleteTime="2026-03-10T10:15:00.5Z")]
    result = via_file(records, tmp_path, tables)
    # 900.5 s x 100,000 tokens x $1.00 / 1M / 3600 = 0.0250138888...: repeating, half-even at 20 places.
    assert result.buckets.storage == D("0.02501388888888888889")
    assert result.buckets.creation == D(100_000) * D("0.30") / M == D("0.03")
    assert result.to_json()["buckets"]["storage"] == "0.02501388888888888889"


def test_extended_ttl_latest_update_wins_in_any_order(tables: PriceTables, tmp_path: Path) -> None:
    first = cache("c", "gemini-2.5-flash", 100_000, "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z",
                  updateTime="2026-03-10T10:00:00Z")
    extended = {**first, "updateTime": "2026-03-10T10:30:00.000000001Z", "expireTime": "2026-03-10T12:00:00Z"}
    for records in ([first, extended], [extended, first]):
        result = via_file(records, tmp_path, tables)
        assert result.buckets.storage == D(100_000) * D("1.00") * 2 / M == D("0.2")  # two hours
        assert result.buckets.creation == D("0.03")  # created once
        assert (result.records.cache_records, result.records.caches, result.records.superseded) == (2, 1, 1)


def test_equal_update_times_the_record_read_last_wins(tables: PriceTables, tmp_path: Path) -> None:
    alive = cache("c", "gemini-2.5-flash", 360_000, "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z")
    deleted = {**alive, "deleteTime": "2026-03-10T10:10:00Z"}
    result = via_file([alive, deleted], tmp_path, tables)
    assert result.buckets.storage == D(360_000) * D("1.00") / M / 6 == D("0.06")  # 10 minutes


def test_cache_across_the_3_6_flash_price_change_is_split_at_midnight(tables: PriceTables, tmp_path: Path) -> None:
    records = [cache("f", "gemini-3.6-flash", 200_000, "2026-12-31T23:00:00Z", "2027-01-01T01:00:00Z")]
    result = via_file(records, tmp_path, tables)
    # Promo until 2026-12-31: storage $0.50, from 2027-01-01: $1.00 per 1M per hour; one hour on each side.
    before, after = D(200_000) * D("0.50") / M, D(200_000) * D("1.00") / M
    assert result.buckets.storage == before + after == D("0.3")
    assert result.buckets.creation == D(200_000) * D("0.75") / M == D("0.15")  # promo input price at creation
    days = {row.key: row for row in result.by_day}
    assert days["2026-12-31"].buckets.storage == D("0.1") and days["2026-12-31"].buckets.creation == D("0.15")
    assert days["2027-01-01"].buckets.storage == D("0.2") and days["2027-01-01"].buckets.creation == 0
    assert [row["period"] for row in by_price(result)] == ["2026-08-13", "2027-01-01"]


def test_responses_before_and_after_a_price_change(tables: PriceTables, tmp_path: Path) -> None:
    records = [response("gemini-3.6-flash", "2026-12-31T23:59:59.999999999Z", M, 0, M),
               response("gemini-3.6-flash", "2027-01-01T00:00:00Z", M, 0, M)]
    result = via_file(records, tmp_path, tables)
    days = {row.key: row.total for row in result.by_day}
    assert days == {"2026-12-31": D("0.75") + D("3.75"), "2027-01-01": D("1.50") + D("7.50")}


def test_thinking_and_tool_use_tokens(tables: PriceTables, tmp_path: Path) -> None:
    over = response("gemini-2.5-pro", "2026-03-10T12:00:00Z", 199_000, 0, 1_000,
                    usage={"thoughtsTokenCount": 3_000, "toolUsePromptTokenCount": 1_500})
    result = via_file([over], tmp_path, tables)
    # Tier by 199,000 + 1,500 = 200,500 > 200,000: upper. Fresh = 199,000 + 1,500; output = 1,000 + 3,000.
    assert result.buckets.fresh_input == D(200_500) * D("2.50") / M == D("0.50125")
    assert result.buckets.output == D(4_000) * D(15) / M == D("0.06")
    exactly = response("gemini-2.5-pro", "2026-03-10T12:00:00Z", 198_500, 0, 0,
                       usage={"toolUsePromptTokenCount": 1_500})
    at_threshold = via_file([exactly], tmp_path, tables)  # 198,500 + 1,500 = 200,000: not above, lower tier
    assert at_threshold.buckets.fresh_input == D(200_000) * D("1.25") / M == D("0.25")


def test_batch_prices_but_creation_stays_standard(tables: PriceTables, tmp_path: Path) -> None:
    records = [response("gemini-2.5-flash", "2026-03-01T08:00:00Z", 100_000, 40_000, 10_000, batch=True),
               cache("b", "gemini-2.5-flash", 40_000, "2026-03-01T07:59:00Z", "2026-03-01T08:59:00Z")]
    result = via_file(records, tmp_path, tables)
    # 2.5 Flash batch from 2025-10-08: input $0.15, cached $0.03, output $1.25; creation at standard $0.30.
    assert result.buckets.fresh_input == D(60_000) * D("0.15") / M == D("0.009")
    assert result.buckets.cached_input == D(40_000) * D("0.03") / M == D("0.0012")
    assert result.buckets.output == D(10_000) * D("1.25") / M == D("0.0125")
    assert result.buckets.creation == D(40_000) * D("0.30") / M == D("0.012")
    assert result.without_caching == D(100_000) * D("0.15") / M + D("0.0125") == D("0.0275")


def test_snake_case_records_bill_like_camel_case(tables: PriceTables, tmp_path: Path) -> None:
    camel = [response("gemini-2.5-pro", "2026-03-10T12:00:00Z", 262_960, 257_955, 1_744,
                      usage={"thoughtsTokenCount": 10, "toolUsePromptTokenCount": 20}),
             cache("s", "gemini-2.5-pro", 257_955, "2026-03-10T11:59:00Z", "2026-03-10T12:30:00Z",
                   updateTime="2026-03-10T11:59:00Z", deleteTime="2026-03-10T12:10:00Z")]
    snake = [{"model_version": "gemini-2.5-pro", "create_time": "2026-03-10T12:00:00Z",
              "usage_metadata": {"prompt_token_count": 262_960, "cached_content_token_count": 257_955,
                                 "candidates_token_count": 1_744, "thoughts_token_count": 10,
                                 "tool_use_prompt_token_count": 20}},
             {"name": "cachedContents/s", "model": "models/gemini-2.5-pro", "create_time": "2026-03-10T11:59:00Z",
              "expire_time": "2026-03-10T12:30:00Z", "update_time": "2026-03-10T11:59:00Z",
              "delete_time": "2026-03-10T12:10:00Z", "usage_metadata": {"total_token_count": 257_955}}]
    assert via_file(camel, tmp_path, tables).to_json() == via_file(snake, tmp_path, tables).to_json()


def test_camel_case_wins_over_snake_case_and_null_is_absent(tables: PriceTables, tmp_path: Path) -> None:
    mixed = response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 1_000, 0, 0,
                     usage={"prompt_token_count": 5_000, "candidatesTokenCount": None, "candidates_token_count": 10})
    result = via_file([mixed], tmp_path, tables)
    assert result.tokens.fresh_input == 1_000 and result.tokens.output == 10


# ---------------------------------------------------------------------------------------------- model names

@pytest.mark.parametrize(("name", "model"), [
    ("models/gemini-2.5-pro", "gemini-2.5-pro"),
    ("gemini-2.5-pro-preview-05-06", "gemini-2.5-pro"),
    ("GEMINI-2.0-FLASH-001", "gemini-2.0-flash"),
    ("projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash-001", "gemini-2.0-flash"),
])
def test_model_names_resolve_through_aliases_and_stable_versions(tables: PriceTables, name: str, model: str) -> None:
    result = bill([response(name, "2026-03-10T12:00:00Z", 1_000)], tables=tables)
    assert [row.key for row in result.by_model] == [model]


def test_an_unlisted_preview_is_unknown(tables: PriceTables) -> None:
    result = bill([response("gemini-2.5-flash-preview-09-2025", "2026-03-10T12:00:00Z", 1_000)], tables=tables)
    assert [(b.code, b.reason) for b in result.bad_records] == [
        ("unknown_model", "unknown model 'gemini-2.5-flash-preview-09-2025' on gemini-api")]
    assert result.total == 0


# ---------------------------------------------------------------------------------------------- times

def test_zone_offsets_and_nanoseconds(tables: PriceTables, tmp_path: Path) -> None:
    records = [response("gemini-3.6-flash", "2027-01-01T00:30:00+01:00", M),  # 2026-12-31T23:30Z: promo price
               response("gemini-3.6-flash", "2026-12-31t23:30:00.5-00:45", M)]  # 2027-01-01T00:15:00.5Z
    result = via_file(records, tmp_path, tables)
    assert {row.key: row.total for row in result.by_day} == {"2026-12-31": D("0.75"), "2027-01-01": D("1.50")}
    storage = cache("n", "gemini-2.5-flash", 3_600_000, "2026-03-10T10:00:00.000000001Z",
                    "2026-03-10T10:00:00.000000002Z")
    # 1 ns x 3,600,000 tokens x $1.00 / 1M per hour = $3.60 per hour = $0.001 per s: 10^-12 USD.
    assert via_file([storage], tmp_path, tables).buckets.storage == D("1E-12")


@pytest.mark.parametrize("stamp", ["2026-03-10T12:00:60Z", "2026-03-10T12:00:00", "2026-02-30T12:00:00Z",
                                   "2026-03-10T12:00:00.1234567891Z", "yesterday", "٢٠٢٦-03-10T12:00:00Z"])
def test_bad_times_are_bad_records(tables: PriceTables, tmp_path: Path, stamp: str) -> None:
    result = via_file([response("gemini-2.5-flash", stamp, 10)], tmp_path, tables)
    assert [b.code for b in result.bad_records] == ["bad_time"]
    assert result.bad_records[0].reason.startswith(f"timestamp {json.dumps(stamp, ensure_ascii=False)} is not")


# ---------------------------------------------------------------------------------------------- bad records

@pytest.mark.parametrize(("record", "code"), [
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", -1), "bad_count"),
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 10**12 + 1), "bad_count"),
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", True), "bad_count"),  # type: ignore[arg-type]
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 1.0), "bad_count"),  # type: ignore[arg-type]
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", "100"), "bad_count"),  # type: ignore[arg-type]
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 10, 11), "cached_above_prompt"),
    (response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 10, batch="yes"), "bad_batch"),
    ({"timestamp": "2026-03-10T12:00:00Z", "usageMetadata": {"promptTokenCount": 1}}, "no_model"),
    ({"modelVersion": "gemini-2.5-flash", "usageMetadata": {"promptTokenCount": 1}}, "no_time"),
    ({"modelVersion": "gemini-2.5-flash", "usageMetadata": 7}, "not_a_record"),
    ({"candidates": []}, "not_a_record"),
    (response("gemini-2.5-flash", "2025-01-01T00:00:00Z", 10), "no_price"),  # before 2.5 Flash existed
    (response("gemini-2.5-flash", "2025-05-01T00:00:00Z", 10, 5), "no_cached_price"),  # no cached price yet
    (response("gemini-2.5-flash", "2025-06-20T00:00:00Z", 10, batch=True), "no_batch_price"),  # before 07-07
    (cache("x", "gemini-4-argon", 10_000, "2026-12-10T00:00:00Z", "2026-12-10T01:00:00Z"), "no_explicit_cache"),
    (cache("x", "gemini-3.6-flash", 10_000, "2026-08-12T23:00:00Z", "2026-08-13T01:00:00Z"), "no_storage_price"),
    (cache("x", "gemini-2.5-flash", 10_000, "2026-03-10T10:00:00Z", "2026-03-10T09:00:00Z"), "bad_lifetime"),
    (cache("x", "gemini-2.5-flash", 10_000, "2026-03-10T10:00:00Z", "2027-03-12T10:00:00Z"), "bad_lifetime"),
    ({"name": "cachedContents/x", "model": "gemini-2.5-flash", "createTime": "2026-03-10T10:00:00Z"}, "no_size"),
])
def test_a_record_that_cannot_be_billed_is_listed_never_priced_at_zero(
        tables: PriceTables, tmp_path: Path, record: dict[str, Any], code: str) -> None:
    good = response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M)  # $0.30
    result = via_file([good, record], tmp_path, tables)
    assert [(b.line, b.code) for b in result.bad_records] == [(2, code)]
    assert result.total == D("0.30") and result.records.bad == 1
    with pytest.raises(BadUsageRecord, match=rf":2: .*\[{code}\]; fix or remove"):
        bill([tmp_path / "log.jsonl"], tables=tables, strict=True)


def test_per_character_period_is_a_bad_record_on_vertex(tables: PriceTables) -> None:
    old = response("gemini-1.5-pro-002", "2024-11-01T00:00:00Z", 1_000)
    result = bill([old], tables=tables, platform="vertex-ai")
    assert [(b.code, b.reason) for b in result.bad_records] == [
        ("per_character", "gemini-1.5-pro was billed per character on 2024-11-01; a token log cannot be billed")]


def test_malformed_blank_and_truncated_lines(tables: PriceTables, tmp_path: Path) -> None:
    good = json.dumps(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M))
    log = tmp_path / "log.jsonl"
    log.write_text(f"{good}\n{good[:30]}")
    result = bill([log], tables=tables)  # reported, not fatal
    assert [(b.line, b.code) for b in result.bad_records] == [(2, "truncated_last_line")]
    assert result.total == D("0.30")  # the good line: 1M x $0.30 / 1M
    with pytest.raises(BadUsageRecord, match=r"log.jsonl:2: truncated last line .*\[truncated_last_line\]"):
        bill([log], tables=tables, strict=True)  # --strict stops there like at any bad record
    log.write_text(f"{good}\n\n   \n{{not json\n[1, 2]\n{good}\n{good[:30]}")
    lenient = bill([log], tables=tables)
    assert [(b.line, b.code) for b in lenient.bad_records] == [
        (4, "malformed_json"), (5, "not_an_object"), (7, "truncated_last_line")]
    assert lenient.total == 2 * D("0.30") and lenient.records.lines == 5  # blank lines are not records
    log.write_text(f"{good}\n{good}")  # a complete last line without a newline is billed
    assert bill([log], tables=tables).total == 2 * D("0.30")


def test_bad_line_inside_a_big_block_keeps_its_line_number(tables: PriceTables, tmp_path: Path) -> None:
    good = json.dumps(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 1_000))
    lines = [good] * 5000
    lines[3210] = good.replace("gemini-2.5-flash", "gemini-9")
    lines[4321] = good[:-1]
    log = tmp_path / "big.jsonl"
    log.write_text("\n".join(lines) + "\n")
    result = bill([log], tables=tables)
    assert [(b.line, b.code) for b in result.bad_records] == [(3211, "unknown_model"), (4322, "malformed_json")]
    assert result.tokens.fresh_input == 4998 * 1_000


def test_gzip_log(tables: PriceTables, tmp_path: Path) -> None:
    import gzip

    log = tmp_path / "log.jsonl.gz"
    with gzip.open(log, "wt") as out:
        out.write(json.dumps(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M)) + "\n")
    assert bill([log], tables=tables).total == D("0.30")
    (tmp_path / "broken.gz").write_bytes(b"not gzip at all")
    from costcalc.errors import CostcalcError

    with pytest.raises(CostcalcError, match="gzip"):
        bill([tmp_path / "broken.gz"], tables=tables)


def test_fifo_and_folder_are_refused(tables: PriceTables, tmp_path: Path) -> None:
    import os

    from costcalc.errors import CostcalcError

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for path in (fifo, tmp_path):
        with pytest.raises(CostcalcError, match="not a regular file"):
            bill([path], tables=tables)
    with pytest.raises(CostcalcError, match="cannot read the usage log"):
        bill([tmp_path / "missing.jsonl"], tables=tables)


def test_vertex_minimum_lifetime_is_billed(tmp_path: Path) -> None:
    from datetime import date

    from costcalc.prices.schema import PriceFile
    from tests.conftest import make_model

    model = make_model().model
    tables = PriceTables()
    tables.add(Path("<vertex>"), PriceFile(platform="vertex-ai", models=(model,), min_ttl_seconds=60))
    deleted = cache("v", "test-model", 1_000_000, "2025-02-01T00:00:00Z", "2025-02-01T01:00:00Z",
                    deleteTime="2025-02-01T00:00:10Z")
    result = bill([deleted], tables=tables, platform="vertex-ai")
    # Deleted after 10 s, billed the 60 s minimum: 1M tokens x $4.50 / 60 = $0.075.
    assert result.buckets.storage == D("4.50") / 60 == D("0.075")
    assert model.periods[0].effective == date(2025, 1, 1)


# ---------------------------------------------------------------------------------------------- invariants

def test_views_add_up_to_total_exactly_on_the_shipped_log(tables: PriceTables) -> None:
    result = bill([SMALL], tables=tables)
    check_views(result)
    assert result.records.bad == 6


def check_views(result: UsageBill) -> None:
    total = result.total
    assert sum((row.total for row in result.by_model), D(0)) == total
    assert sum((row.total for row in result.by_day), D(0)) == total
    buckets = result.buckets
    assert buckets.fresh_input + buckets.cached_input + buckets.output + buckets.creation + buckets.storage == total
    data = result.to_json()
    assert sum(D(row["total"]) for row in data["by_price"]) == D(data["total"])
    assert D(data["without_caching"]) - D(data["total"]) == D(data["savings"])
    for view in ("by_model", "by_day", "by_price", "by_modality"):
        for name in ("fresh_input", "cached_input", "output", "creation", "storage", "without_caching"):
            assert sum(D(row[name]) for row in data[view]) == D(data["buckets"].get(name, data.get(name)))
    assert sum(D(row["total"]) for row in data["by_modality"]) == D(data["total"])
    for name in ("fresh_input", "cached_input", "output", "creation"):  # modality tokens add up to the totals
        assert sum(row["tokens"][name] for row in data["by_modality"]) == data["tokens"][name]


def test_iterator_api_bills_as_records_arrive(tables: PriceTables) -> None:
    biller = UsageBiller(tables)
    biller.add(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M))
    assert biller.result().total == D("0.30")
    biller.add_line(json.dumps(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 0, 0, M)))
    assert biller.result().total == D("0.30") + D("2.50")


def test_running_bills_of_a_stream(tables: PriceTables) -> None:
    from costcalc import iter_bills

    stream = [response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M)] * 5
    totals = [running.total for running in iter_bills(stream, every=2, tables=tables)]
    assert totals == [D("0.60"), D("1.20"), D("1.50")]  # after 2, 4 and all 5 records at $0.30 each


def test_a_record_split_over_two_lines_and_two_records_on_one_line_are_both_bad(
        tables: PriceTables, tmp_path: Path) -> None:
    good = json.dumps(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M))
    head, tail = good[:40], good[40:]
    log = tmp_path / "glued.jsonl"
    # Decoding the block as a stream of values would find 4 records in these 4 lines; per line, two are bad.
    log.write_text(f"{good}\n{head}\n{tail} {good}\n{good}\n")
    result = bill([log], tables=tables)
    assert [(b.line, b.code) for b in result.bad_records] == [(2, "malformed_json"), (3, "malformed_json")]
    assert result.total == 2 * D("0.30")


# ---------------------------------------------------------------------------------------------- brute force

_MODELS = ("gemini-2.5-pro", "gemini-2.5-flash", "gemini-3.6-flash")
_DAYS = ("2026-12-30", "2026-12-31", "2027-01-01")


def _stamp(day: int, second: int, nanos: int) -> str:
    return f"{_DAYS[day]}T{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}.{nanos:09d}Z"


def test_views_and_total_match_a_record_by_record_reference(tables: PriceTables) -> None:
    """Random logs: the engine's total equals pricing each record on its own (calc_request for responses,
    exact fractions for storage, which the engine rounds once per key to 10^-20), and every view adds up."""
    import tempfile
    from fractions import Fraction

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from costcalc.cost.money import token_cost
    from costcalc.cost.request import calc_request, find_period, tier_for
    from costcalc.usage.times import NS_PER_DAY, day_of, parse_time, start_of

    responses = st.builds(
        lambda model, day, second, prompt, cached_share, out, thoughts, tool, batch: response(
            model, _stamp(day, second, 0), prompt, prompt * cached_share // 4, out,
            usage={"thoughtsTokenCount": thoughts, "toolUsePromptTokenCount": tool},
            **({"batch": True} if batch and model != "gemini-3.6-flash" else {})),
        st.sampled_from(_MODELS), st.integers(0, 2), st.integers(0, 86399), st.integers(0, 400_000),
        st.integers(0, 4), st.integers(0, 9_000), st.integers(0, 9_000), st.integers(0, 3_000), st.booleans())
    caches = st.builds(
        lambda model, day, second, nanos, life, tokens, number: cache(
            f"c{number}", model, tokens, _stamp(day, second, nanos),
            _iso(parse_time(_stamp(day, second, nanos)) + life)),  # type: ignore[operator]
        st.sampled_from(_MODELS), st.integers(0, 1), st.integers(0, 86399),
        st.integers(0, 10**9 - 1), st.integers(0, 30 * 3600 * 10**9), st.integers(4096, 500_000),
        st.integers(0, 10**6))

    @settings(max_examples=40, deadline=None)
    @given(st.lists(st.one_of(responses, caches), max_size=12))
    def check(records: list[dict[str, Any]]) -> None:
        with tempfile.TemporaryDirectory() as folder:
            result = via_file(records, Path(folder), tables)
        check_views(result)
        expected, storage = D(0), Fraction(0)
        latest: dict[str, tuple[int, int]] = {}  # name -> (updateTime = createTime here, position): max wins
        for position, record in enumerate(records):
            if "name" in record:
                latest[record["name"]] = max(latest.get(record["name"], (0, -1)),
                                             (parse_time(record["createTime"]) or 0, position))
        for position, record in enumerate(records):
            if "name" in record:
                if latest[record["name"]][1] != position:
                    continue
                entry = tables.find_model(record["model"])
                tokens = record["usageMetadata"]["totalTokenCount"]
                start, end = parse_time(record["createTime"]), parse_time(record["expireTime"])
                assert start is not None and end is not None
                period = find_period(entry.model, day_of(start))
                input_price = period.input_mtok
                tier = tier_for(entry.model, tokens)
                price = input_price if isinstance(input_price, Decimal) else (
                    input_price.upper if tier == "upper" else input_price.lower)
                expected += token_cost(tokens, price)
                moment = start
                while moment < end:
                    piece_end = min(end, start_of(day_of(moment)) + NS_PER_DAY)
                    rate = find_period(entry.model, day_of(moment)).storage_mtok_hour
                    assert rate is not None
                    storage += Fraction(tokens * (piece_end - moment)) * Fraction(rate) / (3600 * 10**15)
                    moment = piece_end
            else:
                usage = record["usageMetadata"]
                entry = tables.find_model(record["modelVersion"])
                when = parse_time(record["timestamp"])
                assert when is not None
                cost = calc_request(entry.model, find_period(entry.model, day_of(when)),
                                    usage["promptTokenCount"] + usage["toolUsePromptTokenCount"],
                                    usage.get("cachedContentTokenCount", 0),
                                    usage["candidatesTokenCount"] + usage["thoughtsTokenCount"],
                                    batch=record.get("batch", False))
                expected += cost.total
        assert result.total - result.buckets.storage == expected
        keys = len(result.by_price) * len(_DAYS)
        assert abs(Fraction(result.buckets.storage) - storage) <= Fraction(keys, 2 * 10**20)

    check()


def _iso(ns: int) -> str:
    from costcalc.usage.times import NS_PER_SECOND, day_of

    seconds = ns // NS_PER_SECOND % 86400
    return f"{day_of(ns)}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}.{ns % NS_PER_SECOND:09d}Z"


def test_a_big_log_billed_in_parallel_parts_matches_one_pass(tables: PriceTables, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from costcalc.usage import parallel

    records: list[str] = []
    for number in range(3000):
        if number % 97 == 5:
            records.append('{"broken": ')  # a malformed line in every part
        elif number % 250 == 7:  # caches whose versions fall in different parts
            name = f"p{number % 3}"
            records.append(json.dumps(cache(name, "gemini-2.5-flash", 10_000 + number, "2026-03-10T10:00:00Z",
                                            "2026-03-10T11:00:00Z", updateTime=f"2026-03-10T10:{number % 60:02d}:00Z")))
        else:
            records.append(json.dumps(response("gemini-2.5-flash", f"2026-03-{10 + number % 3}T12:00:00Z",
                                               1_000 + number, number % 500, number % 7)))
    log = tmp_path / "big.jsonl"
    log.write_text("\n".join(records) + "\n" + records[1][:20])  # and a truncated last line
    one_pass = bill([log], tables=tables)  # the library reads in one process unless asked
    monkeypatch.setattr(parallel, "PART_MIN_BYTES", 1)
    monkeypatch.setenv("COSTCALC_BILL_WORKERS", "3")
    assert parallel.workers_for(log) == 3 and parallel.workers_for(log, 2) == 2
    assert bill([log], tables=tables, workers=None).to_json() == one_pass.to_json()
    assert bill([log], tables=tables, workers=2).to_json() == one_pass.to_json()
    assert [b.line for b in one_pass.bad_records][:3] == [6, 103, 200]  # 1-based: number 5, 102, 199
    assert one_pass.bad_records[-1].code == "truncated_last_line"
    with pytest.raises(BadUsageRecord, match=r"big.jsonl:6: not valid JSON"):
        bill([log], tables=tables, strict=True, workers=None)
    monkeypatch.setenv("COSTCALC_BILL_WORKERS", "many")
    from costcalc.errors import CostcalcError

    with pytest.raises(CostcalcError, match="COSTCALC_BILL_WORKERS must be a whole number"):
        bill([log], tables=tables, workers=None)


def test_batch_time_check_agrees_with_the_regular_expression() -> None:
    import random

    from costcalc.usage.times import UTC_TIMES, all_utc_times

    rng = random.Random(7)

    def stamp() -> str:
        text = (f"{rng.randint(1990, 2030):04d}-{rng.randint(0, 13):02d}-{rng.randint(0, 32):02d}"
                f"{rng.choice('Tt x')}{rng.randint(0, 29):02d}:{rng.randint(0, 65):02d}:{rng.randint(0, 65):02d}")
        if rng.random() < 0.7:
            text += "." + "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 10)))
        return text + rng.choice("Zz+")

    for _ in range(3000):  # batches of one format with random digits (the fast case), and mixed ones
        base = stamp()
        stamps = [base] + [stamp() if rng.random() < 0.2 else
                           "".join(rng.choice("0123456789") if c.isdigit() else c for c in base)
                           for _ in range(rng.randint(0, 5))]
        assert all_utc_times(stamps) == (UTC_TIMES.fullmatch("".join(s + "\n" for s in stamps)) is not None)


def test_reader_blocks_keep_lines_whole_across_small_buffers(tmp_path: Path) -> None:
    from costcalc.usage.reader import blocks

    lines = [f'{{"n": {n}, "pad": "{"x" * (n * 7 % 50)}"}}' for n in range(40)]
    log = tmp_path / "lines.jsonl"
    log.write_bytes(b"\xef\xbb\xbf" + "\n".join(lines).encode() + b"\n" + b'{"tail": ')  # BOM, unterminated end
    seen: list[tuple[int, bytes]] = []
    for block in blocks(log, block_bytes=16):  # most lines are longer than the buffer: it grows
        seen.extend((block.first_line + offset, line) for offset, line in enumerate(block.lines))
        assert block.unterminated_last == (block.data == b'{"tail": ')
    assert seen == [(n + 1, line.encode()) for n, line in enumerate(lines)] + [(41, b'{"tail": ')]
    middle = len(lines[0]) + 1 + 3  # bytes [start, stop) of lines 2 and 3 (after the BOM and line 1)
    stop = middle + len(lines[1]) + len(lines[2]) + 2
    ranged = [b.data for b in blocks(log, block_bytes=16, start=middle, stop=stop)]
    assert b"\n".join(ranged) == f"{lines[1]}\n{lines[2]}".encode()


def test_vertex_create_time_and_several_files(tables: PriceTables, tmp_path: Path) -> None:
    vertex = {"modelVersion": "gemini-2.5-flash", "createTime": "2026-03-10T12:00:00.123456Z",
              "usageMetadata": {"promptTokenCount": M}}
    first = via_file([vertex], tmp_path, tables)
    assert first.total == D("0.30") and first.by_day[0].key == "2026-03-10"
    other = tmp_path / "second.jsonl"
    other.write_text('{"oops"\n' + json.dumps(vertex) + "\n")
    both = bill([tmp_path / "log.jsonl", other], tables=tables)
    assert both.total == 2 * D("0.30")
    assert [(b.file, b.line) for b in both.bad_records] == [(str(other), 1)]


def test_windows_line_endings(tables: PriceTables, tmp_path: Path) -> None:
    good = json.dumps(response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M))
    log = tmp_path / "crlf.jsonl"
    log.write_bytes(f"{good}\r\n{good}\r\n\r\n{{oops\r\n".encode())
    result = bill([log], tables=tables)
    assert result.total == 2 * D("0.30")
    assert [(b.line, b.code) for b in result.bad_records] == [(4, "malformed_json")]
