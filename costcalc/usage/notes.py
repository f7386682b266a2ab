"""Notes on records that are billed as logged but look wrong: prompts above the model's context window, and
caches whose records disagree on what the cache is. Every engine counts them its own way and words them here,
so the notes (and the JSON) are the same. Rules: docs/usage-billing.md, "Response records" and "Cache records".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from costcalc.prices.tables import PriceTables
from costcalc.usage.times import NS_PER_DAY, NS_PER_SECOND

LISTED_CACHE_CONFLICTS = 3
"""Caches with conflicting records named one by one in the notes; the rest are only counted."""
_EPOCH = date(1970, 1, 1).toordinal()


def context_windows(tables: PriceTables, platform: str) -> dict[str, int]:
    """Model id -> its published context window (models without one are left out)."""
    return {entry.model.id: entry.model.context_window_tokens for entry in tables.models(platform)
            if entry.model.context_window_tokens is not None}


def window_notes(over: Mapping[str, int], tables: PriceTables, platform: str) -> tuple[str, ...]:
    """One note per model with responses whose prompt + tool-use tokens exceed its context window: the API would
    have refused such a prompt, so the log (or the table's window) is probably wrong, but the log says it was
    served and billed."""
    windows = context_windows(tables, platform)
    notes = []
    for model, number in sorted(over.items()):
        if number:
            notes.append(f"{number:,} response{' of' if number == 1 else 's of'} {model} "
                         f"{'has a prompt' if number == 1 else 'have prompts'} above its context window of "
                         f"{windows[model]:,} tokens; billed as logged (check the log)")
    return tuple(notes)


@dataclass(frozen=True)
class CacheVersionFacts:
    """What two records of one cache must agree on, and where the record was read (for the winner's place)."""

    name: str
    model: str
    """Model id in the tables (two names of one model do not conflict)."""
    created_ns: int
    updated_ns: int
    order: tuple[int, int]
    """(input index, line): read order; a later record wins a tie of updateTime."""
    file: str
    line: int


def cache_conflict_notes(versions: Iterable[CacheVersionFacts]) -> tuple[str, ...]:
    """Notes on caches whose well-formed records disagree on the model or the createTime. The latest record is
    billed as documented; a note per cache (the first LISTED_CACHE_CONFLICTS, in the order their winners were
    read), then how many more."""
    by_name: dict[str, list[CacheVersionFacts]] = {}
    for version in versions:
        by_name.setdefault(version.name, []).append(version)
    conflicts = []
    for name, group in by_name.items():
        models = sorted({version.model for version in group})
        created = sorted({version.created_ns for version in group})
        if len(models) > 1 or len(created) > 1:
            winner = max(group, key=lambda version: (version.updated_ns, version.order))
            conflicts.append((winner.order, name, models, created, winner))
    conflicts.sort(key=lambda item: item[0])
    notes = []
    for _, name, models, created, winner in conflicts[:LISTED_CACHE_CONFLICTS]:
        differ = []
        if len(models) > 1:
            differ.append(f"models ({', '.join(models)})")
        if len(created) > 1:
            differ.append(f"createTimes ({', '.join(_time(ns) for ns in created)})")
        notes.append(f"cache {name} has records with different {' and '.join(differ)}; billed from its latest "
                     f"version ({winner.file}:{winner.line}: {winner.model}, created {_time(winner.created_ns)})")
    rest = len(conflicts) - LISTED_CACHE_CONFLICTS
    if rest > 0:
        notes.append(f"{rest:,} more cache{'' if rest == 1 else 's'} with conflicting records (different models "
                     "or createTimes), each billed from its latest version")
    return tuple(notes)


def _time(ns: int) -> str:
    """RFC 3339 UTC, with as many fractional digits as the time has (none for whole seconds)."""
    day, rest = divmod(ns, NS_PER_DAY)
    seconds, fraction = divmod(rest, NS_PER_SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    digits = f".{fraction:09d}".rstrip("0") if fraction else ""
    return f"{date.fromordinal(_EPOCH + day).isoformat()}T{hours:02d}:{minutes:02d}:{seconds:02d}{digits}Z"

