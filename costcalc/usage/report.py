"""The typed result of billing a log, and its views: by bucket, by model, by UTC day, by price.

Every view is a sum of the per-key amounts of `pricing`, so each adds up to `total` exactly.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import astuple, dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from costcalc.cost.money import exact
from costcalc.jsonable import to_jsonable
from costcalc.prices.model import Tier
from costcalc.prices.tables import PriceTables
from costcalc.usage.counts import FIELDS, Aggregates, Counts
from costcalc.usage.pricing import (
    MODALITY_ROWS,
    AggregateRates,
    Buckets,
    ModalityTokens,
    PricedAggregate,
    modality_tokens,
    price_aggregates,
    storage_token_hours,
)

_Sums = tuple[Buckets, Decimal, Counts]
"""Money, without-caching money and counts of a group of keys."""
BUCKETS = ("fresh_input", "cached_input", "output", "creation", "storage")
CSV_MODALITIES = ("audio", "image", "video")
_PARTS = tuple(name for name in FIELDS if name.endswith(("_audio_tokens", "_image_tokens", "_video_tokens")))
"""The modality parts of Counts, as by_price keys."""


@dataclass(frozen=True)
class BadRecord:
    """A record that was not billed, and why (docs/usage-billing.md, Bad records)."""

    file: str
    line: int
    code: str
    """Stable identifier, e.g. `unknown_model`."""
    reason: str


@dataclass(frozen=True)
class RecordCounts:
    """What was read."""

    lines: int
    """Non-empty lines (or records added) read."""
    responses: int
    """Responses billed."""
    cache_records: int
    """Well-formed cache records read (every version)."""
    caches: int
    """Distinct caches billed."""
    superseded: int
    """Cache records replaced by a later version of the same cache."""
    bad: int
    """Records not billed (see `bad_records`)."""


@dataclass(frozen=True)
class TokenTotals:
    """Token sums behind the money."""

    fresh_input: int
    cached_input: int
    output: int
    creation: int
    storage_token_hours: Decimal


@dataclass(frozen=True)
class ViewRow:
    """One line of `by_model` or `by_day`."""

    key: str
    """Model id, or UTC day (YYYY-MM-DD)."""
    buckets: Buckets
    without_caching: Decimal
    by_modality: dict[str, Decimal] = field(default_factory=dict)
    """Money per MODALITY_ROWS row (the CSV's audio, image and video columns)."""

    @property
    def total(self) -> Decimal:
        return self.buckets.total


@dataclass(frozen=True)
class ModalityRow:
    """One line of `by_modality`: the money and tokens of one modality in every bucket."""

    modality: str
    """TEXT (with DOCUMENT, billed at the text price), AUDIO, IMAGE, VIDEO, or ALL (storage: one price for every
    modality)."""
    buckets: Buckets
    without_caching: Decimal
    tokens: ModalityTokens


@dataclass(frozen=True)
class PriceRow:
    """One (model, price period, tier, batch): the working a reader can check by hand."""

    model: str
    period: date
    tier: Tier
    batch: bool
    counts: Counts
    rates: AggregateRates
    buckets: Buckets
    without_caching: Decimal


@dataclass(frozen=True)
class UsageBill:
    """What a usage log cost, with and without caching, and its views."""

    platform: str
    records: RecordCounts
    bad_records: tuple[BadRecord, ...]
    buckets: Buckets
    without_caching: Decimal
    tokens: TokenTotals
    by_model: tuple[ViewRow, ...]
    by_day: tuple[ViewRow, ...]
    by_price: tuple[PriceRow, ...]
    notes: tuple[str, ...] = ()
    """Billed but worth a look: responses dated after their model's shutdown (billed at its last prices), prompts
    above the context window, caches with conflicting records; then how many bad records were not listed."""
    by_modality: tuple[ModalityRow, ...] = ()
    """Rows in MODALITY_ROWS order, those with tokens or money only; they add up to every bucket."""

    @property
    def multimodal(self) -> bool:
        """Some tokens are not TEXT/DOCUMENT (the table then shows the modality lines)."""
        return any(row.modality not in ("TEXT", "ALL") for row in self.by_modality)

    @property
    def total(self) -> Decimal:
        return self.buckets.total

    @property
    def savings(self) -> Decimal:
        """Without caching minus total (negative when the caches cost more than they saved)."""
        with_exact: Decimal = exact(lambda: self.without_caching - self.total)()
        return with_exact

    def to_json(self) -> dict[str, Any]:
        """The documented JSON (docs/usage-billing.md, Output), money as exact decimal strings."""
        def row(name: str, view: ViewRow) -> dict[str, Any]:
            return {name: view.key, **_money(view.buckets), "total": view.buckets.total,
                    "without_caching": view.without_caching}

        data: dict[str, Any] = to_jsonable({
            "platform": self.platform,
            "records": self.records,
            "bad_records": list(self.bad_records),
            "total": self.total,
            "without_caching": self.without_caching,
            "savings": self.savings,
            "buckets": _money(self.buckets),
            "tokens": self.tokens,
            "by_model": [row("model", view) for view in self.by_model],
            "by_day": [row("day", view) for view in self.by_day],
            "by_price": [_price_row(p) for p in self.by_price],
            "notes": list(self.notes),
            "by_modality": [{"modality": m.modality, **_money(m.buckets), "total": m.buckets.total,
                             "without_caching": m.without_caching, "tokens": m.tokens} for m in self.by_modality],
        })
        return data

    def to_csv(self) -> str:
        """`view,key,<buckets>,total,without_caching,records,bad_records,audio,image,video`: the by-model and
        by-day rows, then the total, the only row with `records` (lines read) and `bad_records` (not billed, not in
        any amount). `audio`, `image`, `video`: the part of `total` billed for tokens of that modality."""
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["view", "key", *BUCKETS, "total", "without_caching", "records", "bad_records",
                         *CSV_MODALITIES])
        everything = ViewRow("", self.buckets, self.without_caching,
                             {row.modality: row.buckets.total for row in self.by_modality})
        for view, rows in (("model", self.by_model), ("day", self.by_day), ("total", (everything,))):
            for item in rows:
                read = [self.records.lines, self.records.bad] if view == "total" else ["", ""]
                modalities = [item.by_modality.get(name.upper(), Decimal(0)) for name in CSV_MODALITIES]
                writer.writerow([view, item.key, *to_jsonable([getattr(item.buckets, b) for b in BUCKETS]),
                                 to_jsonable(item.total), to_jsonable(item.without_caching), *read,
                                 *to_jsonable(modalities)])
        return out.getvalue()


