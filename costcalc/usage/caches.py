"""Cache records: the latest version of each cache, its creation, and its storage split at each 00:00 UTC.

Rules: docs/usage-billing.md, "Cache records".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from costcalc.cost.request import PricedModel, tier_for
from costcalc.usage.counts import AggregateKey, CountTable
from costcalc.usage.lookup import PriceLookup, RecordError
from costcalc.usage.records import count, field, model_name, time_ns
from costcalc.usage.times import NS_PER_DAY, NS_PER_SECOND, day_of, start_of

MAX_LIFETIME_DAYS = 366
"""A billed lifetime longer than this is a wrong expireTime, not a cache (and would split into too many days)."""


@dataclass(frozen=True)
class CacheVersion:
    """One well-formed cache record: what it says about its cache, and where it was read."""

    name: str
    """`cachedContents/...`: several records with one name are versions of one cache."""
    entry: PricedModel
    tokens: int
    """usageMetadata.totalTokenCount."""
    created_ns: int
    ends_ns: int
    """End of the billed lifetime: min(deleteTime, expireTime), at least the platform's minimum lifetime."""
    updated_ns: int
    """updateTime (createTime when absent): the latest describes the cache."""
    source: int
    """Index of the file it was read from (bad records and ties are ordered by it)."""
    line: int


def cache_version(record: Mapping[str, Any], lookup: PriceLookup, source: int, line: int) -> CacheVersion:
    """A cache record's facts, or RecordError for a malformed one (price checks come later, on the winner)."""
    usage = field(record, "usageMetadata", "usage_metadata")[1]
    if not isinstance(usage, dict) or field(usage, "totalTokenCount", "total_token_count")[1] is None:
        raise RecordError("no_size", "no usageMetadata.totalTokenCount")
    tokens = count(usage, "totalTokenCount", "total_token_count")
    entry = lookup.model(model_name(record, ("model", None)))
    if entry.model.caching != "explicit":
        raise RecordError("no_explicit_cache", f"{entry.model.id} has no explicit caching (no cache storage)")
    created = time_ns(record, (("createTime", "create_time"),), "no createTime")
    expires = time_ns(record, (("expireTime", "expire_time"),), "no expireTime")
    updated = created
    if field(record, "updateTime", "update_time")[1] is not None:
        updated = time_ns(record, (("updateTime", "update_time"),), "")
    ends = expires
    if field(record, "deleteTime", "delete_time")[1] is not None:
        deleted = time_ns(record, (("deleteTime", "delete_time"),), "")
        if deleted < created:
            raise RecordError("bad_lifetime", "deleteTime is before createTime")
        ends = min(ends, deleted)
    if expires < created:
        raise RecordError("bad_lifetime", "expireTime is before createTime")
    ends = max(ends, created + entry.min_ttl_seconds * NS_PER_SECOND)
    if ends - created > MAX_LIFETIME_DAYS * NS_PER_DAY:
        raise RecordError("bad_lifetime", f"lifetime over {MAX_LIFETIME_DAYS} days; check expireTime")
    return CacheVersion(record["name"], entry, tokens, created, ends, updated, source, line)


class CacheLedger:
    """The latest version of every cache seen so far; superseded versions are only counted."""

    def __init__(self) -> None:
        self.latest: dict[str, CacheVersion] = {}
        self.versions: list[CacheVersion] = []
        """Every version added, in order (a parallel part hands them to the merging biller)."""
        self.superseded = 0
        self.records = 0

    def add(self, version: CacheVersion) -> None:
        self.records += 1
        self.versions.append(version)
        known = self.latest.get(version.name)
        if known is not None:
            self.superseded += 1
            if version.updated_ns < known.updated_ns:  # equal: the one read later wins
                return
        self.latest[version.name] = version


def bill_cache(version: CacheVersion, lookup: PriceLookup, into: CountTable) -> None:
    """Creation at the standard input price (tier of its size) + storage per UTC day; all or nothing."""
    model = version.entry.model
    tier = tier_for(model, version.tokens)
    created_day = day_of(version.created_ns)
    creation = AggregateKey(model.id, lookup.period(version.entry, created_day).effective, tier, False, created_day)
    pieces = []
    day = created_day
    while start_of(day) < version.ends_ns:
        period = lookup.period(version.entry, day)
        if period.storage_mtok_hour is None:
            raise RecordError("no_storage_price", f"{model.id} has no cache storage price on {day}")
        start = max(version.created_ns, start_of(day))
        end = min(version.ends_ns, start_of(day) + NS_PER_DAY)
        if end > start:
            pieces.append((AggregateKey(model.id, period.effective, tier, False, day), version.tokens * (end - start)))
        day += timedelta(days=1)
    into.add_creation(creation, version.tokens)
    for key, token_ns in pieces:
        into.add_storage(key, token_ns)
