"""Usage billing after review: hostile lines, records that used to be billed at $0, deletions in any order,
repeated files, and the smaller rules (docs/usage-billing.md). Each amount's arithmetic is written beside it."""

from __future__ import annotations

import gzip
import json
import os
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.errors import CostcalcError
from costcalc.usage.api import bill
from costcalc.usage.engine import BadUsageRecord, UsageBiller
from costcalc.usage.report import UsageBill
from tests.conftest import REPO
from tests.test_usage import cache, response, via_file

D = Decimal
M = 1_000_000
FIXTURES = REPO / "tests" / "fixtures" / "usage"
runner = CliRunner()
GOOD = response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M)  # 1M x $0.30 / 1M = $0.30


def _codes(result: UsageBill) -> list[tuple[int, str]]:
    return [(b.line, b.code) for b in result.bad_records]


def _cli(*args: str, stdin: bytes | str | None = None) -> tuple[int, str, str]:
    os.chdir(REPO)
    result = runner.invoke(app, ["bill", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


# ------------------------------------------------------------------------------------- 1. deep nesting

@pytest.mark.parametrize("deep", [
    '{"x":' * 2000 + "1" + "}" * 2000,  # nested objects
    "[" * 3000 + "]" * 3000,  # nested arrays
    json.dumps(GOOD)[:-1] + ', "candidates": ' + "[" * 3000 + "]" * 3000 + "}",  # inside an ignored field
])
def test_a_deeply_nested_line_is_one_bad_record(tables: PriceTables, tmp_path: Path, deep: str) -> None:
    log = tmp_path / "deep.jsonl"
    log.write_text(f"{json.dumps(GOOD)}\n{deep}\n{json.dumps(GOOD)}\n")
    result = bill([log], tables=tables)
    assert _codes(result) == [(2, "too_deep")]
    assert result.total == 2 * D("0.30") and result.records.lines == 3
    log.write_text(f"{json.dumps(GOOD)}\n{deep}")  # also as a last line without its newline
    assert _codes(bill([log], tables=tables)) == [(2, "too_deep")]
    with pytest.raises(BadUsageRecord, match=r"deep.jsonl:2: .*\[too_deep\]"):
        bill([log], tables=tables, strict=True)


# ------------------------------------------------------------------------------------- 2. silent $0

def test_vertex_cache_names_are_caches_on_any_platform(tables: PriceTables, tmp_path: Path) -> None:
    vertex_name = "projects/p1/locations/us-central1/cachedContents/123"
    record = cache("x", "gemini-2.5-flash", 100_000, "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z")
    record["name"] = vertex_name
    result = via_file([record], tmp_path, tables)
    # creation 100,000 x $0.30 / 1M = $0.03; storage 100,000 x $1.00 / 1M x 1 h = $0.10
    assert result.buckets.creation == D("0.03") and result.buckets.storage == D("0.1")
    assert result.records.caches == 1 and result.bad_records == ()


@pytest.mark.parametrize("usage", [{}, {"inputTokenCount": 1000, "outputTokenCount": 10},
                                   {"promptTokenCount": None, "candidatesTokenCount": 5}])
def test_a_response_without_a_prompt_count_is_a_bad_record(tables: PriceTables, tmp_path: Path,
                                                           usage: dict[str, Any]) -> None:
    odd = {"modelVersion": "gemini-2.5-flash", "timestamp": "2026-03-10T12:00:00Z", "usageMetadata": usage}
    result = via_file([GOOD, odd], tmp_path, tables)
    assert [(b.line, b.code, b.reason) for b in result.bad_records] == [
        (2, "no_counts", "usageMetadata has no promptTokenCount; is this a Gemini response?")]
    assert result.total == D("0.30") and result.records.responses == 1
    with pytest.raises(BadUsageRecord, match=r"\[no_counts\]"):
        bill([odd], tables=tables, strict=True)


def test_a_zero_prompt_count_is_still_a_response(tables: PriceTables, tmp_path: Path) -> None:
    zero = response("gemini-2.5-flash", "2026-03-10T12:00:00Z", 0, output=1_000)  # 1,000 x $2.50 / 1M
    assert via_file([zero], tmp_path, tables).total == D("0.0025")


# ------------------------------------------------------------------------------------- 3. deletions

def test_the_earliest_deletion_ends_the_cache_in_any_file_order(tables: PriceTables, tmp_path: Path) -> None:
    created = "2026-03-10T10:00:00Z"
    deleted = cache("d", "gemini-2.5-flash", 100_000, created, "2026-03-10T11:00:00Z",
                    updateTime=created, deleteTime="2026-03-10T10:30:00Z")
    # A later version (TTL extended at 10:20, logged without the deletion) or a stale copy: neither brings
    # the cache back after 10:30.
    extended = cache("d", "gemini-2.5-flash", 100_000, created, "2026-03-10T14:00:00Z",
                     updateTime="2026-03-10T10:20:00Z")
    stale = cache("d", "gemini-2.5-flash", 100_000, created, "2026-03-10T11:00:00Z")
    storage = D(100_000) * D(1) / M / 2  # half an hour at $1.00 per 1M per hour = $0.05
    bills = []
    for records in ([deleted, extended, stale], [extended, stale, deleted], [stale, deleted, extended]):
        result = via_file(records, tmp_path, tables)
        assert result.buckets.storage == storage == D("0.05")
        assert result.records.caches == 1 and result.records.superseded == 2
        bills.append(result.to_json())
    assert bills[0] == bills[1] == bills[2]
    # Two deletions: the earlier wins (10:15: a quarter hour, $0.025).
    early = dict(deleted, deleteTime="2026-03-10T10:15:00Z", updateTime="2026-03-10T10:15:00Z")
    assert via_file([early, deleted], tmp_path, tables).buckets.storage == D("0.025")


# ------------------------------------------------------------------------------------- 6. repeated files

def test_a_file_given_twice_is_refused(tables: PriceTables, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(GOOD) + "\n")
    link = tmp_path / "link.jsonl"
    link.symlink_to(log)
    with pytest.raises(CostcalcError, match="is given twice; each log is billed once"):
        bill([log, log], tables=tables)
    with pytest.raises(CostcalcError, match=r"link.jsonl is given twice \(the same file as .*log.jsonl\)"):
        bill([log, link], tables=tables)
    for args in ([str(log), str(log)], [str(log), str(link)]):
        code, out, err = _cli(*args)
        assert code == 2 and out == "" and "is given twice" in err and err.count("\n") == 1


# ------------------------------------------------------------------------------------- 7. CSV, empty log

def test_empty_log_warns_no_records(tmp_path: Path) -> None:
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    code, out, err = _cli(str(empty), "--format", "json")
    assert code == 0 and json.loads(out)["total"] == "0"
    assert err == f"costcalc: warning: no records in {empty}; nothing was billed\n"


def test_csv_total_row_counts_records_and_bad_records(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text(json.dumps(GOOD) + "\n{broken\n")
    code, out, _ = _cli(str(log), "--format", "csv")
    rows = out.splitlines()
    assert code == 0 and rows[0].endswith(",total,without_caching,records,bad_records,audio,image,video")
    assert rows[-1] == "total,,0.3,0,0,0,0,0.3,0.3,2,1,0,0,0"  # 2 lines read, 1 not billed, no audio/image/video


# ------------------------------------------------------------------------------------- 8. reasons

def test_reasons_for_exponents_huge_numbers_gzip_and_a_lone_dict(tables: PriceTables, tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    log.write_text('{"modelVersion": "gemini-2.5-flash", "timestamp": "2026-03-10T12:00:00Z", '
                   '"usageMetadata": {"promptTokenCount": 1e3}}\n'
                   '{"modelVersion": "gemini-2.5-flash", "timestamp": "2026-03-10T12:00:00Z", '
                   '"usageMetadata": {"promptTokenCount": 1e309}}\n')
    reasons = [(b.code, b.reason) for b in bill([log], tables=tables).bad_records]
    assert reasons == [
        ("bad_count", "promptTokenCount must be a whole number from 0 to 1,000,000,000,000 written in digits, got "
                      "a number with a fraction or exponent (1000.0)"),
        ("malformed_json", "not valid JSON: a number is out of range")]
    zipped = gzip.compress(json.dumps(GOOD).encode() + b"\n")
    code, out, err = _cli("-", stdin=zipped)
    assert code == 2 and out == "" and err == (
        "costcalc: error: <stdin> looks like gzip data, not JSON Lines; give the .gz file name or pipe through "
        "gunzip\n")
    misnamed = tmp_path / "log.jsonl"
    misnamed.write_bytes(zipped)
    with pytest.raises(CostcalcError, match="looks like gzip data, not JSON Lines; name it"):
        bill([misnamed], tables=tables)
    with pytest.raises(CostcalcError, match=r"pass bill\(\[record\]\), not bill\(record\)"):
        bill(GOOD, tables=tables)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------- 9. odd caches, shutdown

@pytest.mark.parametrize(("change", "code", "reason"), [
    ({"updateTime": "2026-03-10T09:00:00Z"}, "bad_lifetime", "updateTime is before createTime"),
    ({"usageMetadata": {"totalTokenCount": 0}}, "no_size", "usageMetadata.totalTokenCount is 0; a cache holds tokens"),
    ({"name": "cachedContents/"}, "bad_cache_name", "name 'cachedContents/' has no cache id after cachedContents/"),
    ({"name": "projects/p/cachedContents/"}, "bad_cache_name",
     "name 'projects/p/cachedContents/' has no cache id after cachedContents/"),
])
def test_odd_cache_records_are_bad_records(tables: PriceTables, tmp_path: Path, change: dict[str, Any], code: str,
                                           reason: str) -> None:
    record = {**cache("c", "gemini-2.5-flash", 100_000, "2026-03-10T10:00:00Z", "2026-03-10T11:00:00Z"), **change}
    result = via_file([record], tmp_path, tables)
    assert [(b.code, b.reason) for b in result.bad_records] == [(code, reason)] and result.total == 0


def test_total_token_count_zero_on_a_response_is_not_read(tables: PriceTables, tmp_path: Path) -> None:
    record = response("gemini-2.5-flash", "2026-03-10T12:00:00Z", M, usage={"totalTokenCount": 0})
    assert via_file([record], tmp_path, tables).total == D("0.30")  # totalTokenCount is never read


def test_responses_after_a_shutdown_are_billed_with_a_note(tables: PriceTables, tmp_path: Path) -> None:
    # gemini-2.0-flash shut down on 2026-06-01 (tables); still billed at its last price, $0.10 per 1M input.
    before = response("gemini-2.0-flash", "2026-06-01T23:00:00Z", M)
    after = [response("gemini-2.0-flash", f"2026-06-{day:02d}T10:00:00Z", M) for day in (2, 5)]
    result = via_file([before, *after], tmp_path, tables)
    assert result.total == 3 * D("0.10") and result.bad_records == ()
    assert result.notes == ("gemini-2.0-flash: 2 responses dated after its shutdown (2026-06-01), on 2026-06-02 "
                            "to 2026-06-05; billed at its last prices: check the log's times and model names",)
    assert result.to_json()["notes"] == list(result.notes)
    assert via_file([before], tmp_path, tables).notes == ()  # on the shutdown day itself: no note


# ------------------------------------------------------------------------------------- 10. by_price nulls

def test_by_price_names_input_and_output_prices_of_any_key_with_responses(tables: PriceTables,
                                                                          tmp_path: Path) -> None:
    row = via_file([GOOD], tmp_path, tables).to_json()["by_price"][0]
    assert row["output_tokens"] == 0 and row["output_mtok"] == "2.5"  # the price the responses were billed at
    assert row["cached_mtok"] is None and row["creation_input_mtok"] is None and row["storage_mtok_hour"] is None


# ------------------------------------------------------------------------------------- 11. long lives

def test_a_year_long_cache_is_split_per_day_like_a_day_by_day_walk(tables: PriceTables, tmp_path: Path) -> None:
    """Whole days are summed per range; the per-day keys must equal walking the life day by day."""
    from costcalc.cost.request import find_period
    from costcalc.usage.times import NS_PER_DAY, day_of, parse_time, start_of

    records = [cache("long", "gemini-3.6-flash", 100_000, "2026-08-13T10:00:00.5Z", "2027-08-08T09:00:00Z"),
               cache("mid", "gemini-3.6-flash", 300_000, "2026-12-20T23:00:00Z", "2027-01-03T01:00:00Z"),
               cache("day", "gemini-2.5-flash", 50_000, "2026-12-31T10:00:00Z", "2027-01-01T10:00:00Z")]
    result = via_file(records, tmp_path, tables)
    assert result.bad_records == ()
    expected: dict[str, Fraction] = {}
    for record in records:
        model = tables.find_model(record["model"]).model
        tokens = record["usageMetadata"]["totalTokenCount"]
        moment, end = parse_time(record["createTime"]), parse_time(record["expireTime"])
        assert moment is not None and end is not None
        while moment < end:
            piece_end = min(end, start_of(day_of(moment)) + NS_PER_DAY)
            rate = find_period(model, day_of(moment)).storage_mtok_hour
            assert rate is not None
            day = day_of(moment).isoformat()
            expected[day] = expected.get(day, Fraction(0)) + Fraction(tokens * (piece_end - moment)) * Fraction(
                rate) / (3600 * 10**15)
            moment = piece_end
    got = {row.key: row.buckets.storage for row in result.by_day}
    assert set(got) == set(expected) and len(got) == 361  # 2026-08-13 .. 2027-08-08
    # Each day's storage is one key per model, rounded once to 10^-20: within 10^-20 per model of the day.
    assert all(abs(Fraction(got[day]) - expected[day]) <= Fraction(2, 10**20) for day in got)
    assert got["2026-12-25"] == D(400_000) * D("0.50") * 24 / M == D("4.8")  # two caches at the promotion price
    assert got["2027-01-02"] == D(400_000) * D("1.00") * 24 / M == D("9.6")  # both at the regular price


def test_a_long_life_reaching_a_day_without_storage_price_is_refused_whole(tables: PriceTables,
                                                                             tmp_path: Path) -> None:
    # 3.6 Flash has no storage price before 2026-08-13; a life starting 2026-07-25 fails on its first day.
    early = cache("e", "gemini-3.6-flash", 100_000, "2026-07-25T10:00:00Z", "2027-07-20T09:00:00Z")
    result = via_file([early], tmp_path, tables)
    assert [(b.code, b.reason) for b in result.bad_records] == [
        ("no_storage_price", "gemini-3.6-flash has no cache storage price on 2026-07-25")]
    assert result.total == 0


def test_many_long_caches_bill_quickly_and_exactly(tables: PriceTables) -> None:
    """2,000 caches of 300 days: every whole day is the same key, so the sum is checkable by hand."""
    biller = UsageBiller(tables)
    for number in range(2_000):
        biller.add(cache(f"c{number}", "gemini-2.5-flash", 10_000, "2026-01-01T00:00:00Z", "2026-10-28T00:00:00Z"))
    result = biller.result()
    # 2,000 x 10,000 tokens x 300 days x 24 h x $1.00 / 1M = $144,000; creation 2e7 x $0.30 / 1M = $6
    assert (date(2026, 10, 28) - date(2026, 1, 1)) == timedelta(days=300)
    assert result.buckets.storage == D(144_000) and result.buckets.creation == D(6)
    assert len(result.by_day) == 300


# ------------------------------------------------------------------------------------- 12. wording

def test_one_response_is_singular(tmp_path: Path) -> None:
    log = tmp_path / "one.jsonl"
    log.write_text(json.dumps(GOOD) + "\n")
    code, out, _ = _cli(str(log))
    assert code == 0 and "1 record read: 1 response, 0 caches (0 cache records, 0 superseded), 0 bad" in out


def test_lines_at_finds_the_same_lines_as_splitting() -> None:
    import random

    from costcalc.usage.lines import lines_at

    rng = random.Random(5)
    for _ in range(200):
        lines = [b"x" * rng.choice((0, 1, 5, 80, 400)) for _ in range(rng.randint(1, 60))]
        data = b"\n".join(lines)
        buffer = bytearray(data + b"\n" + b"tail\nmore")  # bytes after `end` must be ignored
        wanted = sorted(rng.sample(range(len(lines)), rng.randint(0, len(lines))))
        assert lines_at(buffer, len(data), len(lines) - 1, wanted) == [lines[i] for i in wanted]
        assert lines_at(data, len(data), len(lines) - 1, wanted) == [lines[i] for i in wanted]


@pytest.mark.parametrize(("load", "idle"), [(0.0, 4), (1.4, 3), (2.6, 1), (3.6, 1), (9.0, 1)])
def test_the_cli_uses_one_process_per_idle_core(monkeypatch: pytest.MonkeyPatch, load: float, idle: int) -> None:
    from costcalc.usage import parallel

    monkeypatch.setattr(parallel.os, "sched_getaffinity", lambda _: {0, 1, 2, 3}, raising=False)
    monkeypatch.setattr(parallel.os, "getloadavg", lambda: (load, 0.0, 0.0))
    assert parallel.idle_cores() == idle  # round(4 - load), at least 1
