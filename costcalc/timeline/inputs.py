"""The library boundary of `simulate`: argument checks, the cap on work, and the notes on dates and shutdowns.

See docs/timelines.md ("Which prices a timeline pays" and "Limits").
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

from costcalc.checks import check_instance
from costcalc.cost.request import PricedModel
from costcalc.errors import CostcalcError
from costcalc.prices.confidence import dated
from costcalc.prices.schema import PricePeriod
from costcalc.timeline.traffic import Timeline
from costcalc.units import MAX_TTL_SECONDS

MAX_TTLS = 100
"""More lifetimes than this on one grid is a typo or a sweep better run in parts."""
MAX_WORK = 400_000_000
"""Strategies x queries counted in one run: the default 18 strategies over the 20,000,000 queries --rate can
generate fit; beyond it a run takes minutes and gigabytes."""
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def check_arguments(entry: Any, timeline: Any) -> None:
    check_instance("entry", entry, PricedModel, "from load_tables().find_model(...)")
    check_instance("timeline", timeline, Timeline, "from read_timeline(...), generate_timeline(...) or "
                   "timeline_from_rows(...)")


def check_ttls(ttls: Any) -> tuple[int, ...]:
    """Whole seconds from 1 to ten years (the CLI's limit), at most MAX_TTLS of them."""
    if isinstance(ttls, (str, bytes)) or not isinstance(ttls, Sequence):
        raise CostcalcError(f"ttls must be a list of whole seconds such as [300, 3600], got {type(ttls).__name__}")
    if not ttls:
        raise CostcalcError("the TTL grid is empty; give lifetimes like --ttls 5m,1h (library: ttls=[300, 3600])")
    if len(ttls) > MAX_TTLS:
        raise CostcalcError(f"{len(ttls):,} TTLs asked for; at most {MAX_TTLS} fit in one run, so give fewer "
                            "(--ttls) or run the grid in parts")
    for ttl in ttls:
        if isinstance(ttl, bool) or not isinstance(ttl, int) or not 1 <= ttl <= MAX_TTL_SECONDS:
            raise CostcalcError(f"each TTL must be a whole number of seconds from 1 to {MAX_TTL_SECONDS:,} (ten "
                                f"years), got {ttl!r}")
    return tuple(ttls)


def check_work(strategies: int, queries: int) -> None:
    if strategies * queries > MAX_WORK:
        raise CostcalcError(f"{strategies:,} strategies x {queries:,} queries is more than {MAX_WORK:,} to count in "
                            "one run; give fewer --ttls or --strategies, or a shorter timeline (--for)")


def _day(micros: int) -> date:
    return (_EPOCH + timedelta(microseconds=micros)).date()


def date_notes(entry: PricedModel, period: PricePeriod, timeline: Timeline, as_of: date,
               as_of_given: bool) -> list[str]:
    """A shut-down model, and which date's prices a dated timeline was priced at (docs/timelines.md)."""
    model = entry.model
    notes = []
    if model.shutdown is not None and as_of >= model.shutdown:
        notes.append(f"{model.id} was shut down on {dated(model.shutdown, model.shutdown_approximate)}; these are "
                     "the last prices it had")
    if not timeline.dated:
        return notes
    first, last = _day(int(timeline.times.min())), _day(int(timeline.times.max()))
    later = [other.effective for other in model.periods if other.effective > period.effective]
    outside = first < period.effective or (bool(later) and last >= min(later))
    if not outside and as_of_given:
        return notes
    span = str(first) if first == last else f"{first} to {last}"
    chosen = f"on {as_of}" + ("" if as_of_given else " (today: no --as-of given)")
    launch = model.periods[0].effective
    if last < launch:  # times relative to 1970, or a typo: there is no price of their own dates to point to
        notes.append(f"the timeline's times fall on {span}, before {model.id} had any price (from {launch}); "
                     f"they are priced at the prices in force {chosen}")
    elif outside:
        first = max(first, launch)
        notes.append(f"the timeline's queries are dated {span}, outside the prices in force {chosen}, which are "
                     f"the ones used; to price them at the rates of their own dates give --as-of {first} (one "
                     "price period per run)")
    else:
        notes.append(f"the timeline's queries are dated {span}; they are priced at the prices in force {chosen}; "
                     "give --as-of to choose another date")
    return notes
