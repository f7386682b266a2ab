"""`simulate`: every strategy counted over one timeline and priced once, exactly (docs/timelines.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import numpy as np

from costcalc.checks import check_day, check_flag, check_share
from costcalc.cost.implicit import implicit_blocker
from costcalc.cost.money import exact, to_decimal
from costcalc.cost.request import PricedModel, describe_source, explicit_cache_blocker, find_period
from costcalc.cost.results import Workload
from costcalc.errors import CostcalcError
from costcalc.prices.confidence import tiered_confidence
from costcalc.timeline import strategies as count
from costcalc.timeline.inputs import check_arguments, check_ttls, check_work, date_notes
from costcalc.timeline.mix import mix_note, with_mix_totals
from costcalc.timeline.optimal import optimal
from costcalc.timeline.pricing import BaseCounts, Counts, TierPrices, mix_prices, price_counts, tier_prices
from costcalc.timeline.results import Simulation, StrategyCost
from costcalc.timeline.timestamps import MICROS
from costcalc.timeline.traffic import Timeline
from costcalc.units import format_duration, parse_duration

_TIER_WORDS = {"flat": "all", "lower": "lower-tier", "upper": "long-context"}
DEFAULT_TTLS = (300, 900, 1800, 3600, 7200, 21600, 86400)
FAMILIES = ("none", "implicit", "explicit", "refresh", "optimal")


@dataclass(frozen=True)
class Strategy:
    family: str
    ttl_seconds: int | None = None
    """None for refresh:auto (and for families without a lifetime)."""

    @property
    def name(self) -> str:
        if self.family not in ("explicit", "refresh"):
            return self.family
        return f"{self.family}:{ttl_name(self.ttl_seconds) if self.ttl_seconds else 'auto'}"


def ttl_name(seconds: int) -> str:
    return format_duration(seconds).replace(" ", "")


def parse_strategies(text: str | Sequence[str] | None, ttls: Sequence[int] = DEFAULT_TTLS) -> list[Strategy]:
    """`none,implicit,explicit:1h,refresh,refresh:auto,optimal`; a bare family takes every TTL of the grid."""
    if text is None:
        items = ["none", "implicit", "explicit", "refresh", "refresh:auto", "optimal"]
    else:
        parts = text.split(",") if isinstance(text, str) else text
        if not isinstance(parts, Sequence) or not all(isinstance(part, str) for part in parts):
            raise CostcalcError(f"strategies must be text like \"none,explicit:1h\" or a list of such names, got "
                                f"{text!r}")
        items = [part.strip() for part in parts if part.strip()]
    chosen: list[Strategy] = []
    for item in items:
        family, _, ttl = item.partition(":")
        family = family.lower()
        if family not in FAMILIES:
            raise CostcalcError(f"unknown strategy {item!r}; use {', '.join(FAMILIES)}, explicit:TTL, refresh:TTL "
                                "or refresh:auto")
        if family in ("explicit", "refresh"):
            if not ttl:
                chosen += [Strategy(family, seconds) for seconds in ttls]
            elif ttl.lower() == "auto" and family == "refresh":
                chosen.append(Strategy(family, None))
            else:
                chosen.append(Strategy(family, parse_duration(ttl, f"strategy {item!r}: lifetime")))
        elif ttl:
            raise CostcalcError(f"strategy {item!r} takes no lifetime; write {family}")
        else:
            chosen.append(Strategy(family))
    return list(dict.fromkeys(chosen))


def subset(timeline: Timeline, keep_key: np.ndarray) -> Timeline:
    """The queries of the keys marked in `keep_key`, re-indexed."""
    if keep_key.all():
        return timeline
    rows = keep_key[timeline.key_index]
    new_index = np.cumsum(keep_key) - 1
    kept_index = new_index[timeline.key_index[rows]]
    starts = np.flatnonzero(np.r_[True, kept_index[1:] != kept_index[:-1]]) if rows.any() else np.zeros(0, np.int64)
    return Timeline(timeline.times[rows], kept_index, timeline.prompt_tokens[rows], timeline.output_tokens[rows],
                    tuple(name for name, keep in zip(timeline.keys, keep_key.tolist(), strict=True) if keep),
                    timeline.key_context[keep_key], starts.astype(np.int64), timeline.source, timeline.dated)


def _blocked_keys(timeline: Timeline, reason_for: object) -> tuple[np.ndarray, str | None]:
    """Per key: can it be cached; and the reason of the first key that cannot."""
    sizes = np.unique(timeline.key_context).tolist()
    reasons = {size: reason_for(size) for size in sizes}  # type: ignore[operator]
    ok = np.array([reasons[size] is None for size in timeline.key_context.tolist()], dtype=bool)
    first_blocked = next((reasons[size] for size in sizes if reasons[size] is not None), None)
    return ok, first_blocked


@exact
def simulate(entry: PricedModel, timeline: Timeline, as_of: date | None = None, *, batch: bool = False,
             hit_rate: Decimal = Decimal("0.5"), strategies: str | Sequence[str] | None = None,
             ttls: Sequence[int] = DEFAULT_TTLS) -> Simulation:
    """Price `timeline` under each strategy (default: all over the TTL grid) by the rules on `as_of` (default:
    today; a note says so when the timeline is dated, docs/timelines.md)."""
    check_arguments(entry, timeline)
    as_of_given = check_day("as_of", as_of) is not None
    as_of = as_of or date.today()
    batch = check_flag("batch", batch)
    hit_rate = check_share("hit_rate", hit_rate)
    model = entry.model
    period = find_period(model, as_of)
    plan = parse_strategies(strategies, check_ttls(ttls))
    check_work(len(plan) + ("optimal" not in {strategy.family for strategy in plan}), timeline.queries)
    minimum = entry.min_ttl_seconds
    for strategy in plan:
        if strategy.ttl_seconds is not None and strategy.ttl_seconds < minimum:
            raise CostcalcError(f"{entry.platform} caches live at least {minimum} s; {strategy.name} is shorter, so "
                                f"use TTLs of {minimum}s or more")
    if period.unit != "token":
        raise CostcalcError(f"{model.id} was billed per character in the period from {period.effective}; timelines "
                            "are priced per token, so pick a later --as-of")
    timeline, mix, context_text = with_mix_totals(timeline)
    prompts = timeline.key_context[timeline.key_index] + timeline.prompt_tokens
    if model.context_window_tokens is not None and int(prompts.max()) > model.context_window_tokens:
        at = int(np.argmax(prompts))
        when = datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(microseconds=int(timeline.times[at]))
        raise CostcalcError(f"the query at {when.isoformat()} has a prompt of {int(prompts[at]):,} "
                            f"tokens (context + prompt), over {model.id}'s context window of "
                            f"{model.context_window_tokens:,}")
    prices = tier_prices(model, period, batch)
    if any(mix):
        prices = mix_prices(prices, model, period, batch, context_text, mix)
    traffic = count.prepare(timeline, prices.threshold)
    base = count.base_counts(traffic)
    dating = date_notes(entry, period, timeline, as_of, as_of_given)
    notes = list(dating)
    if any(mix):
        notes.append(f"every query: {mix_note(context_text, mix)}; each modality at its own price "
                     "(docs/billing-rules.md, \"Modalities\")")

    def workload_of(size: int) -> Workload:
        """The one context of a key, its audio and video apart from its text."""
        return Workload(context_tokens=size - mix[0] - mix[1], context_audio_tokens=mix[0],
                        context_video_tokens=mix[1])

    def explicit_reason(size: int) -> str | None:
        return explicit_cache_blocker(entry, period, workload_of(size), as_of,
                                      prices.query[0 if prices.threshold is None or size <= prices.threshold else 1],
                                      batch)

    cacheable, explicit_blocked = _blocked_keys(timeline, explicit_reason)
    cache_traffic = _traffic_of(traffic, cacheable, prices)
    if cache_traffic is not None and explicit_blocked is not None:
        notes.append(f"{int((~cacheable).sum()):,} of {cacheable.size:,} keys cannot have an explicit cache "
                     f"({explicit_blocked}); explicit strategies send their queries without one")
    eligible, implicit_blocked = _blocked_keys(
        timeline, lambda size: implicit_blocker(entry, period, workload_of(size), as_of, batch))
    implicit_traffic = _traffic_of(traffic, eligible, prices)
    hit = Fraction(hit_rate)

    def counts_of(strategy: Strategy) -> Counts | str:
        if strategy.family == "none":
            return count.no_cache()
        if strategy.family == "implicit":
            return count.implicit(implicit_traffic, hit) if implicit_traffic is not None else str(implicit_blocked)
        if cache_traffic is None:
            return str(explicit_blocked)
        if strategy.family == "optimal":
            return optimal(cache_traffic, prices.for_decisions(), minimum * MICROS)
        if strategy.family == "explicit":
            assert strategy.ttl_seconds is not None
            return count.explicit(cache_traffic, strategy.ttl_seconds * MICROS)
        return count.refresh(cache_traffic, _refresh_ttls(strategy, prices, minimum))

    code = _main_creation_tier(prices, timeline)
    rows = {strategy.name: _row(strategy, counts_of(strategy), base, prices, minimum, code) for strategy in plan}
    reference = rows.get("optimal")
    if reference is None and cache_traffic is not None:
        reference = _row(Strategy("optimal"), optimal(cache_traffic, prices.for_decisions(), minimum * MICROS),
                         base, prices, minimum, code)
    optimal_total = reference.total if reference is not None else None
    table = tuple(_with_excess(row, optimal_total) for row in rows.values())
    runnable = [row for row in table if row.total is not None and row.strategy != "optimal"]
    if not runnable:  # only optimal was asked for (or nothing else could run): it is then the cheapest listed
        runnable = [row for row in table if row.total is not None]
    if not runnable:
        raise CostcalcError("no strategy could be priced; add none to --strategies")
    cheapest = min(runnable, key=lambda row: row.total or Decimal(0)).strategy
    gap_seconds = prices.break_even_gap(code) if cache_traffic is not None else None
    gap = to_decimal(gap_seconds) if gap_seconds is not None else None
    implicit_rate, implicit_reason = (_implicit_break_even(base, prices, implicit_traffic, table) if cache_traffic
                                      else (None, None))
    gaps = _gaps_used(prices, traffic) if cache_traffic is not None else {}
    notes += _notes(prices, traffic, gaps, implicit_rate, implicit_reason,
                    minimum if cache_traffic is not None else 0)
    if optimal_total is not None:
        notes.append("optimal knows every future query: the lowest cost any explicit-cache schedule can reach "
                     "(implicit needs no cache, so its expected cost can be lower)")
    span = Decimal(int(timeline.times.max() - timeline.times.min())).scaleb(-6)
    source = describe_source(entry, period, as_of, batch)
    names = [f"batch_{name}" if batch else name for name in ("input_mtok", "output_mtok", "cached_mtok",
                                                             "storage_mtok_hour")]
    stated = {name: tiered_confidence(period, name) for name in names if getattr(period, name) is not None}
    source = replace(source, confidence={name: text for name, text in stated.items() if text is not None})
    return Simulation(source, timeline.queries, len(timeline.keys), span, hit_rate, table, cheapest, optimal_total,
                      gap, implicit_rate, tuple(notes), implicit_reason, tuple(dating))


def _traffic_of(traffic: count.Traffic, keys: np.ndarray, prices: TierPrices) -> count.Traffic | None:
    """The queries of the marked keys (all of them: the same object, no copy)."""
    if keys.all():
        return traffic
    return count.prepare(subset(traffic.timeline, keys), prices.threshold) if keys.any() else None


def _refresh_ttls(strategy: Strategy, prices: TierPrices, minimum: int) -> tuple[Fraction, Fraction]:
    if strategy.ttl_seconds is not None:
        return (Fraction(strategy.ttl_seconds * MICROS),) * 2
    gaps = [prices.break_even_gap(code) for code in (0, 1)]
    return tuple(max(gap or Fraction(0), Fraction(minimum)) * MICROS for gap in gaps)  # type: ignore[return-value]


def _row(strategy: Strategy, counts: Counts | str, base: BaseCounts, prices: TierPrices, minimum: int,
         tier_code: int) -> StrategyCost:
    """`tier_code`: the tier of the context most queries reuse, whose g* refresh:auto's row shows."""
    ttl: Decimal | None = None
    if strategy.family in ("explicit", "refresh"):
        ttl = to_decimal(_refresh_ttls(strategy, prices, minimum)[tier_code] / MICROS)
    if isinstance(counts, str):
        return StrategyCost(strategy.name, total=None, per_query=None, creations=None, storage_seconds=None,
                            cached_queries=None, uncached_queries=None, excess_over_optimal=None, creation=None,
                            storage=None, cached_input=None, uncached_context_input=None, fresh_input=None,
                            output=None, ttl_seconds=ttl, unavailable=counts)
    money = price_counts(base, counts, prices)
    if counts.hit_rate is not None:  # implicit: hits are expected, not counted (docs/timelines.md)
        expected = to_decimal(counts.hit_rate * counts.cached_queries)
        return StrategyCost(strategy.name, money.total, money.per_query, 0, None, None, None, None, money.creation,
                            money.storage, money.cached_input, money.uncached_context, money.fresh_input,
                            money.output, ttl, expected_cached_queries=expected)
    return StrategyCost(strategy.name, money.total, money.per_query, counts.creations,
                        to_decimal(counts.storage_seconds), counts.cached_queries, base.queries - counts.cached_queries,
                        None, money.creation, money.storage, money.cached_input, money.uncached_context,
                        money.fresh_input, money.output, ttl)


