"""Rich tables for people; every amount is shown with the arithmetic that produced it."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

from rich.markup import escape

from costcalc.cli.safe_rich import Console, Table
from costcalc.cost.modal import charge_text
from costcalc.cost.modal import total as total_of
from costcalc.cost.money import token_cost
from costcalc.cost.request import PricedModel, find_period, min_cache_tokens
from costcalc.cost.results import BreakEven, Estimate, PartCharge, PriceSource, Workload, to_jsonable
from costcalc.errors import CostcalcError
from costcalc.prices.confidence import dated, figures_that_differ
from costcalc.prices.schema import Price, PricePeriod, Source, TieredPrice
from costcalc.prices.tables import PriceTables
from costcalc.text import one_line
from costcalc.units import format_duration, format_price, format_usd

# Pipes and files get 200 columns (rich would use 80) so the formulas stay on one line each.
_console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
_TIER = {"flat": "single tier", "lower": "lower tier", "upper": "long-context tier"}
_DASH = "—"


def _price(price: Price | None) -> str:
    if price is None:
        return _DASH
    if isinstance(price, TieredPrice):
        return f"{format_price(price.lower)} / {format_price(price.upper)}"
    return format_price(price)


def _per_m(units: int, price: Decimal, unit: str = "token") -> str:
    return f"{units:,} × {format_price(price)} / 1M{' chars' if unit == 'character' else ''}"


def render_estimate(answer: Estimate) -> None:
    work, source, plain, cache = answer.workload, answer.source, answer.no_cache, answer.explicit_cache
    rates, n, unit = plain.rates, work.queries, source.unit
    if unit == "character":
        context, fresh, out = work.context_chars or 0, work.prompt_chars or 0, work.output_chars or 0
    else:
        context, fresh, out = work.all_context_tokens, work.all_prompt_tokens, work.output_tokens
    _console.print(f"[bold]{escape(source.model_name)}[/] ({escape(source.model)}) on {source.platform}"
                   f"{' · batch' if source.batch else ''} · prices in force from "
                   f"{dated(source.price_effective, source.effective_approximate)} (as of {source.as_of})")
    _console.print(f"Workload: {work.all_context_tokens:,} context + {work.all_prompt_tokens:,} fresh prompt tokens, "
                   f"{work.output_tokens:,} output tokens per query · {n:,} {'query' if n == 1 else 'queries'} · "
                   f"cache lifetime {format_duration(work.ttl_seconds)}")
    if answer.modalities is not None:
        _console.print(f"Modalities: {answer.modalities.context}; {answer.modalities.prompt}", markup=False,
                       soft_wrap=True)
    if unit == "character":
        _console.print(f"Billed per character: {context:,} context + {fresh:,} prompt characters, {out:,} output "
                       "characters per query")
    threshold = f" (threshold {source.long_context_threshold:,})" if source.long_context_threshold else ""
    sure = _sure(source)
    cached_rate = (f", cached {format_price(rates.cached_mtok)}{sure('cached_mtok')}"
                   if rates.cached_mtok is not None else "")
    storage = (f"; storage {format_price(rates.storage_mtok_hour)}{sure('storage_mtok_hour')} per 1M {unit}s per hour"
               if cache and rates.storage_mtok_hour is not None else "")
    _console.print(f"Tier: {_TIER[plain.tier]}{threshold}: input {format_price(rates.input_mtok)}{sure('input_mtok')}"
                   f"{cached_rate}, output {format_price(rates.output_mtok)}{sure('output_mtok')} per 1M {unit}s"
                   f"{storage}", markup=False, soft_wrap=True)
    _console.print(_estimate_table(answer, (context, fresh, out)))
    if cache is None:
        _console.print(f"No explicit cache: {answer.explicit_cache_unavailable}", markup=False)
    else:
        _print_savings(answer)
    if answer.implicit_cache_unavailable:
        _console.print(f"No implicit caching: {answer.implicit_cache_unavailable}", markup=False)
    for note in answer.notes:
        _console.print(f"Note: {note}", markup=False)
    _print_source(source.sources, source.checked, source.note, source.source_file)


def _sure(source: PriceSource) -> Callable[[str], str]:
    """` (confirmed)` after a figure: how sure it is, as the price table states it."""
    def shown(name: str) -> str:
        text = source.confidence.get(f"batch_{name}" if source.batch else name)
        return f" ({text})" if text else ""
    return shown


def _estimate_table(answer: Estimate, units: tuple[int, int, int]) -> Table:
    """Rows of (no cache, explicit cache[, implicit cache], how), each amount with its arithmetic."""
    work, plain, cache, implicit = answer.workload, answer.no_cache, answer.explicit_cache, answer.implicit_cache
    rates, n, unit = plain.rates, work.queries, answer.source.unit
    context, fresh, out = units
    table = Table(show_edge=False, pad_edge=False)
    table.add_column("")
    table.add_column("No cache", justify="right")
    table.add_column("Explicit cache", justify="right")
    if implicit is not None:
        table.add_column(f"Implicit ({_percent(implicit.hit_rate)} hits)", justify="right")
    table.add_column("How", style="dim")

    def row(label: str, plain_cost: Decimal | None, explicit: Decimal | None, implicit_cost: Decimal | None,
            how: str) -> None:
        cells = [format_usd(v) if v is not None else _DASH for v in (plain_cost, explicit)]
        if implicit is not None:
            cells.append(format_usd(implicit_cost) if implicit_cost is not None else _DASH)
        table.add_row(label, *cells, how)

    mix = answer.modalities

    def how(parts: tuple[PartCharge, ...] | None, price: Decimal, units: int) -> str:
        """The arithmetic of one line: each modality at its own price when there is a mix."""
        return charge_text(parts) if parts is not None else _per_m(units, price, unit)

    if cache is not None:
        assert cache.rates.storage_mtok_hour is not None
        standard = " (standard input price)" if answer.source.batch else ""
        row("Cache creation (once)", None, cache.creation, None,
            f"{how(mix.creation if mix else None, cache.creation_input_mtok, context)}{standard}")
        seconds = cache.storage_seconds
        hours = f"{to_jsonable(Decimal(seconds) / 3600)} h" if seconds % 36 == 0 else f"{seconds:,} s / 3600"
        row(f"Storage ({format_duration(seconds)})", None, cache.storage, None,
            f"{_per_m(context, cache.rates.storage_mtok_hour, unit)} per hour × {hours}")
    miss = "; implicit: misses only" if implicit is not None else ""
    row("Context as input", plain.context_input, None, implicit.missed_input if implicit else None,
        f"{n:,} × {format_usd(plain.context_input / n)} per uncached query "
        f"({how(mix.context_input if mix else None, rates.input_mtok, context)}){miss}")
    if rates.cached_mtok is not None and (cache is not None or implicit is not None):
        per_read = format_usd(total_of(mix.cached_read) if mix and mix.cached_read else
                              token_cost(context, rates.cached_mtok))
        row("Cached reads", None, cache.cached_input if cache else None, implicit.cached_input if implicit else None,
            f"{n:,} × {per_read} per cached read "
            f"({how(mix.cached_read if mix else None, rates.cached_mtok, context)})"
            + (f"; implicit: × {_percent(implicit.hit_rate)}" if implicit else ""))
    row("Fresh prompt input", plain.fresh_input, cache.fresh_input if cache else None,
        implicit.fresh_input if implicit else None,
        f"{n:,} × {how(mix.prompt_input if mix else None, rates.input_mtok, fresh)}")
    row("Output", plain.output, cache.output if cache else None, implicit.output if implicit else None,
        f"{n:,} × {_per_m(out, rates.output_mtok, unit)}")
    row("Total", plain.total, cache.total if cache else None, implicit.total if implicit else None, "")
    row("Per query", plain.per_query, cache.per_query if cache else None, implicit.per_query if implicit else None,
        f"total / {n:,}")
    return table


def _percent(fraction: Decimal) -> str:
    return f"{to_jsonable(fraction * 100)}%"


def _print_savings(answer: Estimate) -> None:
    assert answer.savings is not None and answer.explicit_cache is not None
    rates = answer.explicit_cache.rates
    assert rates.cached_mtok is not None
    share = answer.savings_percent
    percent = f" ({abs(share).quantize(Decimal('0.01'))}% of the uncached cost)" if share is not None else ""
    word = "Savings" if answer.savings >= 0 else "Extra cost"
    _console.print(f"{word} with the cache: {format_usd(abs(answer.savings))}{percent}")
    if answer.savings_ceiling_percent is not None:
        ratio = (f"1 − {format_price(rates.cached_mtok)} / {format_price(rates.input_mtok)}"
                 if answer.modalities is None else "1 − one cached read / the context as input, each modality at "
                 "its own price")
        _console.print(f"Savings ceiling as queries grow: {to_jsonable(answer.savings_ceiling_percent)}% of the "
                       f"cached part ({ratio})")
    if answer.break_even is not None:
        _print_break_even(answer.break_even)


def _print_break_even(result: BreakEven) -> None:
    if result.queries is None:
        _console.print(f"Break-even: none, {result.reason}")
    else:
        _console.print(f"[bold]Break-even: {result.queries:,} queries[/] (the first N where the cache is "
                       "strictly cheaper)")
    _console.print(f"  {result.formula}")
    if result.read_rate_per_hour is not None:
        _console.print(f"Break-even read rate for a long-lived cache: "
                       f"{result.read_rate_per_hour.quantize(Decimal('0.01'))} reads per hour")
        _console.print(f"  {result.read_rate_formula}")


def _print_source(sources: tuple[Source, ...], checked: date, note: str | None, source_file: str) -> None:
    _console.print(f"Sources (compared with the figures on {checked}; table {_shown_path(source_file)}):",
                   markup=False)
    for source in sources:
        _console.print(f"  {_source_line(source)}", soft_wrap=True, markup=False)
    if note:
        _console.print(f"Price note: {note}", soft_wrap=True, markup=False)


def _source_line(source: Source) -> str:
    title = f"{source.title}: " if source.title else ""
    seen = f" (copy of {source.seen})" if source.seen else ""
    return f"{title}{source.url}{seen}"


def render_break_even(entry: PricedModel, work: Workload, as_of: date, result: BreakEven,
                      mix_lines: tuple[str, str] | None = None) -> None:
    period = find_period(entry.model, as_of)
    _console.print(f"[bold]{escape(entry.model.name)}[/] ({escape(entry.model.id)}) on {entry.platform} · "
                   "prices in force from "
                   f"{dated(period.effective, period.effective_approximate)} (as of {as_of})")
    _console.print(f"Cache of {work.all_context_tokens:,} tokens, {work.all_prompt_tokens:,} fresh prompt tokens "
                   f"per query, lifetime {format_duration(work.ttl_seconds)}")
    if mix_lines is not None:
        _console.print(f"Modalities: {mix_lines[0]}; {mix_lines[1]}", markup=False, soft_wrap=True)
    _print_break_even(result)
    _print_source(period.source_records(), period.checked, period.note, entry.source_file)


def model_rows(tables: PriceTables, as_of: date, only: str | None = None) -> list[dict[str, Any]]:
    """One row per model that has a price on `as_of` (models that did not exist yet are left out)."""
    rows = []
    for platform in [only] if only else tables.platforms():
        for entry in tables.models(platform):
            try:
                period = find_period(entry.model, as_of)
            except CostcalcError:
                continue
            minimum = min_cache_tokens(entry.model, as_of)
            rows.append({
                "platform": platform, "model": entry.model.id, "name": entry.model.name,
                "effective": period.effective, "effective_approximate": period.effective_approximate,
                "confidence": period.confidence, "unit": period.unit, "input_mtok": period.input_mtok,
                "output_mtok": period.output_mtok, "cached_mtok": period.cached_mtok,
                "storage_mtok_hour": period.storage_mtok_hour, "caching": entry.model.caching,
                "long_context_threshold": entry.model.long_context_threshold,
                "min_cache_tokens": minimum.tokens if minimum else None, "checked": period.checked,
                "shutdown": entry.model.shutdown, "shutdown_approximate": entry.model.shutdown_approximate,
                "source_file": entry.source_file,
            })
    return rows


def _shown_path(path: str) -> str:
    """A table path as the user would type it: relative when it lies below the current folder."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return one_line(path)
    return one_line(path if relative.startswith("..") else relative)


