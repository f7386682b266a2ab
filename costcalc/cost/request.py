"""Google's billing rules as pure functions: tiers, one request, an explicit cache, break-even.

The rules, with their reasons and public sources, are in docs/billing-rules.md; comments here cite its
headings only where the code alone would not say why.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from costcalc.checks import check_count, check_flag, check_instance
from costcalc.cost import modal
from costcalc.cost.money import divide, exact, storage_fraction, to_decimal, token_cost
from costcalc.cost.results import (
    MIX_FIELDS,
    ExplicitCacheCost,
    NoCacheCost,
    PriceSource,
    Rates,
    RequestCost,
    Tier,
    Workload,
)
from costcalc.errors import CostcalcError
from costcalc.prices.confidence import figure_confidence
from costcalc.prices.model import (  # re-exported: the domain model lives in prices/, older code imports it here
    PricedModel as PricedModel,
)
from costcalc.prices.model import find_period as find_period
from costcalc.prices.model import min_cache_tokens as min_cache_tokens
from costcalc.prices.model import period_in_force as period_in_force
from costcalc.prices.model import pick as pick
from costcalc.prices.model import tier_for as tier_for
from costcalc.prices.schema import ModelPrices, PricePeriod

_ENTRY_HINT = "from load_tables().find_model(...)"
_MODEL_HINT = "a table's model: entry.model"
_PERIOD_HINT = "one of model.periods, e.g. find_period(model, as_of)"


def _check_model(model: object, *period: object) -> None:
    """`model` (and `period`, when the function takes one) are the table's own objects."""
    check_instance("model", model, ModelPrices, _MODEL_HINT)
    for given in period:
        check_instance("period", given, PricePeriod, _PERIOD_HINT)


def rates_for(model: ModelPrices, period: PricePeriod, prompt_tokens: int, batch: bool = False) -> Rates:
    """The prices a request with `prompt_tokens` of prompt pays, standard or batch."""
    _check_model(model, period)
    check_flag("batch", batch)
    tier = tier_for(model, prompt_tokens)
    if not batch:
        input_price, output_price = pick(period.input_mtok, tier), pick(period.output_mtok, tier)
        cached, storage = pick(period.cached_mtok, tier), period.storage_mtok_hour
    else:
        input_price, output_price = pick(period.batch_input_mtok, tier), pick(period.batch_output_mtok, tier)
        cached, storage = pick(period.batch_cached_mtok, tier), period.batch_storage_mtok_hour
        if input_price is None or output_price is None:
            raise CostcalcError(
                f"{model.id} has no batch price in the period from {period.effective}; "
                "batch mode started 2025-07-07; drop --batch or pick a later --as-of"
            )
    assert input_price is not None and output_price is not None  # schema requires them
    return Rates(tier, input_price, output_price, cached, storage)


@exact
def calc_request(model: ModelPrices, period: PricePeriod, prompt_tokens: int, cached_tokens: int = 0,
                 output_tokens: int = 0, batch: bool = False) -> RequestCost:
    """One generateContent request; `prompt_tokens` already includes `cached_tokens`."""
    _check_model(model, period)
    check_flag("batch", batch)
    if period.unit != "token":
        raise CostcalcError(f"{model.id} was billed per character in the period from {period.effective}; price "
                            "the request with estimate() and character counts (costcalc does not convert)")
    for name, count in (("prompt_tokens", prompt_tokens), ("cached_tokens", cached_tokens),
                        ("output_tokens", output_tokens)):
        check_count(name, count)
    if model.context_window_tokens is not None and prompt_tokens > model.context_window_tokens:
        raise CostcalcError(f"prompt_tokens {prompt_tokens:,} exceeds {model.id}'s context window of "
                            f"{model.context_window_tokens:,} tokens")
    if cached_tokens > prompt_tokens:
        raise CostcalcError(
            f"cached tokens ({cached_tokens:,}) cannot exceed the prompt ({prompt_tokens:,}): "
            "Gemini's promptTokenCount already includes cachedContentTokenCount"
        )
    rates = rates_for(model, period, prompt_tokens, batch)
    if cached_tokens and rates.cached_mtok is None:
        raise CostcalcError(f"{model.id} has no cached-token price in the period from {period.effective}")
    fresh = token_cost(prompt_tokens - cached_tokens, rates.input_mtok)
    cached = token_cost(cached_tokens, rates.cached_mtok) if cached_tokens and rates.cached_mtok else Decimal(0)
    output = token_cost(output_tokens, rates.output_mtok)
    return RequestCost(rates.tier, prompt_tokens, cached_tokens, output_tokens, fresh, cached, output,
                       fresh + cached + output)