def _money(buckets: Buckets) -> dict[str, Decimal]:
    return {name: getattr(buckets, name) for name in BUCKETS}


def _price_row(row: PriceRow) -> dict[str, Any]:
    counts = row.counts
    return {"model": row.model, "period": row.period, "tier": row.tier, "batch": row.batch,
            "responses": counts.responses, "caches": counts.caches,
            "fresh_input_tokens": counts.fresh_input_tokens, "cached_input_tokens": counts.cached_input_tokens,
            "output_tokens": counts.output_tokens, "creation_tokens": counts.creation_tokens,
            "storage_token_hours": storage_token_hours(counts.storage_token_ns),
            **{name: getattr(counts, name) for name in _PARTS},
            **to_jsonable(row.rates), **_money(row.buckets), "total": row.buckets.total,
            "without_caching": row.without_caching}


@exact
def _group(priced: Iterable[PricedAggregate], key: Callable[[PricedAggregate], Any]) -> dict[Any, _Sums]:
    groups: dict[Any, _Sums] = {}
    for item in priced:
        money, without, counts = groups.get(key(item), (Buckets(), Decimal(0), Counts()))
        groups[key(item)] = (money + item.money, without + item.without_caching, counts + item.counts)
    return dict(sorted(groups.items()))


def build_report(platform: str, aggregates: Aggregates, tables: PriceTables, bad_records: Sequence[BadRecord],
                 records: RecordCounts, *, unlisted_bad: Mapping[str, int] | None = None,
                 notes: Sequence[str] = ()) -> UsageBill:
    """Price the aggregates once each and assemble every view from the priced keys. `unlisted_bad`: bad records
    counted (in `records.bad`) but not listed, per code; the notes say how many. `notes`: the engine's notes on
    billed records (`costcalc.usage.notes`), after the shutdown notes."""
    priced = price_aggregates(aggregates, tables, platform)
    everything = _group(priced, lambda item: None).get(None, (Buckets(), Decimal(0), Counts()))
    counts = everything[2]
    per_model = _modality_money(priced, lambda item: item.key.model)
    by_model = tuple(ViewRow(model, money, without, per_model[model]) for model, (money, without, _) in
                     _group(priced, lambda item: item.key.model).items())
    per_day = _modality_money(priced, lambda item: item.key.day)
    by_day = tuple(ViewRow(day.isoformat(), money, without, per_day[day]) for day, (money, without, _) in
                   _group(priced, lambda item: item.key.day).items())
    rates: dict[tuple[str, date, str, bool], AggregateRates] = {}
    for item in priced:  # per-day keys of one price share its prices; keep the first that names each
        known = rates.get(item.key[:4])
        rates[item.key[:4]] = item.rates if known is None else AggregateRates(
            *(a if a is not None else b for a, b in zip(to_tuple(known), to_tuple(item.rates), strict=True)))
    by_price = tuple(PriceRow(model, period, tier, batch, group_counts, rates[model, period, tier, batch], money,
                              without)
                     for (model, period, tier, batch), (money, without, group_counts) in
                     _group(priced, lambda item: item.key[:4]).items())
    tokens = TokenTotals(counts.fresh_input_tokens, counts.cached_input_tokens, counts.output_tokens,
                         counts.creation_tokens, storage_token_hours(counts.storage_token_ns))
    return UsageBill(platform, records, tuple(bad_records), everything[0], everything[1], tokens, by_model, by_day,
                     by_price, (*shutdown_notes(aggregates, tables, platform), *notes,
                                *unlisted_note(len(bad_records), unlisted_bad or {})),
                     modality_rows(priced))