def render_models(rows: list[dict[str, Any]], as_of: date) -> None:
    if not rows:
        _console.print(f"No model had a price on {as_of}; try a later --as-of.", markup=False)
        return
    table = Table(title=f"Prices in force on {as_of} (USD per 1M tokens, or per 1M characters where marked; "
                  "lower / upper tier; ~ before a date: approximate)", show_edge=False)
    for name in ("Platform", "Model", "Since", "Input", "Output", "Cached", "Storage/h", "Tier above", "Min cache",
                 "Checked"):
        table.add_column(name, justify="left" if name in ("Platform", "Model") else "right", no_wrap=True)
    for row in rows:
        gone = (f" (shut down {_short_date(row['shutdown'], row['shutdown_approximate'])})"
                if row["shutdown"] and row["shutdown"] <= as_of else "")
        threshold = row["long_context_threshold"]
        chars = " /1M chars" if row["unit"] == "character" else ""
        table.add_row(
            row["platform"], escape(f"{row['model']}{gone}"),
            _short_date(row["effective"], row["effective_approximate"]),
            _price(row["input_mtok"]) + chars,
            _price(row["output_mtok"]),
            _price(row["cached_mtok"]), _price(row["storage_mtok_hour"]),
            f"{threshold:,}" if threshold else _DASH,
            f"{row['min_cache_tokens']:,}" if row["min_cache_tokens"] else _DASH, str(row["checked"]),
        )
    _console.print(table)


