"""The domain model over a loaded table: a model with its platform rules, the period in force, tiers, minimums.

Everything here reads the validated tables only; the billing rules that turn these prices into money live in
`costcalc.cost` (one request, one cache) and `costcalc.usage` (logs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal

from costcalc.checks import check_count, check_day, check_instance
from costcalc.errors import CostcalcError
from costcalc.prices.schema import CacheMinimum, ModelPrices, Price, PricePeriod

Tier = Literal["flat", "lower", "upper"]
"""`flat` for one-tier models; `lower`/`upper` at or below / above the long-context threshold."""


@dataclass(frozen=True)
class PricedModel:
    """A model as found in the loaded tables, with the platform rules of its file."""

    model: ModelPrices
    platform: str
    source_file: str
    default_ttl_seconds: int = 3600
    min_ttl_seconds: int = 0


def period_in_force(model: ModelPrices, day: date) -> PricePeriod | None:
    """The last period that took effect on or before `day` (periods are sorted), or None before the first."""
    chosen = None
    for period in model.periods:
        if period.effective > day:
            break
        chosen = period
    return chosen


def find_period(model: ModelPrices, as_of: date) -> PricePeriod:
    """The period in force on `as_of`: the last one that took effect on or before it."""
    _check_model(model)
    if check_day("as_of", as_of) is None:
        raise CostcalcError("as_of must be a datetime.date such as date(2026, 1, 15), got None")
    chosen = period_in_force(model, as_of)
    if chosen is None:
        first = model.periods[0].effective
        raise CostcalcError(
            f"{model.id} has no price before {first} (it was not available on {as_of}); "
            f"use --as-of {first} or later"
        )
    return chosen


def tier_for(model: ModelPrices, prompt_tokens: int) -> Tier:
    """Whole-request cliff on the full prompt (cached included); exactly at the threshold is lower."""
    _check_model(model)
    check_count("prompt_tokens", prompt_tokens)
    threshold = model.long_context_threshold
    if threshold is None:
        return "flat"
    return "upper" if prompt_tokens > threshold else "lower"


def pick(price: Price | None, tier: Tier) -> Decimal | None:
    """The figure of a (possibly tiered) price that applies at `tier`."""
    if price is None or isinstance(price, Decimal):
        return price
    return price.upper if tier == "upper" else price.lower



def min_cache_tokens(model: ModelPrices, as_of: date) -> CacheMinimum | None:
    """The newest documented minimum on or before `as_of` (the oldest one if all are newer)."""
    chosen = model.min_cache_tokens[0] if model.min_cache_tokens else None
    for minimum in model.min_cache_tokens:
        if minimum.doc_date <= as_of:
            chosen = minimum
    return chosen




def _check_model(model: object) -> None:
    check_instance("model", model, ModelPrices, "a table's model: entry.model")