@exact
def _modality_money(priced: Iterable[PricedAggregate], key: Callable[[PricedAggregate], Any]
                    ) -> dict[Any, dict[str, Decimal]]:
    """Total money per modality row of each group."""
    groups: dict[Any, dict[str, Decimal]] = {}
    for item in priced:
        sums = groups.setdefault(key(item), {})
        for row, (money, _) in item.by_modality.items():
            sums[row] = sums.get(row, Decimal(0)) + money.total
    return groups


@exact
def modality_rows(priced: Iterable[PricedAggregate]) -> tuple[ModalityRow, ...]:
    """`by_modality`: every key's money and tokens per modality, summed."""
    sums: dict[str, tuple[Buckets, Decimal, ModalityTokens]] = {}
    for item in priced:
        tokens = modality_tokens(item.counts)
        for row, (money, without) in item.by_modality.items():
            known = sums.get(row, (Buckets(), Decimal(0), ModalityTokens()))
            sums[row] = (known[0] + money, known[1] + without, known[2] + tokens[row])
    return tuple(ModalityRow(row, *sums[row]) for row in MODALITY_ROWS if row in sums)


def shutdown_notes(aggregates: Aggregates, tables: PriceTables, platform: str) -> tuple[str, ...]:
    """One note per model with responses dated after its shutdown day: not refused (a log is what was billed,
    and the tables may date a shutdown only roughly), but a date or model name worth checking."""
    late: dict[str, tuple[int, date, date]] = {}
    for key, counts in aggregates.items():
        shutdown = tables.find_model(key.model, platform).model.shutdown
        if counts.responses and shutdown is not None and key.day > shutdown:
            number, first, last = late.get(key.model, (0, key.day, key.day))
            late[key.model] = (number + counts.responses, min(first, key.day), max(last, key.day))
    notes = []
    for model, (number, first, last) in sorted(late.items()):
        found = tables.find_model(model, platform).model
        when = f"{'about ' if found.shutdown_approximate else ''}{found.shutdown}"
        days = str(first) if first == last else f"{first} to {last}"
        notes.append(f"{model}: {number:,} response{'' if number == 1 else 's'} dated after its shutdown ({when}), "
                     f"on {days}; billed at its last prices: check the log's times and model names")
    return tuple(notes)


LISTED_BAD_RECORDS = 1_000
"""Bad records kept in full; past them, only a count per code (COSTCALC_LISTED_BAD_RECORDS changes it)."""


def listed_bad_limit() -> int:
    """How many bad records a bill lists in full: 5.6 million `{}` lines once took GBs of memory as records."""
    text = os.environ.get("COSTCALC_LISTED_BAD_RECORDS", "").strip()
    return int(text) if text.isdigit() else LISTED_BAD_RECORDS


def unlisted_note(listed: int, unlisted: Mapping[str, int]) -> tuple[str, ...]:
    """One note when bad records were counted but not listed: how many, per code."""
    if not unlisted:
        return ()
    total = sum(unlisted.values())
    codes = ", ".join(f"{code} {number:,}" for code, number in sorted(unlisted.items()))
    return (f"{total:,} more bad record{'' if total == 1 else 's'} not listed (only the first {listed:,} are; "
            f"COSTCALC_LISTED_BAD_RECORDS sets how many): {codes}",)


def to_tuple(rates: AggregateRates) -> tuple[Decimal | None, ...]:
    values: tuple[Decimal | None, ...] = astuple(rates)
    return values
