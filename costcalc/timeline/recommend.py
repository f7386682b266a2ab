"""`recommend`: the strategy to run, chosen from a simulation, with what it saves and what it leaves."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from costcalc.cost.money import exact, to_decimal
from costcalc.errors import CostcalcError
from costcalc.timeline.results import Recommendation, Simulation, StrategyCost
from costcalc.units import format_duration, format_usd


def _percent(part: Decimal, whole: Decimal) -> Decimal | None:
    return to_decimal(Fraction(part) * 100 / Fraction(whole)) if whole else None


def _shown(percent: Decimal | None) -> str:
    return "—" if percent is None else f"{percent.quantize(Decimal('0.1'))}%"


@exact
def recommend(simulation: Simulation) -> Recommendation:
    """The cheapest strategy a real system can run: none, explicit:TTL or refresh (implicit depends on a hit
    rate nobody guarantees, so it is compared, not recommended, unless it is the only caching there is)."""
    if not isinstance(simulation, Simulation):
        raise CostcalcError(f"simulation must be a Simulation, from simulate(...), got {type(simulation).__name__}")
    rows = {row.strategy: row for row in simulation.strategies if row.total is not None}
    none = rows.get("none")
    if none is None or none.total is None:
        raise CostcalcError("recommend compares against none; keep none in --strategies")
    runnable = [row for name, row in rows.items() if name == "none" or name.startswith(("explicit:", "refresh:"))]
    implicit = rows.get("implicit")
    explicit_possible = any(name.startswith(("explicit:", "refresh:")) for name in rows)
    if not explicit_possible and implicit is not None:
        runnable.append(implicit)
    best: StrategyCost = min(runnable, key=lambda row: row.total or Decimal(0))
    assert best.total is not None and best.per_query is not None
    saves = none.total - best.total
    optimal = simulation.optimal_total
    above = best.total - optimal if optimal is not None else None
    reasons = [_headline(best, saves, none.total, simulation.hit_rate)]
    if above is not None and optimal is not None:
        reasons.append(f"It is {format_usd(above)} ({_shown(_percent(above, optimal))}) above optimal "
                       f"({format_usd(optimal)}), the best any explicit-cache schedule could do knowing every "
                       "future query.")
    gap = simulation.break_even_gap_seconds
    if gap is not None:
        whole = int(gap)
        reasons.append(f"Break-even gap: {gap.normalize():f} s ({format_duration(whole)}). Keep a cache through an "
                       "idle gap shorter than this; let it expire across a longer one.")
    rate = simulation.implicit_break_even_hit_rate
    why_not = simulation.implicit_break_even_reason
    if why_not is not None:
        reasons.append(f"{why_not[0].upper()}{why_not[1:]}.")
    if implicit is not None and implicit.total is not None and implicit.total < best.total \
            and best.strategy != "implicit":
        reasons.append(f"Implicit caching alone is expected to cost {format_usd(implicit.total)} at the "
                       f"{_shown(simulation.hit_rate * 100)} hit rate assumed, less than {best.strategy} (so "
                       "simulate lists implicit as cheapest), but its hits are not guaranteed: recommend names only "
                       "what you can schedule. Check the hit rate in your usage logs.")
    if rate is not None:
        reasons.append(f"Implicit caching alone would be cheaper only above a {_shown(rate * 100)} hit rate "
                       f"(at the {_shown(simulation.hit_rate * 100)} assumed: {_implicit_words(implicit)}).")
    unavailable = next((row.unavailable for row in simulation.strategies if row.unavailable
                        and row.strategy != "implicit"), None)
    if unavailable:
        reasons.append(f"No explicit cache: {unavailable}.")
    reasons += [f"Note: {note}." for note in simulation.price_date_notes]
    return Recommendation(best.strategy, best.total, best.per_query, saves, _percent(saves, none.total), above,
                          _percent(above, optimal) if above is not None and optimal is not None else None, gap,
                          rate, tuple(reasons), simulation, why_not)


def _headline(best: StrategyCost, saves: Decimal, none_total: Decimal, hit_rate: Decimal) -> str:
    assert best.total is not None and best.per_query is not None
    if best.strategy == "implicit":
        return (f"Use implicit caching, the only caching this model has: {format_usd(best.total)} "
                f"({format_usd(best.per_query)} per query) expected at the {_shown(hit_rate * 100)} hit rate "
                f"assumed, {format_usd(saves)} ({_shown(_percent(saves, none_total))}) less than no cache. Hits "
                "are not guaranteed; check --hit-rate against your usage logs.")
    if best.strategy == "none":
        return (f"Use no explicit cache: {format_usd(best.total)} ({format_usd(best.per_query)} per query). No "
                "explicit-cache strategy is cheaper for this traffic.")
    return (f"Use {best.strategy}: {format_usd(best.total)} ({format_usd(best.per_query)} per query), "
            f"{format_usd(saves)} ({_shown(_percent(saves, none_total))}) less than no cache.")


def _implicit_words(implicit: StrategyCost | None) -> str:
    if implicit is None or implicit.total is None:
        return "implicit caching is not available here"
    return f"implicit would cost {format_usd(implicit.total)}"