def describe_source(entry: PricedModel, period: PricePeriod, as_of: date, batch: bool,
                    tier: Tier = "flat") -> PriceSource:
    """Which record priced the answer, with how sure each figure used at `tier` is."""
    model = entry.model
    names = _BATCH_FIELDS if batch else _STANDARD_FIELDS
    stated = {name: figure_confidence(period, name, tier) for name in names if getattr(period, name) is not None}
    return PriceSource(model.id, model.name, entry.platform, period.effective, as_of, period.checked,
                       period.source_records(), period.note, model.long_context_threshold, batch, entry.source_file,
                       period.unit, period.effective_approximate,
                       {name: text for name, text in stated.items() if text is not None})


_STANDARD_FIELDS = ("input_mtok", "output_mtok", "cached_mtok", "storage_mtok_hour")
_BATCH_FIELDS = ("batch_input_mtok", "batch_output_mtok", "batch_cached_mtok", "batch_storage_mtok_hour")


def check_workload(entry: PricedModel, workload: Workload) -> None:
    """Errors no price can answer: bad counts, a prompt over the context window, a lifetime the platform refuses."""
    check_instance("entry", entry, PricedModel, _ENTRY_HINT)
    check_instance("workload", workload, Workload, "costcalc.Workload(context_tokens=..., queries=...)")
    for name in ("context_tokens", "prompt_tokens", "output_tokens", "queries", "ttl_seconds", *MIX_FIELDS):
        check_count(f"workload.{name}", getattr(workload, name))
    for name in ("context_chars", "prompt_chars", "output_chars"):
        if getattr(workload, name) is not None:
            check_count(f"workload.{name}", getattr(workload, name))
    if workload.queries < 1:
        raise CostcalcError("queries must be at least 1")
    if workload.ttl_seconds < 1:
        raise CostcalcError("the cache lifetime must be at least 1 second")
    model = entry.model
    prompt = workload.request_tokens
    if model.context_window_tokens is not None and prompt > model.context_window_tokens:
        raise CostcalcError(
            f"a prompt of {prompt:,} tokens (context + prompt, every modality) exceeds {model.id}'s context window of "
            f"{model.context_window_tokens:,} tokens; shrink --context or --prompt"
        )
    if workload.ttl_seconds < entry.min_ttl_seconds:
        raise CostcalcError(
            f"{entry.platform} caches live at least {entry.min_ttl_seconds} s; "
            f"use --ttl {entry.min_ttl_seconds}s or more"
        )


def billed_units(model: ModelPrices, period: PricePeriod, workload: Workload) -> tuple[int, int, int]:
    """(context, prompt, output) in what the period bills: tokens, or characters on Vertex AI's 1.0/1.5."""
    if period.unit == "token":
        return workload.context_tokens, workload.prompt_tokens, workload.output_tokens
    if not workload.has_chars:
        raise CostcalcError(
            f"{model.id} was billed per character in the period from {period.effective}; give --context-chars, "
            "--prompt-chars and --output-chars, or token counts with --chars-per-token (costcalc does not guess "
            "a ratio)"
        )
    return workload.context_chars or 0, workload.prompt_chars or 0, workload.output_chars or 0


