"""Counting what each caching strategy does to a timeline, with array operations (docs/timelines.md).

Every function returns integers (and exact fractions of seconds); nothing here knows a price.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import numpy.typing as npt

from costcalc.timeline.pricing import UPPER, BaseCounts, Counts
from costcalc.timeline.timestamps import MICROS
from costcalc.timeline.traffic import Timeline

NO_GAP = np.int64(2**62)
"""The gap before a key's first query: longer than any lifetime."""

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Traffic:
    """A timeline's queries with what the counting needs: gaps, tiers, context per query."""

    timeline: Timeline
    tier: IntArray
    """Tier code of each query: its prompt, context + fresh, against the long-context threshold."""
    creation_tier: IntArray
    """Tier code of each key's context alone (what a creation pays)."""
    gap: IntArray
    """Microseconds since the previous query of the same key (NO_GAP for a key's first)."""
    context: IntArray
    upper: BoolArray
    """Queries billed at the long-context tier."""
    creation_upper: BoolArray
    """Queries whose key's context alone is above the threshold (so a creation there is too)."""
    context_totals: tuple[int, int]
    """Context tokens of all queries, by tier."""

    def context_by_tier(self, mask: BoolArray | None = None) -> tuple[int, int]:
        if mask is None:
            return self.context_totals
        upper = int(self.context[mask & self.upper].sum())
        return int(self.context[mask].sum()) - upper, upper

    def creation_context(self, creations: BoolArray) -> tuple[int, int]:
        """Context written by the marked creations, by the tier of the context alone."""
        sizes = self.timeline.key_context
        if sizes.size and bool((sizes == sizes[0]).all()):  # one context size: no need to sum per query
            made = int(np.count_nonzero(creations)) * int(sizes[0])
            return (0, made) if bool(self.creation_upper[0]) else (made, 0)
        written = int(self.context[creations].sum())
        if not self.creation_upper.any():
            return written, 0
        upper = int(self.context[creations & self.creation_upper].sum())
        return written - upper, upper


def prepare(timeline: Timeline, threshold: int | None) -> Traffic:
    context = timeline.context_tokens
    if threshold is None:
        tier = np.zeros(timeline.queries, dtype=np.int64)
        creation_tier = np.zeros(len(timeline.keys), dtype=np.int64)
    else:
        tier = ((context + timeline.prompt_tokens) > threshold).astype(np.int64)
        creation_tier = (timeline.key_context > threshold).astype(np.int64)
    gap = np.empty(timeline.queries, dtype=np.int64)
    gap[0] = NO_GAP
    np.subtract(timeline.times[1:], timeline.times[:-1], out=gap[1:])
    gap[timeline.key_starts] = NO_GAP
    upper = tier == UPPER
    context_upper = int(context[upper].sum())
    return Traffic(timeline, tier, creation_tier, gap, context, upper, creation_tier[timeline.key_index] == UPPER,
                   (int(context.sum()) - context_upper, context_upper))


def base_counts(traffic: Traffic) -> BaseCounts:
    timeline, upper = traffic.timeline, traffic.tier == UPPER

    def split(values: IntArray) -> tuple[int, int]:
        top = int(values[upper].sum())
        return int(values.sum()) - top, top

    queries_upper = int(upper.sum())
    return BaseCounts(timeline.queries, (timeline.queries - queries_upper, queries_upper),
                      traffic.context_by_tier(), split(timeline.prompt_tokens), split(timeline.output_tokens))


def no_cache() -> Counts:
    return Counts(0, 0, (0, 0), (0, 0), Fraction(0), Fraction(0))


def implicit(traffic: Traffic | None, hit_rate: Fraction) -> Counts:
    """Expected cost: a share `hit_rate` of each eligible query's context is billed at the cached price.

    `cached_queries` and `cached_context` are the eligible ones; `hit_rate` of them are expected to hit."""
    if traffic is None:
        return no_cache()
    return Counts(traffic.timeline.queries, 0, traffic.context_by_tier(), (0, 0), Fraction(0), Fraction(0), hit_rate)


