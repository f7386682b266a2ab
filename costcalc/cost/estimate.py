"""The workload answer: cost without and with an explicit cache, savings and break-even.

Rules: docs/billing-rules.md ("Creation", "Storage", "Break-even", "Batch").
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from costcalc.checks import check_day, check_flag, check_instance, check_share
from costcalc.cost import modal
from costcalc.cost.implicit import calc_implicit_cache, implicit_blocker
from costcalc.cost.money import MILLION, exact, storage_fraction, to_decimal
from costcalc.cost.request import (
    PricedModel,
    billed_units,
    calc_explicit_cache,
    calc_no_cache,
    check_workload,
    describe_source,
    explicit_cache_blocker,
    find_period,
    rates_for,
    tier_for,
)
from costcalc.cost.results import BreakEven, Estimate, ModalityWorking, Rates, Workload, to_jsonable
from costcalc.errors import CostcalcError
from costcalc.prices.confidence import dated
from costcalc.prices.schema import PricePeriod
from costcalc.units import format_duration, format_price, format_usd

_TIER_WORDS = {"flat": "single tier", "lower": "lower tier", "upper": "long-context tier"}


@exact
def calc_break_even(entry: PricedModel, period: PricePeriod, workload: Workload,
                    batch: bool = False) -> BreakEven:
    """N* = floor(fixed / saving_per_query) + 1, in exact rational arithmetic (constant time in N)."""
    check_workload(entry, workload)
    check_instance("period", period, PricePeriod, "one of entry.model.periods")
    model = entry.model
    rates = rates_for(model, period, workload.request_tokens, batch)
    creation_rates = rates_for(model, period, workload.all_context_tokens)  # creation is never a batch call
    units = billed_units(model, period, workload)
    unit = "chars" if period.unit == "character" else "tokens"
    if rates.cached_mtok is None or rates.storage_mtok_hour is None:
        raise CostcalcError(f"{model.id} has no cached or storage price in the period from {period.effective}; "
                            "there is no explicit cache to break even")
    parts = modal.billed_parts(model, period, workload, (units[0], units[1]))[0]
    context = sum(tokens for _, tokens in parts)
    # Creation: standard input prices at the tier of the whole context; storage: one price for every modality.
    creation = modal.exact_total(modal.charges(model, period, "input", parts, creation_rates.tier, False))
    storage = storage_fraction(context, rates.storage_mtok_hour, workload.ttl_seconds)
    fixed = creation + storage
    inputs = modal.charges(model, period, "input", parts, rates.tier, batch)
    reads = modal.charges(model, period, "cached", parts, rates.tier, batch)
    # Saving per query = sum over modalities of C_m x (input_m - cached_m); fresh prompt and output cancel.
    saving = modal.exact_total(inputs) - modal.exact_total(reads)
    if workload.has_mix:
        terms = " + ".join(f"{given.tokens:,} {given.modality.lower()} × ({format_price(given.price_mtok)} − "
                           f"{format_price(read.price_mtok)})" for given, read in zip(inputs, reads, strict=True))
        saving_text = f"({terms}) / 1M = {format_usd(to_decimal(saving))}"
    else:
        saving_text = (f"{context:,} {unit} × ({format_price(rates.input_mtok)} − {format_price(rates.cached_mtok)})"
                       f" / 1M = {format_usd(to_decimal(saving))}")
    fixed_text = (f"creation {format_usd(to_decimal(creation))} + storage for "
                  f"{format_duration(workload.ttl_seconds)} {format_usd(to_decimal(storage))}")
    rate_per_hour, rate_formula = (_mix_read_rate(context, rates.storage_mtok_hour, saving) if workload.has_mix
                                   else _read_rate(rates))
    if saving <= 0:
        return BreakEven(None, "the cached price is not below the input price, so no number of queries pays "
                         "for the cache", to_decimal(fixed), to_decimal(saving),
                         f"saving per query = {saving_text} <= 0: no break-even", rate_per_hour, rate_formula)
    ratio = fixed / saving
    queries = ratio.numerator // ratio.denominator + 1
    formula = (f"N* = floor(({fixed_text}) / saving per query ({saving_text})) + 1 "
               f"= floor({_approx(ratio)}) + 1 = {queries}")
    return BreakEven(queries, None, to_decimal(fixed), to_decimal(saving), formula, rate_per_hour, rate_formula)


def _approx(value: Fraction) -> str:
    exact = to_decimal(value)
    shown = exact.quantize(Decimal("0.0001"))
    return f"{exact.normalize():f}" if Fraction(shown) == value else f"{shown}…"


def _mix_read_rate(context: int, storage_mtok_hour: Decimal, saving: Fraction) -> tuple[Decimal | None, str | None]:
    """Reads per hour that pay a long-lived cache's storage: storage per hour / saving per read."""
    if saving <= 0:
        return None, None
    per_hour = Fraction(context) * Fraction(storage_mtok_hour) / MILLION
    rate = per_hour / saving
    formula = (f"storage per hour / saving per read = {context:,} tokens × {format_price(storage_mtok_hour)} / 1M "
               f"/ {format_usd(to_decimal(saving))} = {_approx(rate)} reads per hour")
    return to_decimal(rate), formula


