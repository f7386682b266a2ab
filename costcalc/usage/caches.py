"""Cache records: the latest version of each cache, its creation, and its storage split at each 00:00 UTC.

Rules: docs/usage-billing.md, "Cache records".
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from costcalc.prices.modality import AUDIO_TOKENS_PER_SECOND, missing_price, modality_price
from costcalc.prices.model import PricedModel, Tier, tier_for
from costcalc.usage.counts import AggregateKey, CountTable
from costcalc.usage.lookup import PriceLookup, RecordError
from costcalc.usage.records import cache_id, count, field, model_name, time_ns
from costcalc.usage.times import NS_PER_DAY, NS_PER_SECOND, day_of, start_of

MAX_LIFETIME_DAYS = 366
"""A billed lifetime longer than this is a wrong expireTime, not a cache (and would split into too many days)."""


@dataclass(frozen=True)
class CacheVersion:
    """One well-formed cache record: what it says about its cache, and where it was read."""

    name: str
    """The record's `name` (`cachedContents/ID`, or Vertex AI's `projects/.../cachedContents/ID`): several
    records with one name are versions of one cache."""
    entry: PricedModel
    tokens: int
    """usageMetadata.totalTokenCount."""
    created_ns: int
    expires_ns: int
    deleted_ns: int | None
    """deleteTime, when this record has one: the earliest of any version of the cache ends its life."""
    updated_ns: int
    """updateTime (createTime when absent): the latest describes the cache."""
    source: int
    """Index of the file it was read from (bad records and ties are ordered by it)."""
    line: int
    audio_tokens: int = 0
    """The part of `tokens` that is AUDIO: Vertex AI's usageMetadata.audioDurationSeconds x 32 (the Gemini API
    gives no breakdown: 0, all text)."""

    def ends_ns(self, deleted_ns: int | None = None) -> int:
        """End of the billed lifetime: min(deletion, expireTime), at least the platform's minimum lifetime.
        `deleted_ns`: the earliest deleteTime of any version of this cache (default: this record's own)."""
        deleted = self.deleted_ns if deleted_ns is None else deleted_ns
        ends = self.expires_ns if deleted is None else min(self.expires_ns, deleted)
        return max(ends, self.created_ns + self.entry.min_ttl_seconds * NS_PER_SECOND)


def cache_version(record: Mapping[str, Any], lookup: PriceLookup, source: int, line: int) -> CacheVersion:
    """A cache record's facts, or RecordError for a malformed one (price checks come later, on the winner)."""
    if not cache_id(record):
        raise RecordError("bad_cache_name", f"name {record.get('name')!r} has no cache id after cachedContents/")
    usage = field(record, "usageMetadata", "usage_metadata")[1]
    if not isinstance(usage, dict) or field(usage, "totalTokenCount", "total_token_count")[1] is None:
        raise RecordError("no_size", "no usageMetadata.totalTokenCount")
    tokens = count(usage, "totalTokenCount", "total_token_count")
    if tokens == 0:
        raise RecordError("no_size", "usageMetadata.totalTokenCount is 0; a cache holds tokens")
    audio = count(usage, "audioDurationSeconds", "audio_duration_seconds") * AUDIO_TOKENS_PER_SECOND
    if audio > tokens:
        raise RecordError("details_mismatch", f"audioDurationSeconds x {AUDIO_TOKENS_PER_SECOND} is {audio:,} audio "
                                              f"tokens, totalTokenCount is {tokens:,}: the total includes the audio")
    entry = lookup.model(model_name(record, ("model", None)))
    if entry.model.caching != "explicit":
        raise RecordError("no_explicit_cache", f"{entry.model.id} has no explicit caching (no cache storage)")
    created = time_ns(record, (("createTime", "create_time"),), "no createTime")
    expires = time_ns(record, (("expireTime", "expire_time"),), "no expireTime")
    updated = created
    if field(record, "updateTime", "update_time")[1] is not None:
        updated = time_ns(record, (("updateTime", "update_time"),), "")
    deleted = None
    if field(record, "deleteTime", "delete_time")[1] is not None:
        deleted = time_ns(record, (("deleteTime", "delete_time"),), "")
        if deleted < created:
            raise RecordError("bad_lifetime", "deleteTime is before createTime")
    if expires < created:
        raise RecordError("bad_lifetime", "expireTime is before createTime")
    if updated < created:
        raise RecordError("bad_lifetime", "updateTime is before createTime")
    version = CacheVersion(str(record["name"]), entry, tokens, created, expires, deleted, updated, source, line,
                           audio)
    if version.ends_ns() - created > MAX_LIFETIME_DAYS * NS_PER_DAY:
        raise RecordError("bad_lifetime", f"lifetime over {MAX_LIFETIME_DAYS} days; check expireTime")
    return version


class CacheLedger:
    """The latest version of every cache seen so far, and its earliest deletion; superseded versions are only
    counted."""

    def __init__(self) -> None:
        self.latest: dict[str, CacheVersion] = {}
        self.deleted: dict[str, int] = {}
        """The earliest deleteTime of any version of each cache: a deletion ends the cache whatever record
        describes it (a later version without deleteTime, or a stale one, cannot bring it back)."""
        self.versions: list[CacheVersion] = []
        """Every version added, in order (a parallel part hands them to the merging biller)."""
        self.superseded = 0
        self.records = 0

    def add(self, version: CacheVersion) -> None:
        self.records += 1
        self.versions.append(version)
        if version.deleted_ns is not None:
            known_deletion = self.deleted.get(version.name)
            if known_deletion is None or version.deleted_ns < known_deletion:
                self.deleted[version.name] = version.deleted_ns
        known = self.latest.get(version.name)
        if known is not None:
            self.superseded += 1
            if version.updated_ns < known.updated_ns:  # equal: the one read later wins
                return
        self.latest[version.name] = version


class StorageDays:
    """Whole days of storage of many caches, summed as token counts per day range and split into per-day keys
    once (`flush`): a cache living a year costs a few additions instead of 365."""

    def __init__(self) -> None:
        self._changes: dict[tuple[str, Tier], tuple[PricedModel, dict[int, int]]] = {}

    def add(self, entry: PricedModel, tier: Tier, first: date, last: date, tokens: int) -> None:
        """`tokens` stored for the whole of every day from `first` to `last` (inclusive)."""
        changes = self._changes.setdefault((entry.model.id, tier), (entry, {}))[1]
        changes[first.toordinal()] = changes.get(first.toordinal(), 0) + tokens
        changes[last.toordinal() + 1] = changes.get(last.toordinal() + 1, 0) - tokens

    def flush(self, lookup: PriceLookup, into: CountTable) -> None:
        """Add every day's tokens x 24 h under its (model, period of that day, tier, day) key."""
        for (model, tier), (entry, changes) in self._changes.items():
            stored = 0
            ordinals = sorted(changes)
            for start, stop in itertools.pairwise(ordinals):
                stored += changes[start]
                if stored:
                    for ordinal in range(start, stop):
                        day = date.fromordinal(ordinal)
                        key = AggregateKey(model, lookup.period(entry, day).effective, tier, False, day)
                        into.add_storage(key, stored * NS_PER_DAY)
        self._changes.clear()


def _check_storage_prices(version: CacheVersion, lookup: PriceLookup, first: date, last: date) -> None:
    """Every day from `first` to `last` must have a per-token period with a storage price: checked once per
    price period (the first failing day is named)."""
    model = version.entry.model
    day = first
    while day <= last:
        period = lookup.period(version.entry, day)
        if period.storage_mtok_hour is None:
            raise RecordError("no_storage_price", f"{model.id} has no cache storage price on {day}")
        later = [p.effective for p in model.periods if p.effective > day]
        if not later:
            return
        day = min(later)


def bill_cache(version: CacheVersion, lookup: PriceLookup, into: CountTable, deleted_ns: int | None = None,
               full_days: StorageDays | None = None) -> None:
    """Creation at the standard input price (tier of its size; audio tokens at the standard audio input price) +
    storage per UTC day; all or nothing.

    `deleted_ns`: the earliest deleteTime of the cache's versions (default: the version's own). Whole days of
    storage go to `full_days` when given (the caller flushes it), else straight into `into`."""
    model = version.entry.model
    tier = tier_for(model, version.tokens)
    created_day = day_of(version.created_ns)
    period = lookup.period(version.entry, created_day)
    if version.audio_tokens and modality_price(period, "input", "AUDIO", tier, False) is None:
        raise RecordError("no_modality_price", missing_price(model.id, period, "input", "AUDIO", False))
    creation = AggregateKey(model.id, period.effective, tier, False, created_day)
    ends = max(version.ends_ns(deleted_ns), version.created_ns)
    # Days billed: from the creation day to the day holding the last instant before `ends` (a lifetime of 0
    # still needs prices on its day, unless it starts and ends at the very 00:00).
    last_day = day_of(ends - 1) if ends > start_of(created_day) else None
    if last_day is not None:
        _check_storage_prices(version, lookup, created_day, last_day)
    into.add_creation(creation, version.tokens, version.audio_tokens)
    if last_day is None:
        return

    def piece(day: date, token_ns: int) -> None:
        if token_ns:
            into.add_storage(AggregateKey(model.id, lookup.period(version.entry, day).effective, tier, False, day),
                             token_ns)

    if last_day == created_day:
        piece(created_day, version.tokens * (ends - version.created_ns))
        return
    piece(created_day, version.tokens * (start_of(created_day) + NS_PER_DAY - version.created_ns))
    piece(last_day, version.tokens * (ends - start_of(last_day)))
    if last_day.toordinal() - created_day.toordinal() > 1:
        whole = StorageDays() if full_days is None else full_days
        whole.add(version.entry, tier, date.fromordinal(created_day.toordinal() + 1),
                  date.fromordinal(last_day.toordinal() - 1), version.tokens)
        if full_days is None:
            whole.flush(lookup, into)
