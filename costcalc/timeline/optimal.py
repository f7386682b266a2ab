"""The cheapest possible explicit-cache schedule for a timeline, exactly (docs/timelines.md, "optimal").

Each key's queries, in time order, are split into groups; a group is served without a cache or by one cache
living from its first query to its last (billed at least the platform's minimum lifetime). Two facts keep
the exact search fast:

- Merging. If storing through a gap costs no more than what either neighbour saves by reading from cache,
  and no more than a creation, some optimum treats the two neighbours alike (both uncached, or both in one
  cache): switching one of them never costs more. Runs of such gaps become one node; inside a burst that
  is every gap.
- Cutting. A gap of at least g* + 2 x minimum lifetime is never worth storing through: splitting there costs
  no more. The nodes between cuts form independent segments.

A segment of one node is decided by one comparison, for all segments at once with arrays. Longer segments
(only gaps in the narrow band between the merge and cut thresholds make them) run the O(n) dynamic
programme of the billing rules in exact integers.
"""

from __future__ import annotations

import operator
from collections import deque
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np

from costcalc.timeline.pricing import UPPER, Counts, TierPrices
from costcalc.timeline.strategies import NO_GAP, BoolArray, Traffic
from costcalc.timeline.timestamps import MICROS

_NEAR_TIE = 1e-9
"""Float comparisons closer than this (relative) are redone in exact integers."""


@dataclass(frozen=True)
class _Scale:
    """Prices per context token in one integer unit (USD / (10^6 x 3.6e9 x 10^places)), so every cost of a
    decision is an exact integer and storage per microsecond is too."""

    read_saving: tuple[int, int]
    uncached: tuple[int, int]
    cached: tuple[int, int]
    creation: tuple[int, int]
    storage_per_us: int


def _scale(prices: TierPrices) -> _Scale:
    assert prices.storage_mtok_hour is not None
    figures = [prices.storage_mtok_hour, *prices.creation_input]
    for rates in prices.query:
        assert rates.cached_mtok is not None
        figures += [rates.input_mtok, rates.cached_mtok]
    places = max(max(0, -int(value.as_tuple().exponent)) for value in figures)
    unit = Decimal(10) ** places

    def whole(value: Decimal, factor: int) -> int:
        return int(value * unit) * factor

    hour_us = 3600 * MICROS
    uncached = tuple(whole(rates.input_mtok, hour_us) for rates in prices.query)
    cached = tuple(whole(rates.cached_mtok, hour_us) for rates in prices.query)  # type: ignore[arg-type]
    return _Scale((uncached[0] - cached[0], uncached[1] - cached[1]), (uncached[0], uncached[1]),
                  (cached[0], cached[1]), (whole(prices.creation_input[0], hour_us),
                                           whole(prices.creation_input[1], hour_us)),
                  whole(prices.storage_mtok_hour, 1))


def _floor_div(amount: int, by: int) -> int:
    return amount // by if by else int(NO_GAP) - 1


