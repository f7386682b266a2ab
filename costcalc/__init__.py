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
_MODULES = {
    "cost.break_even": ["break_even"],
    "cost.request": ["PricedModel", "calc_request", "find_period", "rates_for", "tier_for"],
    "errors": ["CostcalcError", "PricingFileError"],
    "cost.estimate": ["calc_break_even", "estimate"],
    "cost.results": ["BreakEven", "Estimate", "ExplicitCacheCost", "ModalityWorking", "NoCacheCost", "PartCharge",
                     "PriceSource", "Rates", "RequestCost", "Workload"],
    "prices.schema": ["CacheMinimum", "ModelPrices", "PriceFile", "PricePeriod", "TieredPrice"],
    "sdk.meter": ["Meter"],
    "sdk.response": ["ResponseCost", "price_response"],
    "prices.tables": ["PriceTables", "bundled_pricing_dir", "load_price_file", "load_tables"],
    "timeline.generate": ["generate_timeline"],
    "timeline.models": ["TimelineRow", "TrafficWorkload"],
    "timeline.recommend": ["recommend"],
    "timeline.results": ["Recommendation", "Simulation", "StrategyCost"],
    "timeline.simulate": ["simulate"],
    "timeline.reader": ["read_timeline"],
    "timeline.traffic": ["Timeline", "timeline_from_rows"],
    "usage.api": ["bill", "iter_bills"],
    "usage.engine": ["BadUsageRecord", "UsageBiller"],
    "usage.report": ["BadRecord", "UsageBill"],
    "warehouse.duckdb_engine": ["bill_duckdb"],
    "warehouse.spark_engine": ["bill_spark"],
    "warehouse.relation": ["price_rows"],
}
_EXPORTS = {name: module for module, names in _MODULES.items() for name in names}

__all__ = [
    "BadRecord",
    "BadUsageRecord",
    "BreakEven",
    "CacheMinimum",
    "CostcalcError",
    "Estimate",
    "ExplicitCacheCost",
    "Meter",
    "ModalityWorking",
    "ModelPrices",
    "NoCacheCost",
    "PartCharge",
    "PriceFile",
    "PricePeriod",
    "PriceSource",
    "PriceTables",
    "PricedModel",
    "PricingFileError",
    "Rates",
    "Recommendation",
    "RequestCost",
    "ResponseCost",
    "Simulation",
    "StrategyCost",
    "TieredPrice",
    "Timeline",
    "TimelineRow",
    "TrafficWorkload",
    "UsageBill",
    "UsageBiller",
    "Workload",
    "bill",
    "bill_duckdb",
    "bill_spark",
    "break_even",
    "bundled_pricing_dir",
    "calc_break_even",
    "calc_request",
    "estimate",
    "find_period",
    "generate_timeline",
    "iter_bills",
    "load_price_file",
    "load_tables",
    "price_response",
    "price_rows",
    "rates_for",
    "read_timeline",
    "recommend",
    "simulate",
    "tier_for",
    "timeline_from_rows",
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
    from costcalc.cost.break_even import break_even
    from costcalc.cost.estimate import calc_break_even, estimate
    from costcalc.cost.request import PricedModel, calc_request, find_period, rates_for, tier_for
    from costcalc.cost.results import (
        BreakEven,
        Estimate,
        ExplicitCacheCost,
        ModalityWorking,
        NoCacheCost,
        PartCharge,
        PriceSource,
        Rates,
        RequestCost,
        Workload,
    )
    from costcalc.errors import CostcalcError, PricingFileError
    from costcalc.prices.schema import CacheMinimum, ModelPrices, PriceFile, PricePeriod, TieredPrice
    from costcalc.prices.tables import PriceTables, bundled_pricing_dir, load_price_file, load_tables
    from costcalc.sdk.meter import Meter
    from costcalc.sdk.response import ResponseCost, price_response
    from costcalc.timeline.generate import generate_timeline
    from costcalc.timeline.models import TimelineRow, TrafficWorkload
    from costcalc.timeline.reader import read_timeline
    from costcalc.timeline.recommend import recommend
    from costcalc.timeline.results import Recommendation, Simulation, StrategyCost
    from costcalc.timeline.simulate import simulate
    from costcalc.timeline.traffic import Timeline, timeline_from_rows
    from costcalc.usage.api import bill, iter_bills
    from costcalc.usage.engine import BadUsageRecord, UsageBiller
    from costcalc.usage.report import BadRecord, UsageBill
    from costcalc.warehouse.duckdb_engine import bill_duckdb
    from costcalc.warehouse.relation import price_rows
    from costcalc.warehouse.spark_engine import bill_spark