def _read_rate(rates: Rates) -> tuple[Decimal | None, str | None]:
    assert rates.cached_mtok is not None and rates.storage_mtok_hour is not None
    gap = rates.input_mtok - rates.cached_mtok
    if gap <= 0:
        return None, None
    rate = Fraction(rates.storage_mtok_hour) / Fraction(gap)
    formula = (f"storage / (input − cached) = {format_price(rates.storage_mtok_hour)} / "
               f"({format_price(rates.input_mtok)} − {format_price(rates.cached_mtok)}) = {_approx(rate)} "
               "reads per hour")
    return to_decimal(rate), formula


@exact
def estimate(entry: PricedModel, workload: Workload, as_of: date | None = None, *,
             batch: bool = False, hit_rate: Decimal | None = None) -> Estimate:
    """Cost of `workload` without caching and with one explicit cache, by Google's rules on `as_of`.

    With `hit_rate`, also the expected cost under implicit caching at that share of cache hits.
    """
    check_flag("batch", batch)
    as_of = check_day("as_of", as_of) or date.today()
    if hit_rate is not None:
        hit_rate = check_share("hit_rate", hit_rate)
    model = entry.model if isinstance(entry, PricedModel) else None
    check_workload(entry, workload)
    assert model is not None
    period = find_period(model, as_of)
    no_cache = calc_no_cache(model, period, workload, batch)
    blocker = explicit_cache_blocker(entry, period, workload, as_of, no_cache.rates, batch)
    notes = _notes(entry, period, workload, as_of, no_cache.rates, blocker is None)
    source = describe_source(entry, period, as_of, batch, no_cache.rates.tier)
    implicit, implicit_blocked = None, None
    if hit_rate is not None:
        implicit_blocked = implicit_blocker(entry, period, workload, as_of, batch)
        if implicit_blocked is None:
            implicit = calc_implicit_cache(entry, period, workload, hit_rate, batch)
            notes.append(f"implicit caching: hits are not guaranteed; a {to_jsonable(hit_rate * 100)}% hit rate is "
                         "your assumption, so the implicit column is an expected cost (no creation, no storage)")
    working = _working(entry, period, workload, no_cache.rates, batch, blocker is None,
                       implicit is not None) if workload.has_mix else None
    if blocker is not None:
        return Estimate(workload, source, no_cache, None, blocker, None, None, None, None, tuple(notes),
                        implicit, implicit_blocked, working)
    cached = calc_explicit_cache(model, period, workload, batch)
    savings = no_cache.total - cached.total
    percent = to_decimal(Fraction(savings) * 100 / Fraction(no_cache.total)) if no_cache.total else None
    rates = cached.rates
    assert rates.cached_mtok is not None
    if working is not None:  # 1 - (one cached read) / (the context as input), every modality at its own price
        assert working.cached_read is not None
        given = modal.exact_total(working.context_input)
        ceiling = to_decimal((1 - modal.exact_total(working.cached_read) / given) * 100) if given else None
    else:
        ceiling = (to_decimal((1 - Fraction(rates.cached_mtok) / Fraction(rates.input_mtok)) * 100)
                   if rates.input_mtok else None)
    if cached.creation_tier != cached.tier:
        notes.append(f"the cache is created at the {_TIER_WORDS[cached.creation_tier]} "
                     f"({workload.all_context_tokens:,} tokens) while each query, with its fresh prompt, is billed "
                     f"at the {_TIER_WORDS[cached.tier]}")
    return Estimate(workload, source, no_cache, cached, None, savings, percent, ceiling,
                    calc_break_even(entry, period, workload, batch), tuple(notes), implicit, implicit_blocked,
                    working)


def _working(entry: PricedModel, period: PricePeriod, workload: Workload, rates: Rates, batch: bool,
             explicit: bool, implicit: bool) -> ModalityWorking:
    """Each part of a multimodal workload at its own price, per query (creation: once)."""
    model = entry.model
    context, prompt = modal.context_parts(workload), modal.prompt_parts(workload)
    creation = (modal.charges(model, period, "input", context, tier_for(model, workload.all_context_tokens), False)
                if explicit else None)
    reads = modal.charges(model, period, "cached", context, rates.tier, batch) if explicit or implicit else None
    return ModalityWorking(modal.mix_line("context", context), modal.mix_line("prompt", prompt),
                           modal.charges(model, period, "input", context, rates.tier, batch),
                           modal.charges(model, period, "input", prompt, rates.tier, batch), creation, reads)


def _notes(entry: PricedModel, period: PricePeriod, workload: Workload, as_of: date, rates: Rates,
           cacheable: bool) -> list[str]:
    model = entry.model
    notes = []
    prompt = workload.request_tokens
    if rates.tier == "upper":
        notes.append(f"a prompt of {prompt:,} tokens is above {model.long_context_threshold:,}: the whole request "
                     "(fresh input, cached input and output) is billed at the long-context tier")
    if model.shutdown is not None and as_of >= model.shutdown:
        notes.append(f"{model.id} was shut down on {dated(model.shutdown, model.shutdown_approximate)}; these are "
                     "the last prices it had")
    if cacheable:
        notes.append(f"storage is billed for the lifetime given ({format_duration(workload.ttl_seconds)}); whether "
                     "deleting a cache early stops the meter is disputed, so shorten --ttl to model early deletion")
        notes.append("creation is billed once as ordinary input (Vertex AI documents 1x input; the Gemini API "
                     "pricing page lists no creation line); no write premium")
    return notes