def optimal(traffic: Traffic, prices: TierPrices, min_lifetime_us: int = 0) -> Counts:
    """Counts of the optimum schedule; see the module docstring for why this is exact."""
    timeline = traffic.timeline
    scale = _scale(prices)
    sigma = scale.storage_per_us
    key_tier = traffic.creation_upper.astype(np.int64)
    tiers = traffic.tier
    merge_limit = np.array([_floor_div(saving, sigma) if saving >= 0 else -1 for saving in scale.read_saving])
    creation_limit = np.array([_floor_div(x, sigma) for x in scale.creation])
    cut_at = np.array([(-(-x // sigma) + 2 * min_lifetime_us) if sigma else int(NO_GAP) for x in scale.creation])
    gap = traffic.gap
    if traffic.upper.any() or traffic.creation_upper.any():
        previous_tier = np.r_[0, tiers[:-1]]
        limit = np.minimum(np.minimum(merge_limit[tiers], merge_limit[previous_tier]), creation_limit[key_tier])
    else:  # one tier throughout: one threshold
        limit = np.int64(min(merge_limit[0], creation_limit[0]))
    merged = (gap != NO_GAP) & (gap <= limit)
    node_start = np.flatnonzero(~merged)
    node_end = np.r_[node_start[1:], timeline.queries] - 1
    node_key = timeline.key_index[node_start]
    first_time, last_time = timeline.times[node_start], timeline.times[node_end]
    size = np.diff(np.r_[node_start, timeline.queries])
    upper = np.add.reduceat((tiers == UPPER).astype(np.int64), node_start)
    lower = size - upper
    cut = (gap[node_start] == NO_GAP) | (gap[node_start] >= cut_at[key_tier[node_start]])
    segment_start = np.flatnonzero(cut)
    segment_size = np.diff(np.r_[segment_start, node_start.size])
    node_tier = traffic.creation_tier[node_key]

    # Segments of one node: cache it iff creation + storage + cached reads < uncached reads (ties: no cache).
    single = segment_start[segment_size == 1]
    life = np.maximum(last_time[single] - first_time[single], min_lifetime_us)
    creation = np.array(scale.creation, dtype=np.float64)[node_tier[single]]
    cached_cost = (creation + float(sigma) * life + lower[single] * float(scale.cached[0])
                   + upper[single] * float(scale.cached[1]))
    uncached_cost = lower[single] * float(scale.uncached[0]) + upper[single] * float(scale.uncached[1])
    use_cache = cached_cost < uncached_cost
    near = np.flatnonzero(np.abs(cached_cost - uncached_cost) <= _NEAR_TIE * (cached_cost + uncached_cost))
    for at in near.tolist():
        node = int(single[at])
        exact_cached = (scale.creation[int(node_tier[node])] + sigma * int(life[at])
                        + int(lower[node]) * scale.cached[0] + int(upper[node]) * scale.cached[1])
        use_cache[at] = exact_cached < int(lower[node]) * scale.uncached[0] + int(upper[node]) * scale.uncached[1]
    cached_node = np.zeros(node_start.size, dtype=bool)
    cached_node[single[use_cache]] = True
    group_key = node_key[single[use_cache]].tolist()
    group_life = life[use_cache].tolist()

    # Longer segments: the dynamic programme, exact.
    longer = segment_size > 1
    for start, count in zip(segment_start[longer].tolist(), segment_size[longer].tolist(), strict=True):
        nodes = range(start, start + count)
        tier_code = int(node_tier[start])
        uncached = [int(lower[n]) * scale.uncached[0] + int(upper[n]) * scale.uncached[1] for n in nodes]
        cached = [int(lower[n]) * scale.cached[0] + int(upper[n]) * scale.cached[1] for n in nodes]
        groups = _segment(first_time[start:start + count].tolist(), last_time[start:start + count].tolist(),
                          uncached, cached, scale.creation[tier_code], sigma, min_lifetime_us)
        for first, last in groups:
            cached_node[start + first:start + last + 1] = True
            group_key.append(int(node_key[start]))
            group_life.append(max(int(last_time[start + last]) - int(first_time[start + first]), min_lifetime_us))
    return _counts(traffic, np.repeat(cached_node, size), group_key, group_life)


def _segment(first: list[int], last: list[int], uncached: list[int], cached: list[int], creation: int,
             sigma: int, minimum: int) -> list[tuple[int, int]]:
    """Cheapest split of one segment's nodes; returns the cached groups as (first node, last node).

    best[j] is the cheapest way to serve nodes before j. A group i..j costs creation + sigma x
    max(last[j] - first[i], minimum) + its cached reads; starts with last[j] - first[i] >= minimum are
    linear in first[i] (a running minimum), the rest cost the minimum lifetime (a sliding-window minimum).
    """
    count = len(first)
    best = [0] * (count + 1)
    reads = [0] * (count + 1)
    choice: list[int] = [-1] * count
    linear_best: int | None = None
    linear_at = -1
    promoted = 0
    window: deque[tuple[int, int]] = deque()
    for j in range(count):
        reads[j + 1] = reads[j] + cached[j]
        value = best[j] - reads[j]
        while window and window[-1][0] >= value:
            window.pop()
        window.append((value, j))
        while promoted <= j and first[promoted] <= last[j] - minimum:
            candidate = best[promoted] - reads[promoted] - sigma * first[promoted]
            if linear_best is None or candidate < linear_best:
                linear_best, linear_at = candidate, promoted
            promoted += 1
        while window and window[0][1] < promoted:
            window.popleft()
        best[j + 1], choice[j] = best[j] + uncached[j], -1
        if linear_best is not None:
            total = linear_best + creation + sigma * last[j] + reads[j + 1]
            if total < best[j + 1]:
                best[j + 1], choice[j] = total, linear_at
        if window:
            total = window[0][0] + creation + sigma * minimum + reads[j + 1]
            if total < best[j + 1]:
                best[j + 1], choice[j] = total, window[0][1]
    groups = []
    j = count - 1
    while j >= 0:
        if choice[j] < 0:
            j -= 1
        else:
            groups.append((choice[j], j))
            j = choice[j] - 1
    return groups


def _counts(traffic: Traffic, cached_mask: BoolArray, group_key: list[int], group_life: list[int]) -> Counts:
    timeline = traffic.timeline
    contexts = timeline.key_context[group_key].tolist() if group_key else []
    tiers = traffic.creation_tier[group_key].tolist() if group_key else []
    written_upper = sum(context for context, tier in zip(contexts, tiers, strict=True) if tier == UPPER)
    written = sum(contexts)
    token_us = sum(map(operator.mul, contexts, group_life))
    return Counts(int(cached_mask.sum()), len(group_key), traffic.context_by_tier(cached_mask),
                  (written - written_upper, written_upper), Fraction(sum(group_life), MICROS),
                  Fraction(token_us, MICROS))
