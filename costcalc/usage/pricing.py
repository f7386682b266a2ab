"""Exact money for integer aggregates: each aggregate key is priced once (docs/usage-billing.md, Money).

Any engine that produces `dict[AggregateKey, Counts]` calls `price_aggregates` and gets the same amounts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction

from costcalc.cost.money import MILLION, SECONDS_PER_HOUR, exact, token_cost
from costcalc.errors import CostcalcError
from costcalc.prices.model import pick
from costcalc.prices.schema import PricePeriod
from costcalc.prices.tables import PriceTables
from costcalc.usage.counts import AggregateKey, Aggregates, Counts
from costcalc.usage.times import NS_PER_SECOND

STORAGE_PLACES = 20
"""Storage (which divides by 3600) is rounded half to even to 10^-20 USD, once per aggregate key."""
_STORAGE_DIVISOR = MILLION * SECONDS_PER_HOUR * NS_PER_SECOND
_ZERO = Decimal(0)


def round_places(value: Fraction, places: int = STORAGE_PLACES) -> Decimal:
    """`value` rounded half to even to `places` decimals, exactly (Fraction rounding, no float), without
    trailing zeros."""
    units = round(value * 10**places)
    while places > 0 and units % 10 == 0:
        units //= 10
        places -= 1
    return Decimal(units).scaleb(-places)


def storage_token_hours(token_ns: int) -> Decimal:
    """Token-hours of `token_ns` token-nanoseconds, rounded like storage money."""
    return round_places(Fraction(token_ns, SECONDS_PER_HOUR * NS_PER_SECOND))


@dataclass(frozen=True)
class Buckets:
    """Money per bucket, USD."""

    fresh_input: Decimal = _ZERO
    """Uncached prompt tokens (tool-use prompt included) at the input price."""
    cached_input: Decimal = _ZERO
    """Cached prompt tokens (implicit hits and explicit-cache reads) at the cached price."""
    output: Decimal = _ZERO
    """Candidates and thinking tokens at the output price."""
    creation: Decimal = _ZERO
    """Caches' tokens billed once as standard input when created."""
    storage: Decimal = _ZERO
    """Caches' tokens x hours at the storage price."""

    @property
    def total(self) -> Decimal:
        return self.fresh_input + self.cached_input + self.output + self.creation + self.storage

    @exact
    def __add__(self, other: Buckets) -> Buckets:
        return Buckets(self.fresh_input + other.fresh_input, self.cached_input + other.cached_input,
                       self.output + other.output, self.creation + other.creation, self.storage + other.storage)


@dataclass(frozen=True)
class AggregateRates:
    """The prices one aggregate key was billed at, USD per 1M tokens (storage: per hour); None: not used."""

    input_mtok: Decimal | None
    cached_mtok: Decimal | None
    output_mtok: Decimal | None
    creation_input_mtok: Decimal | None
    """Standard input price at the key's tier (cache creation is never batch)."""
    storage_mtok_hour: Decimal | None


@dataclass(frozen=True)
class PricedAggregate:
    """One aggregate key, its integer counts, the prices used and the money."""

    key: AggregateKey
    counts: Counts
    rates: AggregateRates
    money: Buckets
    without_caching: Decimal
    """The same responses with every cached token at the input price, and no creation or storage."""


def _period(tables: PriceTables, platform: str, key: AggregateKey) -> PricePeriod:
    for period in tables.find_model(key.model, platform).model.periods:
        if period.effective == key.period:
            return period
    raise CostcalcError(f"{key.model} has no price period starting {key.period} in the loaded tables")


def _need(price: Decimal | None, what: str, key: AggregateKey) -> Decimal:
    if price is None:  # an engine let through a record the rules refuse
        raise CostcalcError(f"{key.model} has no {what} in the period from {key.period}, but {key} bills it")
    return price


@exact
def price_aggregate(key: AggregateKey, counts: Counts, period: PricePeriod) -> PricedAggregate:
    """Money of one key: token sums x prices / 1M, storage token-ns x price / (1M x 3600 x 10^9)."""
    tier, batch = key.tier, key.batch
    input_price = pick(period.batch_input_mtok if batch else period.input_mtok, tier)
    cached_price = pick(period.batch_cached_mtok if batch else period.cached_mtok, tier)
    output_price = pick(period.batch_output_mtok if batch else period.output_mtok, tier)
    used = counts.responses > 0
    rates = AggregateRates(
        input_price if used else None, cached_price if counts.cached_input_tokens else None,
        output_price if used else None, pick(period.input_mtok, tier) if counts.creation_tokens else None,
        period.storage_mtok_hour if counts.storage_token_ns else None)
    fresh = cached = output = creation = storage = without = _ZERO
    if used:
        fresh = token_cost(counts.fresh_input_tokens, _need(rates.input_mtok, "input price", key))
        output = token_cost(counts.output_tokens, _need(rates.output_mtok, "output price", key))
        without = token_cost(counts.fresh_input_tokens + counts.cached_input_tokens, fresh_price(rates)) + output
    if counts.cached_input_tokens:
        cached = token_cost(counts.cached_input_tokens, _need(rates.cached_mtok, "cached price", key))
    if counts.creation_tokens:
        creation = token_cost(counts.creation_tokens, _need(rates.creation_input_mtok, "input price", key))
    if counts.storage_token_ns:
        price = _need(rates.storage_mtok_hour, "storage price", key)
        storage = round_places(Fraction(counts.storage_token_ns) * Fraction(price) / _STORAGE_DIVISOR)
    return PricedAggregate(key, counts, rates, Buckets(fresh, cached, output, creation, storage), without)


def fresh_price(rates: AggregateRates) -> Decimal:
    assert rates.input_mtok is not None
    return rates.input_mtok


def price_aggregates(aggregates: Aggregates, tables: PriceTables, platform: str) -> list[PricedAggregate]:
    """Every key priced once, in key order."""
    periods: dict[tuple[str, date], PricePeriod] = {}
    priced = []
    for key, counts in sorted(aggregates.items()):
        period = periods.get((key.model, key.period))
        if period is None:
            period = periods[key.model, key.period] = _period(tables, platform, key)
        priced.append(price_aggregate(key, counts, period))
    return priced
