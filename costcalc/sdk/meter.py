"""`Meter`: a running exact bill of what a google-genai Client did, caches' creation and storage included.

Every response and every version of a cache becomes the record `costcalc bill` reads, billed as it arrives by a
running `UsageBiller` (so `total()` prices aggregates, not the whole history). `write_jsonl` writes the records,
and `costcalc bill` of that file gives the meter's bill.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.sdk.normalise import cache_record, moment_of, response_record, rfc3339
from costcalc.sdk.proxies import MeteredClient
from costcalc.usage.engine import UsageBiller
from costcalc.usage.records import cache_id
from costcalc.usage.report import UsageBill

SOURCE = "meter"


class Meter:
    """Records what a google-genai Client does and bills it exactly at any moment.

        meter = Meter(genai.Client())
        client = meter.client                  # use it as the client: calls go through and are recorded
        client.models.generate_content(model="gemini-2.5-flash", contents="Hi")
        print(meter.total())                   # USD, exact
        meter.write_jsonl("usage.jsonl")       # `costcalc bill usage.jsonl` gives the same bill

    Thread-safe: records are appended under a lock. `clock` (tests) gives the current time as an aware datetime.
    """

    def __init__(self, client: Any = None, tables: PriceTables | None = None, *, platform: str | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        """`platform`: "gemini-api" or "vertex-ai"; by default the client's (`client.vertexai`)."""
        self._inner = client
        self.platform = platform or ("vertex-ai" if getattr(client, "vertexai", False) is True else "gemini-api")
        self._clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()
        self._records: list[dict[str, Any]] = []
        self._caches: dict[str, dict[str, Any]] = {}
        """Cache id -> its latest recorded version (a deletion copies it)."""
        self._deleted: set[str] = set()
        self._biller = UsageBiller(tables, self.platform)
        self._client = None if client is None else MeteredClient(client, self)

    @property
    def client(self) -> Any:
        """The wrapped client: use it in place of the real one."""
        if self._client is None:
            raise CostcalcError("this Meter wraps no client; create it as Meter(genai.Client(...))")
        return self._client

    # ----------------------------------------------------------------- recording
    def record_response(self, response: Any, *, model: str | None = None) -> None:
        """Record one response (also for responses got without the wrapped client). A response without usage is
        recorded as what it is, so the bill counts it as a bad record rather than forgetting it."""
        now = self._now()
        try:
            record = response_record(response, model=model, now=now)
        except CostcalcError as error:
            record = {"model": model, "timestamp": rfc3339(now), "unbillable": str(error)}
        self._add(record)

    def record_stream_end(self, last_chunk: Any, model: str | None) -> None:
        """A stream ended (or was left): record its last chunk with usage."""
        if last_chunk is None:
            self._add({"model": model, "timestamp": rfc3339(self._now()),
                       "unbillable": "the stream ended without any chunk carrying usage_metadata"})
            return
        self.record_response(last_chunk, model=model)

    def record_cache(self, cached_content: Any) -> None:
        """Record a version of a cache (what caches.create, update or get returned)."""
        record = cache_record(cached_content)
        with self._lock:
            self._caches[cache_id(record) or record["name"]] = record
            self._append(record)

    def record_deletion(self, name: str) -> None:
        """Record that the cache `name` (full name or id) was deleted now: its latest version with deleteTime.
        A cache this meter never saw is not in its bill, so its deletion is not recorded either."""
        key = cache_id({"name": name}) or name
        now = self._now()
        with self._lock:
            latest = self._caches.get(key)
            if latest is None or key in self._deleted:
                return
            self._deleted.add(key)
            self._append(_deleted(latest, now))

    # ----------------------------------------------------------------- results
    def records(self) -> list[dict[str, Any]]:
        """Every record so far, in order (what `write_jsonl` writes)."""
        with self._lock:
            return [dict(record) for record in self._records]

    def bill(self, now: datetime | None = None) -> UsageBill:
        """The bill of everything recorded, caches still alive billed up to `now` (default: the current time;
        never past their expireTime): what has accrued so far. Bad records are listed in `bad_records`."""
        moment = now or self._now()
        with self._lock:
            live = [_deleted(record, moment) for key, record in self._caches.items() if key not in self._deleted]
            if not live:
                return self._biller.result()
            biller = UsageBiller(self._biller.tables, self.platform)
            biller.add_line(b"", source=SOURCE)  # names the source (a blank line is not a record)
            biller.merge(self._biller.part(), source=0, line_offset=0)
        for record in live:  # a copy of the latest version ending at `now` (the earliest deletion wins)
            biller.add(record, source=SOURCE)
        return biller.result()

    def total(self, now: datetime | None = None) -> Decimal:
        """The exact total so far in USD (see `bill`); CostcalcError if a recorded record cannot be billed."""
        result = self.bill(now)
        if result.bad_records:
            bad = result.bad_records[0]
            raise CostcalcError(f"{len(result.bad_records):,} recorded record(s) cannot be billed; the first, "
                                f"record {bad.line}: {bad.reason} [{bad.code}]; see meter.bill().bad_records")
        return result.total

    def write_jsonl(self, path: str | Path) -> None:
        """Write every record as JSON Lines. `costcalc bill` of the file bills caches still alive to their
        expireTime (the lifetime announced), so it equals `total(now)` for any `now` at or after the last of
        them, and always once every cache is deleted."""
        lines = "".join(json.dumps(record, separators=(",", ":")) + "\n" for record in self.records())
        Path(path).write_text(lines, encoding="utf-8")

    # ----------------------------------------------------------------- internals
    def _now(self) -> datetime:
        moment = self._clock()
        rfc3339(moment)  # refuses a naive time at once
        return moment

    def _add(self, record: dict[str, Any]) -> None:
        with self._lock:
            self._append(record)

    def _append(self, record: dict[str, Any]) -> None:
        self._records.append(record)
        self._biller.add(record, source=SOURCE, line=len(self._records))


def _deleted(version: dict[str, Any], moment: datetime) -> dict[str, Any]:
    """The version with deleteTime `moment` (not before its createTime: a clock behind the server's)."""
    created = version.get("createTime")
    if isinstance(created, str) and moment_of(created) > moment:
        return {**version, "deleteTime": created}
    return {**version, "deleteTime": rfc3339(moment)}