def _short_date(day: date, approximate: bool) -> str:
    """`~2024-10-01` for an estimated date, where a table column has no room for "about"."""
    return f"~{day}" if approximate else str(day)


def _modalities(period: PricePeriod) -> str:
    """The period's per-modality prices, one per line (`audio input $1.00`), then its per-image prices; a dash when
    it has none (every modality is then billed as docs/billing-rules.md, "Modalities", says: audio not at all)."""
    from costcalc.prices.confidence import short_name
    from costcalc.prices.schema import MODALITY_PRICE_FIELDS

    shown = [f"{short_name(name)} {_price(getattr(period, name))}" for name in MODALITY_PRICE_FIELDS
             if getattr(period, name) is not None]
    shown += [f"{size.size} image {size.tokens:,} tok = ${size.usd_per_image}" for size in period.image_output_sizes]
    return "\n".join(shown) or _DASH


def render_prices(entry: PricedModel, periods: list[PricePeriod], replaced: str | None = None) -> None:
    model = entry.model
    threshold = (f"; long-context tier above {model.long_context_threshold:,} tokens"
                 if model.long_context_threshold else "")
    _console.print(f"[bold]{escape(model.name)}[/] ({escape(model.id)}) on {entry.platform}: every price below "
                   f"comes from {escape(_shown_path(entry.source_file))}")
    if replaced:
        _console.print(f"(this definition overrides the one in {_shown_path(replaced)})", markup=False)
    aliases = escape(", ".join(model.aliases)) or _DASH
    window = f"{model.context_window_tokens:,} tokens" if model.context_window_tokens else "not published"
    _console.print(f"Aliases: {aliases} · context window {window}{threshold} · caching: {model.caching}")
    if model.shutdown:
        _console.print(f"Retired or delisted: {dated(model.shutdown, model.shutdown_approximate)}", markup=False)
    for minimum in model.min_cache_tokens:
        _console.print(f"Minimum cacheable: {minimum.tokens:,} tokens per docs of "
                       f"{dated(minimum.doc_date, minimum.doc_date_approximate)} ({minimum.source})",
                       soft_wrap=True, markup=False)
    table = Table(show_edge=False, show_lines=True)
    for name in ("From", "Input", "Output", "Cached", "Storage/h", "Batch", "Modalities", "Confidence",
                 "Checked"):
        table.add_column(name, justify="right")
    for period in periods:
        batch = (f"in {_price(period.batch_input_mtok)} · out {_price(period.batch_output_mtok)} · "
                 f"cached {_price(period.batch_cached_mtok)}" if period.batch_input_mtok is not None else _DASH)
        unit = " per 1M chars" if period.unit == "character" else ""
        table.add_row(escape(dated(period.effective, period.effective_approximate)),
                      escape(_price(period.input_mtok) + unit), escape(_price(period.output_mtok)),
                      escape(_price(period.cached_mtok)), escape(_price(period.storage_mtok_hour)), escape(batch),
                      escape(_modalities(period)), escape(period.confidence or "not stated"), str(period.checked))
    _console.print(table)
    for period in periods:
        _console.print(f"{dated(period.effective, period.effective_approximate)} sources:", markup=False)
        for source in period.source_records():
            _console.print(f"  {_source_line(source)}", soft_wrap=True, markup=False)
        differ = figures_that_differ(period)
        if differ:
            _console.print(f"  figures that differ: {'; '.join(differ)}", soft_wrap=True, markup=False)
        if period.note:
            _console.print(f"  note: {period.note}", soft_wrap=True, markup=False)
    if model.note:
        _console.print(f"Model note: {model.note}", soft_wrap=True, markup=False)
