"""Implicit caching: Gemini discounts a repeated prefix on its own, with no creation or storage charge.

Rules: docs/billing-rules.md ("Implicit caching").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from costcalc.cost import modal
from costcalc.cost.money import divide, exact, token_cost
from costcalc.cost.request import PricedModel, billed_units, min_cache_tokens, rates_for, tier_for
from costcalc.cost.results import ImplicitCacheCost, Workload
from costcalc.errors import CostcalcError
from costcalc.prices.schema import PricePeriod
from costcalc.units import check_digits


def parse_hit_rate(text: str) -> Decimal:
    """`0.4` or `40%`: the share of queries whose context you expect Gemini to find in its implicit cache."""
    raw = text.strip()
    check_digits(raw, "--hit-rate")
    try:
        rate = Decimal(raw[:-1]) / 100 if raw.endswith("%") else Decimal(raw)
    except InvalidOperation:
        raise CostcalcError(f"--hit-rate {text!r} is not a number; write it like 0.4 or 40%") from None
    if not rate.is_finite() or not 0 <= rate <= 1 or rate.normalize().as_tuple().exponent < -6:  # type: ignore[operator]
        raise CostcalcError(f"--hit-rate must be between 0 and 1 (or 0% and 100%) with at most 6 decimals, "
                            f"got {text!r}")
    return rate


def implicit_blocker(entry: PricedModel, period: PricePeriod, workload: Workload, as_of: date,
                     batch: bool = False) -> str | None:
    """Why implicit caching cannot discount this workload, or None when it can."""
    model = entry.model
    since = model.implicit_caching_since
    if since is None:
        return f"{model.id} has no implicit caching on {entry.platform}"
    if as_of < since:
        return f"{model.id} had no implicit caching on {as_of}; it started on {since}"
    if (period.batch_cached_mtok if batch else period.cached_mtok) is None:
        return (f"{model.id} has no{' batch' if batch else ''} cached-token price in the period from "
                f"{period.effective}")
    minimum = min_cache_tokens(model, as_of)
    if minimum is not None and workload.all_context_tokens < minimum.tokens:
        return (f"a context of {workload.all_context_tokens:,} tokens is below {model.id}'s minimum of "
                f"{minimum.tokens:,} tokens ({minimum.source}, {minimum.doc_date}), so it is never cached")
    if workload.has_mix and period.unit == "token":
        tier = tier_for(model, workload.request_tokens)
        return modal.missing(model, period, "cached", modal.context_parts(workload), tier, batch)
    return None


@exact
def calc_implicit_cache(entry: PricedModel, period: PricePeriod, workload: Workload, hit_rate: Decimal,
                        batch: bool = False) -> ImplicitCacheCost:
    """Expected cost of N queries when a share `hit_rate` of them find the context cached (every modality of
    the context at its own cached price on a hit, its input price on a miss)."""
    rates = rates_for(entry.model, period, workload.request_tokens, batch)
    if rates.cached_mtok is None:
        raise CostcalcError(f"{entry.model.id} has no{' batch' if batch else ''} cached-token price in the "
                            f"period from {period.effective}")
    model = entry.model
    context, fresh, out = billed_units(model, period, workload)
    context_parts, prompt_parts = modal.billed_parts(model, period, workload, (context, fresh))
    n = workload.queries
    read = modal.total(modal.charges(model, period, "cached", context_parts, rates.tier, batch))
    sent = modal.total(modal.charges(model, period, "input", context_parts, rates.tier, batch))
    cached_input = read * hit_rate * n
    missed_input = sent * (1 - hit_rate) * n
    fresh_input = modal.total(modal.charges(model, period, "input", prompt_parts, rates.tier, batch)) * n
    output = token_cost(out, rates.output_mtok) * n
    total = cached_input + missed_input + fresh_input + output
    return ImplicitCacheCost(rates.tier, rates, hit_rate, cached_input, missed_input, fresh_input, output, total,
                             divide(total, n))