def explicit(traffic: Traffic, ttl_us: int) -> Counts:
    """Fixed lifetime [c, c + TTL): a query at or after expiry creates a new cache; every query reads one."""
    creations = explicit_creations(traffic, ttl_us)
    made = int(creations.sum())
    written = traffic.creation_context(creations)
    ttl = Fraction(ttl_us, MICROS)
    return Counts(traffic.timeline.queries, made, traffic.context_by_tier(), written, made * ttl,
                  sum(written) * ttl)


def explicit_creations(traffic: Traffic, ttl_us: int) -> BoolArray:
    """Which queries create a cache. A gap of at least TTL always does; inside a run of shorter gaps the
    creations follow a chain (next creation = first query at or after the last one's expiry), walked for all
    runs at once, one step per array operation."""
    timeline = traffic.timeline
    count = timeline.queries
    forced = traffic.gap >= ttl_us
    composite, target = _composite(timeline, ttl_us)
    created: BoolArray = forced.copy()
    follows_short_gap = np.r_[~forced[1:], False]
    frontier = np.flatnonzero(forced & follows_short_gap)
    while frontier.size:
        following = np.searchsorted(composite, target(frontier), side="left")
        following = following[following < count]
        following = following[~forced[following]]
        created[following] = True
        frontier = following
    return created


def _composite(timeline: Timeline, ttl_us: int) -> tuple[IntArray, Callable[[IntArray], IntArray]]:
    """One sorted int64 axis for (key, time), so one searchsorted finds the first query at or after a time."""
    times, keys = timeline.times, timeline.key_index
    if len(timeline.keys) == 1:
        return times, lambda at: times[at] + ttl_us
    start = int(times.min())
    width = int(times.max()) - start + ttl_us + 1
    if len(timeline.keys) * width < 2**62:
        composite = keys * width + (times - start)
        return composite, lambda at: composite[at] + ttl_us
    distinct = np.unique(times)  # too long a span for key x time: rank the times instead
    stride = distinct.size + 1
    composite = keys * stride + np.searchsorted(distinct, times)
    return composite, lambda at: keys[at] * stride + np.searchsorted(distinct, times[at] + ttl_us).astype(np.int64)


def refresh(traffic: Traffic, ttl_us_by_tier: tuple[Fraction, Fraction]) -> Counts:
    """Every use extends the expiry to t + TTL: a cache lives from its creation to its last use + TTL.

    The TTL may depend on the tier of the context (refresh:auto's g*) and need not be whole microseconds.
    """
    timeline = traffic.timeline
    lower_ttl, upper_ttl = (_ceil(ttl) for ttl in ttl_us_by_tier)
    if lower_ttl == upper_ttl or not traffic.creation_upper.any():
        creations = traffic.gap >= lower_ttl
    else:
        creations = traffic.gap >= np.where(traffic.creation_upper, upper_ttl, lower_ttl)
    kept_gaps = np.add.reduceat(np.where(creations, 0, traffic.gap), timeline.key_starts)
    written = traffic.creation_context(creations)
    made_upper = int((creations & traffic.creation_upper).sum())
    made = (int(creations.sum()) - made_upper, made_upper)
    kept_token_us = sum(map(operator.mul, timeline.key_context.tolist(), kept_gaps.tolist()))
    storage_us = int(kept_gaps.sum()) + made[0] * ttl_us_by_tier[0] + made[1] * ttl_us_by_tier[1]
    token_us = kept_token_us + written[0] * ttl_us_by_tier[0] + written[1] * ttl_us_by_tier[1]
    return Counts(timeline.queries, sum(made), traffic.context_by_tier(), written, Fraction(storage_us) / MICROS,
                  Fraction(token_us) / MICROS)


def _ceil(value: Fraction) -> int:
    return -((-value.numerator) // value.denominator)