def _with_excess(row: StrategyCost, optimal_total: Decimal | None) -> StrategyCost:
    if row.total is None or optimal_total is None:
        return row
    return replace(row, excess_over_optimal=row.total - optimal_total)


def _main_creation_tier(prices: TierPrices, timeline: Timeline) -> int:
    """The tier code of the context most queries reuse (its g* is the one reported)."""
    if prices.threshold is None:
        return 0
    return int(np.count_nonzero(timeline.context_tokens > prices.threshold) * 2 > timeline.queries)


IMPLICIT_ALWAYS = "implicit caching alone is cheaper than every explicit strategy at any hit rate"
IMPLICIT_NEVER = "implicit caching alone cannot match the best explicit strategy, even if every query hit"


def _implicit_break_even(base: BaseCounts, prices: TierPrices, traffic: count.Traffic | None,
                         table: tuple[StrategyCost, ...]) -> tuple[Decimal | None, str | None]:
    """none - implicit(h) = h x (what every hit saves): solve for the h that matches the best explicit strategy.

    A rate outside 0..1 is no rate: None with the reason instead (docs/timelines.md)."""
    explicit_totals = [row.total for row in table if row.total is not None
                       and row.strategy.startswith(("explicit:", "refresh:"))]
    if traffic is None or not explicit_totals:
        return None, None
    none_total = price_counts(base, count.no_cache(), prices).total
    all_hits = price_counts(base, count.implicit(traffic, Fraction(1)), prices).total
    saving = Fraction(none_total - all_hits)
    if saving <= 0:
        return None, IMPLICIT_NEVER
    rate = (Fraction(none_total) - Fraction(min(explicit_totals))) / saving
    if rate <= 0:
        return None, IMPLICIT_ALWAYS
    if rate > 1:
        return None, IMPLICIT_NEVER
    return to_decimal(rate), None


