"""Library conveniences over the calculator: one call from a model name to an answer."""

from __future__ import annotations

from datetime import date

from costcalc.checks import check_day, check_flag
from costcalc.cost.estimate import calc_break_even
from costcalc.cost.money import exact
from costcalc.cost.request import PricedModel, check_workload, explicit_cache_blocker, find_period, rates_for
from costcalc.cost.results import BreakEven, Workload
from costcalc.errors import CostcalcError


@exact
def break_even(entry: PricedModel, workload: Workload, as_of: date | None = None, *,
               batch: bool = False) -> BreakEven:
    """Break-even queries and read rate for caching `workload`'s context; raises when no cache is possible."""
    check_flag("batch", batch)
    as_of = check_day("as_of", as_of) or date.today()
    check_workload(entry, workload)
    period = find_period(entry.model, as_of)
    rates = rates_for(entry.model, period, workload.request_tokens, batch)
    blocker = explicit_cache_blocker(entry, period, workload, as_of, rates, batch)
    if blocker is not None:
        raise CostcalcError(f"no explicit cache to break even: {blocker}")
    return calc_break_even(entry, period, workload, batch)
