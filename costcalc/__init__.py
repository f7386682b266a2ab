"""costcalc: what Gemini context caching costs, and when it pays off, from dated price tables.

    from costcalc import load_tables, Workload, estimate
    entry = load_tables().find_model("gemini-2.5-pro")
    answer = estimate(entry, Workload(context_tokens=500_000, output_tokens=2_000, queries=10))
    print(answer.no_cache.total, answer.explicit_cache.total, answer.break_even.queries)
"""

from costcalc.api import break_even
from costcalc.calc import PricedModel, calc_request, find_period, rates_for, tier_for
from costcalc.errors import CostcalcError, PricingFileError
from costcalc.estimate import calc_break_even, estimate
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

__version__ = "0.1.0"

__all__ = [
    "BreakEven", "CacheMinimum", "CostcalcError", "Estimate", "ExplicitCacheCost", "ModelPrices", "NoCacheCost",
    "PriceFile", "PricePeriod", "PriceSource", "PriceTables", "PricedModel", "PricingFileError", "Rates",
    "RequestCost", "TieredPrice", "Workload", "break_even", "bundled_pricing_dir", "calc_break_even",
    "calc_request", "estimate", "find_period", "load_price_file", "load_tables", "rates_for", "tier_for",
]