def _gaps_used(prices: TierPrices, traffic: count.Traffic) -> dict[str, Decimal]:
    """g* of each creation tier some key's context falls in."""
    codes = sorted(set(traffic.creation_tier.tolist()))
    gaps = {prices.tier_name(code): prices.break_even_gap(code) for code in codes}
    return {name: to_decimal(gap) for name, gap in gaps.items() if gap is not None}


def _notes(prices: TierPrices, traffic: count.Traffic, gaps: dict[str, Decimal], implicit_rate: Decimal | None,
           implicit_reason: str | None, minimum: int) -> list[str]:
    notes = []
    upper = int(np.count_nonzero(traffic.tier))
    if prices.threshold is not None and upper:
        notes.append(f"{upper:,} of {traffic.timeline.queries:,} queries have a prompt above "
                     f"{prices.threshold:,} tokens: each is billed whole at the long-context tier")
    if gaps:
        values = set(gaps.values())
        shown = (f"{next(iter(values)).normalize():f} s" if len(values) == 1 else ", ".join(
            f"{value.normalize():f} s ({_TIER_WORDS[name]} contexts)" for name, value in gaps.items()))
        formula = "creation / storage per hour" if prices.context_mix is not None else "input / storage"
        notes.append(f"break-even gap g* = 3600 s × {formula} = {shown}: storing a cache idle "
                     "that long costs one creation; refresh:auto keeps a cache while the next use comes sooner "
                     "(its creation plus storage is at most twice the optimum's for the same cached queries)")
    if minimum:
        notes.append(f"every cache lifetime is billed at least the platform minimum of {minimum} s")
    if implicit_reason is not None:
        notes.append(implicit_reason)
    elif implicit_rate is not None:
        notes.append(f"implicit caching alone costs the same as the best explicit strategy at a hit rate of "
                     f"{(implicit_rate * 100).quantize(Decimal('0.01'))}%; above it, implicit is cheaper")
    return notes
