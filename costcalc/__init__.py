"""costcalc: what Gemini context caching costs, and when it pays off, from dated price tables.

    from costcalc import load_tables, Workload, estimate
    entry = load_tables().find_model("gemini-2.5-pro")
    answer = estimate(entry, Workload(context_tokens=500_000, output_tokens=2_000, queries=10))
    print(answer.no_cache.total, answer.explicit_cache.total, answer.break_even.queries)
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> module. Loaded on first use, so `costcalc estimate` imports only what it runs.
_EXPORTS = {
    "break_even": "api",
    "PricedModel": "calc", "calc_request": "calc", "find_period": "calc", "rates_for": "calc", "tier_for": "calc",
    "CostcalcError": "errors", "PricingFileError": "errors",
    "calc_break_even": "compare", "estimate": "compare",
    "BreakEven": "results", "Estimate": "results", "ExplicitCacheCost": "results", "NoCacheCost": "results",
    "PriceSource": "results", "Rates": "results", "RequestCost": "results", "Workload": "results",
    "CacheMinimum": "schema", "ModelPrices": "schema", "PriceFile": "schema", "PricePeriod": "schema",
    "TieredPrice": "schema",
    "PriceTables": "tables", "bundled_pricing_dir": "tables", "load_price_file": "tables", "load_tables": "tables",
}

__all__ = [
    "BreakEven", "CacheMinimum", "CostcalcError", "Estimate", "ExplicitCacheCost", "ModelPrices", "NoCacheCost",
    "PriceFile", "PricePeriod", "PriceSource", "PriceTables", "PricedModel", "PricingFileError", "Rates",
    "RequestCost", "TieredPrice", "Workload", "break_even", "bundled_pricing_dir", "calc_break_even", "calc_request",
    "estimate", "find_period", "load_price_file", "load_tables", "rates_for", "tier_for",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'costcalc' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"costcalc.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


if TYPE_CHECKING:
    from costcalc.api import break_even
    from costcalc.calc import PricedModel, calc_request, find_period, rates_for, tier_for
    from costcalc.compare import calc_break_even, estimate
    from costcalc.errors import CostcalcError, PricingFileError
    from costcalc.results import (
        BreakEven,
        Estimate,
        ExplicitCacheCost,
        NoCacheCost,
        PriceSource,
        Rates,
        RequestCost,
        Workload,
    )
    from costcalc.schema import CacheMinimum, ModelPrices, PriceFile, PricePeriod, TieredPrice
    from costcalc.tables import PriceTables, bundled_pricing_dir, load_price_file, load_tables
