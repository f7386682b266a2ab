"""`pricing check` as tables: the disagreements (or every figure), a count per field, and a one-line verdict."""

from __future__ import annotations

import sys
from collections import Counter
from decimal import Decimal
from typing import TYPE_CHECKING

from costcalc.prices.peer_check import CheckReport, ComparedFigure

if TYPE_CHECKING:
    from costcalc.cli.safe_rich import Table

_STATUS_TEXT = {"agree": "agree", "differ": "differs", "missing": "missing"}


def render(report: CheckReport, every_figure: bool) -> None:
    from rich.markup import escape

    from costcalc.cli.safe_rich import Console, Table

    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
    shown = [f for f in report.compared_figures if every_figure or f.status != "agree"]
    if shown:
        table = Table(title=f"costcalc vs {report.peer} ({escape(report.feed)}): figures in force on {report.as_of}; "
                      "prices in USD per 1M tokens", show_edge=False)
        for name in ("Model", "Field", "costcalc", "peer", "Status"):
            table.add_column(name, justify="right" if name in ("costcalc", "peer") else "left", no_wrap=True)
        for figure in shown:
            same = figure.peer_name.rsplit("/", 1)[-1] == figure.model  # LiteLLM's `gemini/` prefix alone is no news
            name = figure.model if same else f"{figure.model} (peer: {figure.peer_name})"
            table.add_row(escape(f"{figure.platform} {name}"), figure.field, _figure(figure, figure.ours),
                          _figure(figure, figure.peer), _status(figure))
        console.print(table)
    if report.compared_figures:
        console.print(_counts(report))
    if report.nothing_compared:
        console.print(f"NOTHING COMPARED: {report.nothing_compared} (as of {report.as_of})", markup=False)
        return
    figures = report.compared_figures
    differ = sum(f.status == "differ" for f in figures)
    missing = sum(f.status == "missing" for f in figures)
    verdict = "ok" if report.ok else "DISAGREE"
    console.print(f"{verdict}: {len(figures)} figure(s) compared, {differ} differ, {missing} missing on one side; "
                  f"{len(report.compared_models)} feed model(s) compared with {report.peer} as of {report.as_of}; "
                  f"{len(report.skipped_models)} skipped; {report.unmatched_feed_models} match no costcalc model",
                  markup=False)


def _figure(figure: ComparedFigure, value: Decimal | int | None) -> str:
    from costcalc.units import format_price

    if value is None:
        return "—"
    return f"{value:,}" if figure.field.endswith("_tokens") else format_price(Decimal(value))


def _status(figure: ComparedFigure) -> str:
    if figure.status != "missing":
        return _STATUS_TEXT[figure.status]
    return "missing in peer" if figure.peer is None else "missing in costcalc"


def _counts(report: CheckReport) -> Table:
    """How many figures of each field were compared, and how each came out."""
    from costcalc.cli.safe_rich import Table

    tally: dict[str, Counter[str]] = {}
    for figure in report.compared_figures:
        tally.setdefault(figure.field.removesuffix(".lower").removesuffix(".upper"), Counter())[figure.status] += 1
    table = Table(title="Figures compared, by field", show_edge=False)
    for name in ("Field", "compared", "agree", "differ", "missing"):
        table.add_column(name, justify="left" if name == "Field" else "right", no_wrap=True)
    for name, counts in tally.items():
        table.add_row(name, str(counts.total()), *(str(counts[status]) for status in ("agree", "differ", "missing")))
    return table


def render_check(report: CheckReport, every_figure: bool = False) -> None:
    """The disagreements (or every compared figure), a count per field, and a one-line verdict."""
    render(report, every_figure)
