"""The table view of a usage bill: totals, by model, by UTC day, the working per price, and bad records."""

from __future__ import annotations

import sys
from decimal import Decimal

from costcalc.cli.safe_rich import Console, Table
from costcalc.cost.money import MILLION, exact
from costcalc.text import one_line
from costcalc.units import format_price, format_usd
from costcalc.usage.pricing import Buckets, ModalityTokens, modality_tokens, storage_token_hours
from costcalc.usage.report import PriceRow, UsageBill, ViewRow

SHOWN_BAD_RECORDS = 20
_console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
_HEADERS = ("Fresh input", "Cached input", "Output", "Creation", "Storage", "Total", "Without caching")
_TIER = {"flat": "single tier", "lower": "lower tier", "upper": "long-context tier"}


def _amounts(buckets: Buckets, without: Decimal) -> list[str]:
    values = (buckets.fresh_input, buckets.cached_input, buckets.output, buckets.creation, buckets.storage,
              buckets.total, without)
    return [format_usd(value) for value in values]


def _view(title: str, label: str, rows: tuple[ViewRow, ...], result: UsageBill) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False)
    table.add_column(label)
    for header in _HEADERS:
        table.add_column(header, justify="right")
    for row in rows:
        table.add_row(row.key, *_amounts(row.buckets, row.without_caching))
    table.add_row("Total", *_amounts(result.buckets, result.without_caching), style="bold")
    return table


_MODALITY_LABEL = {"TEXT": "Text and documents", "AUDIO": "Audio", "IMAGE": "Image", "VIDEO": "Video",
                   "ALL": "Storage (all modalities)"}


def _modalities(result: UsageBill) -> Table:
    table = Table(title="By modality", title_justify="left", show_edge=False, pad_edge=False)
    table.add_column("Modality")
    for header in ("Tokens", *_HEADERS):
        table.add_column(header, justify="right")
    for row in result.by_modality:
        tokens = row.tokens
        count = tokens.fresh_input + tokens.cached_input + tokens.output + tokens.creation
        table.add_row(_MODALITY_LABEL[row.modality], f"{count:,}" if row.modality != "ALL" else "",
                      *_amounts(row.buckets, row.without_caching))
    table.add_row("Total", "", *_amounts(result.buckets, result.without_caching), style="bold")
    return table


def _hours(hours: Decimal) -> str:
    """Exact when it has at most 6 decimals, else rounded with `≈` (JSON has 20 places)."""
    shown = hours.quantize(Decimal("0.000001"))
    text = f"{shown.normalize():,f}" if shown == hours else f"≈{shown:,f}"
    return text


@exact
def _working(row: PriceRow) -> str:
    counts, rates = row.counts, row.rates
    parts = []
    tokens_by = modality_tokens(counts)
    text = tokens_by["TEXT"]
    if any(tokens_by[name] != ModalityTokens() for name in ("AUDIO", "IMAGE", "VIDEO")):
        audio, image, video = tokens_by["AUDIO"], tokens_by["IMAGE"], tokens_by["VIDEO"]
        terms: tuple[tuple[str, int, Decimal | None], ...] = (
            ("fresh text", text.fresh_input, rates.input_mtok if text.fresh_input else None),
            ("fresh audio", audio.fresh_input, rates.audio_input_mtok if audio.fresh_input else None),
            ("fresh image", image.fresh_input, rates.image_input_mtok if image.fresh_input else None),
            ("fresh video", video.fresh_input, rates.video_input_mtok if video.fresh_input else None),
            ("cached text", text.cached_input, rates.cached_mtok),
            ("cached audio", audio.cached_input, rates.audio_cached_mtok),
            ("cached image", image.cached_input, rates.image_cached_mtok),
            ("cached video", video.cached_input, rates.video_cached_mtok),
            ("output text", text.output, rates.output_mtok if text.output else None),
            ("output audio", audio.output, rates.audio_output_mtok),
            ("output image", image.output, rates.image_output_mtok),
            ("creation text", text.creation, rates.creation_input_mtok),
            ("creation audio", audio.creation, rates.creation_audio_input_mtok))
    else:  # a text-only row reads as it always has
        terms = (("fresh", counts.fresh_input_tokens, rates.input_mtok),
                 ("cached", counts.cached_input_tokens, rates.cached_mtok),
                 ("output", counts.output_tokens, rates.output_mtok),
                 ("creation", counts.creation_tokens, rates.creation_input_mtok))
    for name, tokens, price in terms:
        if price is not None:
            parts.append(f"{name} {tokens:,} × {format_price(price)}")
    if rates.storage_mtok_hour is not None:
        parts.append(f"storage {_hours(storage_token_hours(counts.storage_token_ns))} token-hours × "
                     f"{format_price(rates.storage_mtok_hour)}")
    head = f"{row.model} from {row.period}, {_TIER[row.tier]}{', batch' if row.batch else ''}"
    return f"{head}: ({' + '.join(parts)}) / 1M = {format_usd(row.buckets.total)}"


def _count(number: int, noun: str, plural: str | None = None) -> str:
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"


def render_bill(result: UsageBill, files: list[str]) -> None:
    records = result.records
    shown = ", ".join("<stdin>" if name == "-" else one_line(name) for name in files)
    _console.print(f"Usage bill on {result.platform} from {shown}", markup=False)
    _console.print(f"{_count(records.lines, 'record')} read: {_count(records.responses, 'response')}, "
                   f"{_count(records.caches, 'cache')} ({_count(records.cache_records, 'cache record')}, "
                   f"{records.superseded:,} superseded), {records.bad:,} bad", markup=False)
    savings = result.savings
    word = "saved" if savings >= 0 else "extra cost of caching"
    _console.print(f"Total {format_usd(result.total)} · without caching {format_usd(result.without_caching)} · "
                   f"{word} {format_usd(abs(savings))}", markup=False)
    _console.print(_view("By model", "Model", result.by_model, result))
    _console.print(_view("By day (UTC)", "Day", result.by_day, result))
    if result.multimodal:  # a text-only log's table stays as it was
        _console.print(_modalities(result))
    if result.by_price:
        _console.print(f"Working (per model, price period and tier; USD per {MILLION:,} tokens, storage per "
                       "hour):", markup=False)
    for row in result.by_price:
        _console.print(f"  {_working(row)}", markup=False, soft_wrap=True)
    for note in result.notes:
        _console.print(f"Note: {one_line(note)}", markup=False, soft_wrap=True)
    if result.bad_records:
        listed = result.bad_records[:SHOWN_BAD_RECORDS]
        more = (f"; the first {SHOWN_BAD_RECORDS} shown, --format json lists all"
                if len(result.bad_records) > SHOWN_BAD_RECORDS else "")
        _console.print(f"Bad records, not billed ({len(result.bad_records):,}{more}):", markup=False)
        for bad in listed:
            # File names (a Parquet `file` column too) and reasons quote the input: one line each, escapes shown.
            _console.print(f"  {one_line(bad.file)}:{bad.line}: {one_line(bad.code)}: {one_line(bad.reason)}",
                           markup=False, soft_wrap=True)
