"""`costcalc pricing diff` on the terminal: a price-change table per platform, then structural lines."""

from __future__ import annotations

import sys

from costcalc.jsonable import to_jsonable
from costcalc.prices.diff import PriceChange, TableDiff
from costcalc.prices.schema import CacheMinimum, ImageOutputSize
from costcalc.units import format_price

_DASH = "—"


def _show(value: object) -> str:
    """A field value for people: thousands separators, lists joined, nothing shown as `None`."""
    if value is None:
        return _DASH
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, CacheMinimum):
        return f"{value.tokens:,} from {value.doc_date}"
    if isinstance(value, ImageOutputSize):
        return f"{value.size}: {value.tokens:,} tokens, ${value.usd_per_image} per image"
    if isinstance(value, (tuple, list)):
        return ", ".join(_show(item) for item in value) or "(none)"
    return str(to_jsonable(value))


def _change_text(change: PriceChange) -> str:
    if change.old is None:
        return "new"
    if change.new is None:
        return "removed"
    return _DASH if change.percent is None else f"{change.percent:+f}%"


def render_diff(diff: TableDiff) -> None:
    """Print the diff with rich: per platform a price-change table, then structural lines, then metadata."""
    from rich.markup import escape

    from costcalc.cli.safe_rich import Console, Table

    # Created per call (not at import) so a redirected or captured stdout is honoured; settings as in render.py.
    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
    if diff.is_empty:
        console.print("No differences.")
        return
    for platform in diff.platforms:
        console.print(f"[bold]{escape(platform.platform)}[/]")
        rows = [(model.id, period.effective, change) for model in platform.models for period in model.periods
                for change in period.prices]
        if rows:
            table = Table(show_edge=False)
            for name in ("Model", "Effective", "Price", "Tier", "Old", "New", "Change"):
                table.add_column(name, justify="right" if name in ("Old", "New", "Change") else "left", no_wrap=True)
            for model_id, effective, change in rows:
                table.add_row(escape(model_id), str(effective), change.field, change.tier,
                              *(format_price(v) if v is not None else _DASH for v in (change.old, change.new)),
                              _change_text(change))
            console.print(table)
        lines = [f"+ model {model_id}" for model_id in platform.models_added]
        lines += [f"- model {model_id}" for model_id in platform.models_removed]
        metadata = []
        for model in platform.models:
            lines += [f"  {model.id}: {c.field}: {_show(c.old)} → {_show(c.new)}" for c in model.fields]
            lines += [f"+ period {model.id} from {effective}" for effective in model.periods_added]
            lines += [f"- period {model.id} from {effective}" for effective in model.periods_removed]
            metadata += [f"  {model.id}: {c.field}: {_show(c.old)} → {_show(c.new)}" for c in model.metadata]
            for period in model.periods:
                lines += [f"  {model.id} from {period.effective}: {c.field}: {_show(c.old)} → {_show(c.new)}"
                          for c in period.fields]
                metadata += [f"  {model.id} from {period.effective}: {c.field}: {_show(c.old)} → {_show(c.new)}"
                             for c in period.metadata]
        for line in lines:
            console.print(line, markup=False)
        if metadata:
            console.print("Metadata (no effect on amounts):", style="dim")
            for line in metadata:
                console.print(line, style="dim", markup=False, soft_wrap=True)
