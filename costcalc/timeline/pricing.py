"""The prices a timeline pays, by tier, and integer counts turned into exact money, once per strategy."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from costcalc.cost.money import MILLION, SECONDS_PER_HOUR, exact, to_decimal
from costcalc.cost.request import rates_for
from costcalc.cost.results import Rates, Tier
from costcalc.prices.schema import ModelPrices, PricePeriod

LOWER, UPPER = 0, 1
"""Tier codes in arrays: the lower (or only) tier and the long-context tier."""


@dataclass(frozen=True)
class TierPrices:
    """Query rates (standard or batch) and creation input (always standard) for each tier code."""

    query: tuple[Rates, Rates]
    creation_input: tuple[Decimal, Decimal]
    storage_mtok_hour: Decimal | None
    threshold: int | None

    def tier_name(self, code: int) -> Tier:
        return "flat" if self.threshold is None else ("upper" if code == UPPER else "lower")

    def cached(self, code: int) -> Decimal | None:
        return self.query[code].cached_mtok

    def break_even_gap(self, creation_code: int) -> Fraction | None:
        """g*: seconds of storage that cost one creation, 3600 s x input / storage (docs/timelines.md)."""
        if not self.storage_mtok_hour:
            return None
        return SECONDS_PER_HOUR * Fraction(self.creation_input[creation_code]) / Fraction(self.storage_mtok_hour)


def tier_prices(model: ModelPrices, period: PricePeriod, batch: bool) -> TierPrices:
    threshold = model.long_context_threshold
    sizes = (0, threshold + 1) if threshold is not None else (0, 0)
    query = tuple(rates_for(model, period, size, batch) for size in sizes)
    creation = tuple(rates_for(model, period, size).input_mtok for size in sizes)
    return TierPrices((query[0], query[1]), (creation[0], creation[1]), query[0].storage_mtok_hour, threshold)


@dataclass(frozen=True)
class BaseCounts:
    """What every strategy serves alike: per tier code, queries and tokens summed over all queries."""

    queries: int
    queries_by_tier: tuple[int, int]
    context: tuple[int, int]
    fresh: tuple[int, int]
    output: tuple[int, int]


@dataclass(frozen=True)
class Counts:
    """What one strategy did, in integers (and exact fractions for storage time); priced once."""

    cached_queries: int
    creations: int
    cached_context: tuple[int, int]
    """Context tokens read from a cache, by the tier of each query."""
    creation_context: tuple[int, int]
    """Context tokens written by creations, by the tier of the context alone."""
    storage_seconds: Fraction
    """Cache lifetimes summed, in seconds."""
    storage_token_seconds: Fraction
    """Context tokens x lifetime, summed over caches."""
    hit_rate: Fraction | None = None
    """Implicit caching only: the share of `cached_context` expected to hit."""


@dataclass(frozen=True)
class Money:
    creation: Decimal
    storage: Decimal
    cached_input: Decimal
    uncached_context: Decimal
    fresh_input: Decimal
    output: Decimal
    total: Decimal
    per_query: Decimal


def _tokens(tokens: int | Fraction, price: Decimal) -> Fraction:
    return Fraction(tokens) * Fraction(price) / MILLION


@exact
def price_counts(base: BaseCounts, counts: Counts, prices: TierPrices) -> Money:
    """Each part exact (a repeating one kept to 20 places, as everywhere); the total is their sum."""
    creation = sum((_tokens(counts.creation_context[code], prices.creation_input[code]) for code in (0, 1)),
                   Fraction(0))
    storage = Fraction(0)
    if counts.storage_token_seconds:
        assert prices.storage_mtok_hour is not None
        storage = counts.storage_token_seconds * Fraction(prices.storage_mtok_hour) / (MILLION * SECONDS_PER_HOUR)
    share = Fraction(1) if counts.hit_rate is None else counts.hit_rate
    cached = Fraction(0)
    uncached = Fraction(0)
    fresh = Fraction(0)
    output = Fraction(0)
    for code in (0, 1):
        rates = prices.query[code]
        hits = counts.cached_context[code] * share
        if hits:
            assert rates.cached_mtok is not None
            cached += _tokens(hits, rates.cached_mtok)
        uncached += _tokens(base.context[code] - hits, rates.input_mtok)
        fresh += _tokens(base.fresh[code], rates.input_mtok)
        output += _tokens(base.output[code], rates.output_mtok)
    exact_parts = (creation, storage, cached, uncached, fresh, output)
    parts = [to_decimal(part) for part in exact_parts]
    total = sum(parts, Decimal(0))
    # Per query from the exact total, rounded once (a total of rounded parts, divided, would round twice).
    per_query = to_decimal(sum(exact_parts, Fraction(0)) / base.queries)
    return Money(creation=parts[0], storage=parts[1], cached_input=parts[2], uncached_context=parts[3],
                 fresh_input=parts[4], output=parts[5], total=total, per_query=per_query)
