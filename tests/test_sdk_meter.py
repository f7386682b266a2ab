"""Meter: a real google-genai Client (mocked HTTP) used sync, async and streaming, with a cache created, updated
and deleted; its running total, and `costcalc bill` of its log, to the same exact total."""

from __future__ import annotations

import asyncio
import json
import os
import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc import CostcalcError, Meter, bill, load_tables
from costcalc.cli.app import app
from tests.conftest import REPO
from tests.genai_fakes import FakeGemini, response_body

D = Decimal
M = 1_000_000
UTC = timezone.utc
TABLES = load_tables()


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def at(self, hour: int, minute: int = 0) -> None:
        self.now = datetime(2026, 3, 10, hour, minute, tzinfo=UTC)


def cache_body(update: str, expire: str) -> dict[str, object]:
    return {"name": "cachedContents/c1", "model": "models/gemini-2.5-flash", "displayName": "docs",
            "createTime": "2026-03-10T12:00:00Z", "updateTime": update, "expireTime": expire,
            "usageMetadata": {"totalTokenCount": 100_000}}


# Bundled gemini-2.5-flash on 2026-03-10: $0.30 input, $0.03 cached, $2.50 output, $1.00 per 1M tokens per hour.
RESPONSES = ((101_000 - 100_000) * D("0.30") + 100_000 * D("0.03") + 500 * D("2.50")  # sync, reads the cache
             + 2_000 * D("0.30") + 800 * D("2.50")  # sync stream, last chunk
             + 3_000 * D("0.30") + 100 * D("2.50")  # async
             + 1_000 * D("0.30") + 40 * D("2.50")) / M  # async stream
CREATION = 100_000 * D("0.30") / M  # $0.03, at the standard input price


def storage(hours: Decimal) -> Decimal:
    return 100_000 * D("1.00") * hours / M


def run_session(fake: FakeGemini, clock: Clock) -> Meter:
    """create (12:00) -> 4 calls -> update at 12:30 (expireTime 13:00 -> 15:00); the cache stays alive."""
    meter = Meter(fake.client(), TABLES, clock=clock)
    client = meter.client
    fake.caches.append(cache_body("2026-03-10T12:00:00Z", "2026-03-10T13:00:00Z"))
    cache = client.caches.create(model="gemini-2.5-flash", config={"contents": ["a long document"], "ttl": "3600s"})
    clock.at(12, 10)
    fake.responses.append(response_body({"promptTokenCount": 101_000, "cachedContentTokenCount": 100_000,
                                         "candidatesTokenCount": 500}))
    client.models.generate_content(model="gemini-2.5-flash", contents="Q1", config={"cached_content": cache.name})
    fake.streams.append([response_body({"promptTokenCount": 2_000, "candidatesTokenCount": 300}),
                         response_body({"promptTokenCount": 2_000, "candidatesTokenCount": 800})])
    assert len(list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="Q2"))) == 2

    async def calls() -> None:
        fake.responses.append(response_body({"promptTokenCount": 3_000, "candidatesTokenCount": 100}))
        await client.aio.models.generate_content(model="gemini-2.5-flash", contents="Q3")
        fake.streams.append([response_body({"promptTokenCount": 1_000, "candidatesTokenCount": 40})])
        async for _ in await client.aio.models.generate_content_stream(model="gemini-2.5-flash", contents="Q4"):
            pass
        clock.at(12, 30)
        fake.caches.append(cache_body("2026-03-10T12:30:00Z", "2026-03-10T15:00:00Z"))
        await client.aio.caches.update(name=cache.name, config={"ttl": "9000s"})

    asyncio.run(calls())
    return meter


def cli_total(path: Path) -> Decimal:
    os.chdir(REPO)
    result = CliRunner().invoke(app, ["bill", str(path), "--format", "json"])
    assert result.exit_code == 0, result.stderr
    return Decimal(json.loads(result.stdout)["total"])


def test_running_total_accrues_live_cache_storage_up_to_now() -> None:
    meter = run_session(FakeGemini(), Clock())
    assert len(meter.records()) == 6  # 4 responses, 2 cache versions
    # at 13:00 the cache has lived 1 h: storage 100,000 x $1.00/1M x 1 = $0.10
    assert meter.total(datetime(2026, 3, 10, 13, 0, tzinfo=UTC)) == RESPONSES + CREATION + storage(D(1))
    # never past expireTime (15:00, from the update): 3 h = $0.30
    assert meter.total(datetime(2026, 3, 11, tzinfo=UTC)) == RESPONSES + CREATION + storage(D(3))
    assert RESPONSES + CREATION + storage(D(1)) == D("0.1387")  # 0.0087 + 0.03 + 0.10


