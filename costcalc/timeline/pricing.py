"""The prices a timeline pays, by tier, and integer counts turned into exact money, once per strategy."""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal
from fractions import Fraction

from costcalc.cost import modal
from costcalc.cost.money import MILLION, SECONDS_PER_HOUR, exact, to_decimal
from costcalc.cost.request import rates_for
from costcalc.cost.results import Rates, Tier
from costcalc.prices.modality import Use
from costcalc.prices.schema import ModelPrices, PricePeriod

LOWER, UPPER = 0, 1
"""Tier codes in arrays: the lower (or only) tier and the long-context tier."""


@dataclass(frozen=True)
class ContextMix:
    """One context of a timeline whose contexts hold audio or video: every key's context is this one size, so
    any sum of context tokens is a whole number of contexts, each costing the amounts below (USD, exact)."""

    size: int
    """Tokens of one context, every modality."""
    sent: tuple[Decimal, Decimal]
    """One context sent as input, by query tier code: each modality at its input price."""
    read: tuple[Decimal | None, Decimal | None]
    """One cached read of it, each modality at its cached price (None: some modality has none)."""
    created: tuple[Decimal | None, Decimal | None]
    """One creation, by creation tier code: each modality at its standard input price."""


@dataclass(frozen=True)
class PromptMix:
    """Audio and video tokens of every query's fresh prompt, on top of its text tokens."""

    tokens: int
    cost: tuple[Decimal, Decimal]
    """What they cost per query, by tier code, each modality at its input price."""


@dataclass(frozen=True)
class TierPrices:
    """Query rates (standard or batch) and creation input (always standard) for each tier code."""

    query: tuple[Rates, Rates]
    creation_input: tuple[Decimal, Decimal]
    storage_mtok_hour: Decimal | None
    threshold: int | None
    context_mix: ContextMix | None = None
    prompt_mix: PromptMix | None = None

    def tier_name(self, code: int) -> Tier:
        return "flat" if self.threshold is None else ("upper" if code == UPPER else "lower")

    def cached(self, code: int) -> Decimal | None:
        return self.query[code].cached_mtok

    def break_even_gap(self, creation_code: int) -> Fraction | None:
        """g*: seconds of storage that cost one creation, 3600 s x creation cost / storage cost per hour of the
        context; text only: 3600 s x input / storage (docs/timelines.md)."""
        if not self.storage_mtok_hour:
            return None
        mix = self.context_mix
        if mix is not None:
            created = mix.created[creation_code]
            if created is None or not mix.size:
                return None
            return SECONDS_PER_HOUR * Fraction(created) * MILLION / (mix.size * Fraction(self.storage_mtok_hour))
        return SECONDS_PER_HOUR * Fraction(self.creation_input[creation_code]) / Fraction(self.storage_mtok_hour)

    def for_decisions(self) -> TierPrices:
        """Prices the optimal schedule compares. With audio or video in the context, the cost of one whole
        context (creation, a read, a send, an hour of storage) stands in for the price of one token: every key
        has that one context, so each decision compares the same amounts scaled by the context size."""
        mix = self.context_mix
        if mix is None or self.storage_mtok_hour is None:
            return self
        query = tuple(replace(rates, input_mtok=mix.sent[code], cached_mtok=mix.read[code])
                      for code, rates in enumerate(self.query))
        created = tuple(value if value is not None else Decimal(0) for value in mix.created)
        per_hour = to_decimal(Fraction(mix.size) * Fraction(self.storage_mtok_hour) / MILLION)
        return TierPrices((query[0], query[1]), (created[0], created[1]), per_hour, self.threshold)


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
    context, prompt = prices.context_mix, prices.prompt_mix
    if context is not None:  # whole contexts, each modality at its own price (ContextMix)
        creation = Fraction(0)
        for code, created in enumerate(context.created):
            if counts.creation_context[code]:
                assert created is not None  # a creation was counted, so the blockers found its prices
                creation += Fraction(counts.creation_context[code], context.size) * Fraction(created)
    for code in (0, 1):
        rates = prices.query[code]
        hits = counts.cached_context[code] * share
        if context is not None:
            if hits:
                read = context.read[code]
                assert read is not None
                cached += hits / context.size * Fraction(read)
            if base.context[code]:
                uncached += (base.context[code] - hits) / context.size * Fraction(context.sent[code])
        else:
            if hits:
                assert rates.cached_mtok is not None
                cached += _tokens(hits, rates.cached_mtok)
            uncached += _tokens(base.context[code] - hits, rates.input_mtok)
        if prompt is not None:  # the text remainder at the text price, audio and video at theirs
            queries = base.queries_by_tier[code]
            fresh += _tokens(base.fresh[code] - queries * prompt.tokens, rates.input_mtok)
            fresh += queries * Fraction(prompt.cost[code])
        else:
            fresh += _tokens(base.fresh[code], rates.input_mtok)
        output += _tokens(base.output[code], rates.output_mtok)
    exact_parts = (creation, storage, cached, uncached, fresh, output)
    parts = [to_decimal(part) for part in exact_parts]
    total = sum(parts, Decimal(0))
    # Per query from the exact total, rounded once (a total of rounded parts, divided, would round twice).
    per_query = to_decimal(sum(exact_parts, Fraction(0)) / base.queries)
    return Money(creation=parts[0], storage=parts[1], cached_input=parts[2], uncached_context=parts[3],
                 fresh_input=parts[4], output=parts[5], total=total, per_query=per_query)


def mix_prices(prices: TierPrices, model: ModelPrices, period: PricePeriod, batch: bool, context_text: int,
               mix: tuple[int, int, int, int]) -> TierPrices:
    """`prices` with the timeline's audio and video priced per whole context and per query.

    `context_text`: the text tokens of the one context size (ContextMix); `mix`: context audio, context video,
    prompt audio, prompt video tokens. A missing input price is an error; a missing cached or creation price
    leaves that amount None, and the blockers keep caching strategies from needing it."""
    tiers = (prices.tier_name(0), prices.tier_name(1))
    context_mix, prompt_mix = None, None
    if mix[0] or mix[1]:
        parts = modal.parts_of(context_text, mix[0], mix[1])

        def priced(use: Use, code: int, batch_prices: bool) -> Decimal | None:
            if modal.missing(model, period, use, parts, tiers[code], batch_prices) is not None:
                return None
            return modal.total(modal.charges(model, period, use, parts, tiers[code], batch_prices))

        sent = tuple(modal.total(modal.charges(model, period, "input", parts, tier, batch)) for tier in tiers)
        context_mix = ContextMix(sum(tokens for _, tokens in parts), (sent[0], sent[1]),
                                 (priced("cached", 0, batch), priced("cached", 1, batch)),
                                 (priced("input", 0, False), priced("input", 1, False)))
    if mix[2] or mix[3]:
        parts = modal.parts_of(0, mix[2], mix[3])
        cost = tuple(modal.total(modal.charges(model, period, "input", parts, tier, batch)) for tier in tiers)
        prompt_mix = PromptMix(mix[2] + mix[3], (cost[0], cost[1]))
    return replace(prices, context_mix=context_mix, prompt_mix=prompt_mix)