@exact
def calc_no_cache(model: ModelPrices, period: PricePeriod, workload: Workload, batch: bool = False) -> NoCacheCost:
    """N queries that each send context + prompt as fresh input, each modality at its own input price."""
    rates = rates_for(model, period, workload.request_tokens, batch)
    n = workload.queries
    context, fresh, out = billed_units(model, period, workload)
    context_parts, prompt_parts = modal.billed_parts(model, period, workload, (context, fresh))
    context_input = modal.total(modal.charges(model, period, "input", context_parts, rates.tier, batch)) * n
    fresh_input = modal.total(modal.charges(model, period, "input", prompt_parts, rates.tier, batch)) * n
    output = token_cost(out, rates.output_mtok) * n
    total = context_input + fresh_input + output
    return NoCacheCost(rates.tier, rates, context_input, fresh_input, output, total, divide(total, n))


def explicit_cache_blocker(entry: PricedModel, period: PricePeriod, workload: Workload, as_of: date,
                           rates: Rates, batch: bool = False) -> str | None:
    """Why no explicit cache can be priced for this workload, or None when one can."""
    model = entry.model
    if model.caching == "implicit":
        return (f"{model.name} supports implicit caching only: there are no explicit caches and no storage "
                "price, so there is nothing to create or store")
    if model.caching == "none":
        return f"{model.name} has no context caching on {entry.platform}"
    when = f"in the period from {period.effective}"
    if rates.cached_mtok is None:
        return (f"{model.id} has no cached-token price {when} on {entry.platform}: caching was not available "
                "then, or its price was never published (the period's note says which)")
    if rates.storage_mtok_hour is None:
        return f"{model.id} has no published cache storage price {when}, so an explicit cache cannot be priced"
    size = workload.all_context_tokens
    if size == 0:
        return "the context is empty; an explicit cache needs the reused tokens (--context)"
    minimum = min_cache_tokens(model, as_of)
    if minimum is not None and size < minimum.tokens:
        return (f"a context of {size:,} tokens is below {model.id}'s minimum cacheable size "
                f"of {minimum.tokens:,} tokens ({minimum.source}, {minimum.doc_date}); cache at least "
                f"{minimum.tokens:,} tokens or compare without caching")
    if workload.has_mix and period.unit == "token":
        parts = modal.context_parts(workload)
        creation_tier = tier_for(model, size)
        return (modal.missing(model, period, "input", parts, creation_tier, False)
                or modal.missing(model, period, "cached", parts, rates.tier, batch))
    return None


@exact
def calc_explicit_cache(model: ModelPrices, period: PricePeriod, workload: Workload,
                        batch: bool = False) -> ExplicitCacheCost:
    """Creation (once, as input at the tier of the cached size) + prorated storage + N cached queries.

    With audio or video: creation and reads price each modality at its own price; storage is one price for all."""
    rates = rates_for(model, period, workload.request_tokens, batch)
    # cachedContents.create is its own, interactive call: standard input price even for batch queries.
    creation_rates = rates_for(model, period, workload.all_context_tokens)
    assert rates.cached_mtok is not None and rates.storage_mtok_hour is not None
    n = workload.queries
    context, fresh, out = billed_units(model, period, workload)
    context_parts, prompt_parts = modal.billed_parts(model, period, workload, (context, fresh))
    creation = modal.total(modal.charges(model, period, "input", context_parts, creation_rates.tier, False))
    stored = sum(tokens for _, tokens in context_parts)
    storage = to_decimal(storage_fraction(stored, rates.storage_mtok_hour, workload.ttl_seconds))
    cached_input = modal.total(modal.charges(model, period, "cached", context_parts, rates.tier, batch)) * n
    fresh_input = modal.total(modal.charges(model, period, "input", prompt_parts, rates.tier, batch)) * n
    output = token_cost(out, rates.output_mtok) * n
    total = creation + storage + cached_input + fresh_input + output
    return ExplicitCacheCost(rates.tier, rates, creation_rates.tier, creation_rates.input_mtok, creation, storage,
                             workload.ttl_seconds, cached_input, fresh_input, output, total, divide(total, n))
