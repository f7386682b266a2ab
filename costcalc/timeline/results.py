"""Typed answers of `simulate` and `recommend`; JSON carries every amount as an exact decimal string."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from costcalc.cost.results import PriceSource, to_jsonable


@dataclass(frozen=True)
class StrategyCost:
    """One strategy over the whole timeline; `total` is exactly the sum of the six parts."""

    strategy: str
    """`none`, `implicit`, `explicit:1h`, `refresh:auto`, `optimal`, ..."""
    total: Decimal | None
    per_query: Decimal | None
    creations: int | None
    storage_seconds: Decimal | None
    """Cache lifetimes summed over all caches, in seconds (exact; time is kept to the microsecond)."""
    cached_queries: int | None
    """Queries read from a cache; None for implicit, whose hits are expected, not counted (see below)."""
    uncached_queries: int | None
    excess_over_optimal: Decimal | None
    """total - optimal's total; None when there is no optimum to compare with. Optimal bounds explicit caching
    only: implicit's expected cost needs no cache and can be below it, so its excess can be negative."""
    creation: Decimal | None
    storage: Decimal | None
    cached_input: Decimal | None
    """Context read from a cache (implicit: the expected share of hits)."""
    uncached_context_input: Decimal | None
    """Context sent as ordinary input."""
    fresh_input: Decimal | None
    output: Decimal | None
    ttl_seconds: Decimal | None
    """The lifetime the strategy uses (refresh:auto: g*), None for none, implicit and optimal."""
    unavailable: str | None = None
    """Why this strategy cannot run for this model and traffic; every amount is then None."""
    expected_cached_queries: Decimal | None = None
    """Implicit only: the hit rate x the queries eligible for implicit caching (exact, may be fractional)."""


@dataclass(frozen=True)
class Simulation:
    """Every strategy priced over one timeline."""

    source: PriceSource
    queries: int
    keys: int
    span_seconds: Decimal
    hit_rate: Decimal
    strategies: tuple[StrategyCost, ...]
    cheapest: str
    """The cheapest strategy a real system can run (optimal, which knows the future, is left out)."""
    optimal_total: Decimal | None
    break_even_gap_seconds: Decimal | None
    """g* = 3600 s x input / storage: the idle time whose storage costs one creation."""
    implicit_break_even_hit_rate: Decimal | None
    """The hit rate at which implicit caching costs the same as the best explicit strategy; None when no rate
    from 0 to 1 does (then `implicit_break_even_reason` says why) or there is nothing to compare."""
    notes: tuple[str, ...]
    implicit_break_even_reason: str | None = None
    """Why there is no break-even hit rate: implicit is cheaper at any rate, or cannot match even at 100%."""
    price_date_notes: tuple[str, ...] = ()
    """The notes (also in `notes`) on a shut-down model and on which date's prices a dated timeline paid."""

    def find(self, name: str) -> StrategyCost | None:
        return next((row for row in self.strategies if row.strategy == name), None)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        return {"model": self.source.model, "price_effective": data["source"]["price_effective"],
                "queries": self.queries, "keys": self.keys, "strategies": data["strategies"],
                "cheapest": self.cheapest, "optimal_total": data["optimal_total"],
                **{key: value for key, value in data.items() if key not in ("strategies", "optimal_total")}}


@dataclass(frozen=True)
class Recommendation:
    """The strategy to use for a timeline, in numbers and in words."""

    strategy: str
    total: Decimal
    per_query: Decimal
    saves_vs_none: Decimal
    saves_vs_none_percent: Decimal | None
    above_optimal: Decimal | None
    above_optimal_percent: Decimal | None
    break_even_gap_seconds: Decimal | None
    implicit_break_even_hit_rate: Decimal | None
    """Above this hit rate, implicit caching alone would be cheaper than the best explicit strategy; None with
    `implicit_break_even_reason` when no rate from 0 to 1 is."""
    reasons: tuple[str, ...]
    simulation: Simulation
    implicit_break_even_reason: str | None = None

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        data["simulation"] = self.simulation.to_json()
        return {"model": self.simulation.source.model, **data}
