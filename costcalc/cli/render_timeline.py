"""Tables and CSV for `simulate` and `recommend`."""

from __future__ import annotations

import csv
import sys
from dataclasses import fields
from decimal import Decimal

from rich.markup import escape

from costcalc.cli.render import _console
from costcalc.cli.safe_rich import Table
from costcalc.cost.results import PriceSource, to_jsonable
from costcalc.prices.confidence import dated
from costcalc.text import one_line
from costcalc.timeline.results import Recommendation, Simulation, StrategyCost
from costcalc.units import format_duration, format_usd

_DASH = "—"


def duration_text(seconds: Decimal) -> str:
    """Whole seconds as 1h 30m; a fraction of a second is shown on the seconds (0.5s)."""
    whole = int(seconds)
    rest = seconds - whole
    if not rest:
        return format_duration(whole)
    text = format_duration(whole) if whole >= 60 else ""
    tail = f"{(Decimal(whole % 60) + rest).normalize():f}s"
    return f"{text.rsplit(' ', 1)[0] if text.endswith('s') else text} {tail}".strip()


def _money(value: Decimal | None) -> str:
    return _DASH if value is None else format_usd(value)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def _confidence(source: PriceSource) -> str:
    """How sure the figures used are, as the price table states it: one word when they all agree."""
    stated = source.confidence
    if not stated:
        return ""
    if len(set(stated.values())) == 1:
        return f"Figures used: {next(iter(stated.values()))}"
    names = {"input_mtok": "input", "output_mtok": "output", "cached_mtok": "cached", "storage_mtok_hour": "storage"}
    return "Figures used: " + ", ".join(f"{names[name.removeprefix('batch_')]} {text}" for name, text in stated.items())


def render_simulation(answer: Simulation) -> None:
    source = answer.source
    _console.print(f"[bold]{escape(source.model_name)}[/] ({escape(source.model)}) on {source.platform}"
                   f"{' · batch' if source.batch else ''} · prices in force from "
                   f"{dated(source.price_effective, source.effective_approximate)} (as of {source.as_of})")
    if _confidence(source):
        _console.print(_confidence(source), markup=False)
    _console.print(f"Traffic: {_plural(answer.queries, 'query', 'queries')}, "
                   f"{_plural(answer.keys, 'key', 'keys')}, "
                   f"over {duration_text(answer.span_seconds)} · implicit hit rate "
                   f"{(answer.hit_rate * 100).normalize():f}%")
    table = Table(show_edge=False, pad_edge=False)
    for title in ("Strategy", "Total", "Per query", "Creations", "Storage time", "Cached", "Uncached",
                  "Over optimal"):
        table.add_column(title, justify="left" if title == "Strategy" else "right")
    for row in answer.strategies:
        table.add_row(*_cells(row, row.strategy == answer.cheapest, answer.queries))
    _console.print(table)
    for row in answer.strategies:
        if row.unavailable:
            _console.print(f"{row.strategy}: not available: {row.unavailable}", markup=False)
    _console.print(f"Cheapest: {answer.cheapest}"
                   + (f" · optimal {format_usd(answer.optimal_total)}" if answer.optimal_total is not None else ""),
                   markup=False)
    for note in answer.notes:
        _console.print(f"Note: {one_line(note)}", markup=False)


def _cells(row: StrategyCost, cheapest: bool, queries: int) -> list[str]:
    name = f"{row.strategy} ◀ cheapest" if cheapest else row.strategy
    if row.total is None:
        return [name, "n/a", *([_DASH] * 6)]
    if row.expected_cached_queries is not None:  # implicit: hits are expected at the hit rate, not counted
        hits = row.expected_cached_queries
        misses = Decimal(queries) - hits
        cached, uncached = (f"{hits.normalize():,f} (expected)", f"{misses.normalize():,f} (expected)")
    else:
        cached, uncached = f"{row.cached_queries:,}", f"{row.uncached_queries:,}"
    storage = duration_text(row.storage_seconds) if row.storage_seconds else _DASH
    over = row.excess_over_optimal
    excess = _DASH if over is None else "+$0" if not over else (
        f"+{format_usd(over)}" if over > 0 else f"−{format_usd(-over)}")  # only implicit's expected cost is below
    return [name, format_usd(row.total), _money(row.per_query), f"{row.creations:,}", storage, cached, uncached,
            excess]


def print_csv(answer: Simulation) -> None:
    """One row per strategy, exact amounts, and a `cheapest` column."""
    names = [field.name for field in fields(StrategyCost)]
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow([*names, "cheapest"])
    for row in answer.strategies:
        data = to_jsonable(row)
        writer.writerow([*("" if data[name] is None else data[name] for name in names),
                         "yes" if row.strategy == answer.cheapest else ""])


def render_recommendation(answer: Recommendation) -> None:
    source = answer.simulation.source
    simulation = answer.simulation
    queries = _plural(simulation.queries, "query", "queries")
    _console.print(f"[bold]{escape(source.model_name)}[/] ({escape(source.model)}) · {queries}, "
                   f"{_plural(simulation.keys, 'key', 'keys')} over {duration_text(simulation.span_seconds)} · "
                   "prices from "
                   f"{dated(source.price_effective, source.effective_approximate)} (as of {source.as_of})")
    if _confidence(source):
        _console.print(_confidence(source), markup=False)
    _console.print(f"[bold]Recommendation: {answer.strategy}[/]")
    for reason in answer.reasons:
        _console.print(reason, markup=False)