def test_log_of_a_live_cache_bills_its_announced_lifetime(tmp_path: Path) -> None:
    meter = run_session(FakeGemini(), Clock())
    path = tmp_path / "usage.jsonl"
    meter.write_jsonl(path)
    expected = meter.total(datetime(2026, 3, 10, 15, 0, tzinfo=UTC))
    assert cli_total(path) == expected == RESPONSES + CREATION + storage(D(3))


def test_deleted_cache_log_bills_to_the_meter_total(tmp_path: Path) -> None:
    fake, clock = FakeGemini(), Clock()
    meter = run_session(fake, clock)
    clock.at(13, 30)
    meter.client.caches.delete(name="c1")  # the id alone names the cache too
    assert fake.requests[-1][0] == "DELETE"
    # deleted at 13:30: 1.5 h of storage = $0.15, whatever `now` is asked later
    expected = RESPONSES + CREATION + storage(D("1.5"))
    assert meter.total() == meter.total(datetime(2026, 3, 12, tzinfo=UTC)) == expected == D("0.1887")
    path = tmp_path / "usage.jsonl"
    meter.write_jsonl(path)
    assert cli_total(path) == expected
    assert bill([path], tables=TABLES).total == expected
    assert json.loads(path.read_text().splitlines()[-1])["deleteTime"] == "2026-03-10T13:30:00Z"


def test_vertex_client_meters_on_vertex_prices_by_create_time(tmp_path: Path) -> None:
    fake = FakeGemini()
    meter = Meter(fake.client(vertex=True), TABLES, clock=Clock())
    assert meter.platform == "vertex-ai"
    fake.responses.append(response_body({"promptTokenCount": 4_000, "candidatesTokenCount": 300},
                                        createTime="2026-03-09T23:59:59.9Z"))
    meter.client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
    # Vertex AI gemini-2.5-flash: 4,000 x $0.30/1M + 300 x $2.50/1M = 0.0012 + 0.00075 = $0.00195
    assert meter.total() == D("0.00195")
    assert meter.bill().by_day[0].key == "2026-03-09"  # the response's own time, not the meter's clock
    meter.write_jsonl(tmp_path / "v.jsonl")
    assert bill([tmp_path / "v.jsonl"], tables=TABLES, platform="vertex-ai").total == D("0.00195")


def test_an_unbillable_response_is_kept_and_named() -> None:
    meter = Meter(tables=TABLES, clock=Clock())
    meter.record_response({"modelVersion": "gemini-2.5-flash"})
    with pytest.raises(CostcalcError, match=r"1 recorded record\(s\) cannot be billed.*not_a_record"):
        meter.total()
    assert meter.bill().records.bad == 1
    with pytest.raises(CostcalcError, match="wraps no client"):
        meter.client  # noqa: B018


def test_appends_from_many_threads_are_all_billed() -> None:
    meter = Meter(tables=TABLES, clock=Clock())
    body = response_body({"promptTokenCount": 1_000, "candidatesTokenCount": 100})

    def work() -> None:
        for _ in range(50):
            meter.record_response(body)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # 400 x (1,000 x $0.30 + 100 x $2.50)/1M = 400 x $0.00055 = $0.22
    assert meter.total() == D("0.22") and len(meter.records()) == 400


def test_a_stream_left_early_is_recorded_with_the_usage_seen() -> None:
    fake, clock = FakeGemini(), Clock()
    meter = Meter(fake.client(), TABLES, clock=clock)
    fake.streams.append([response_body({"promptTokenCount": 1_000, "candidatesTokenCount": 10}),
                         response_body({"promptTokenCount": 1_000, "candidatesTokenCount": 20})])
    stream = meter.client.models.generate_content_stream(model="gemini-2.5-flash", contents="Hi")
    next(iter(stream))
    stream.close()  # type: ignore[attr-defined]
    # 1,000 x $0.30/1M + 10 x $2.50/1M = 0.0003 + 0.000025 = $0.000325
    assert meter.total(clock.now + timedelta(hours=1)) == D("0.000325")
