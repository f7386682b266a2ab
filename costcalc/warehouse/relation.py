"""The price tables as two flat relations a warehouse can join: price periods and model names.

One price row per (platform, model, period, tier, batch flag). The rules are the ones of
`costcalc.cost.request`: a period runs from its `effective` day to the day before the next period's
(`find_period`), the tier is decided by the prompt size with the threshold itself in the lower tier
(`tier_for`), and the batch row carries the batch prices (`rates_for`). A price the tables do not give
stays None (SQL NULL), never 0. The modality columns carry the price a token of that modality pays on the
row under the one modality rule (`costcalc.prices.modality.modality_price`), so SQL never re-implements it.
See docs/warehouse.md.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from costcalc.prices.modality import Modality, Use, modality_price
from costcalc.prices.model import PricedModel, Tier, pick
from costcalc.prices.schema import ModelPrices, PricePeriod
from costcalc.prices.tables import PriceTables

PRICE_PRECISION = 19
PRICE_SCALE = 12
"""Prices are DECIMAL(19, 12): the tables allow at most 12 decimal places and at most 1,000,000 USD per 1M."""


@dataclass(frozen=True)
class PriceRow:
    """The prices one (platform, model, period, tier, batch) pays, USD per 1M units (storage: per hour)."""

    platform: str
    """`gemini-api` or `vertex-ai`."""
    model: str
    """Canonical model id."""
    effective_from: date
    """First UTC day of the period (inclusive)."""
    effective_to: date | None
    """First UTC day of the next period (exclusive); None while the period is in force."""
    tier: Tier
    """`flat` (no threshold), `lower` (prompt at or below the threshold) or `upper` (above it)."""
    batch: bool
    """True: Batch-mode prices; False: standard (interactive) prices."""
    prompt_tokens_min: int
    """Smallest prompt (prompt + tool-use tokens) of this tier, inclusive."""
    prompt_tokens_max: int | None
    """Largest prompt of this tier, inclusive; None: no upper bound."""
    long_context_threshold: int | None
    """The model's threshold; None: one tier."""
    input_mtok: Decimal | None
    """Input price; None when the tables give none (a batch row before batch mode existed)."""
    cached_mtok: Decimal | None
    """Cached-token read price; None: no caching in this period."""
    output_mtok: Decimal | None
    """Output price, thinking included."""
    storage_mtok_hour: Decimal | None
    """Explicit-cache storage per 1M units per hour; None: not priced."""
    per_character: bool
    """True when the period bills characters, not tokens (Vertex AI's Gemini 1.0/1.5)."""
    caching: str
    """The model's context caching: `explicit` (caches with storage), `implicit` or `none`."""
    min_cache_seconds: int
    """Shortest cache lifetime the platform bills (Vertex AI: 60 s)."""
    audio_input_mtok: Decimal | None
    """AUDIO input (fresh prompt) price; None: audio cannot be billed on this row (never the text price)."""
    audio_cached_mtok: Decimal | None
    """AUDIO cached-token price; None: not priced."""
    image_input_mtok: Decimal | None
    """IMAGE input price: the period's own, else the text input price; None: not priced."""
    image_cached_mtok: Decimal | None
    """IMAGE cached-token price: the text cached price; None when image input is priced apart or no caching."""
    video_input_mtok: Decimal | None
    """VIDEO input price: the period's own, else the text input price; None: not priced."""
    video_cached_mtok: Decimal | None
    """VIDEO cached-token price, as for IMAGE."""
    audio_output_mtok: Decimal | None
    """AUDIO output price; None: not priced."""
    image_output_mtok: Decimal | None
    """IMAGE output price per 1M tokens; None: not priced."""


@dataclass(frozen=True)
class NameRow:
    """A name a log may use for a model (lower case, without `models/`), and the model it means."""

    platform: str
    name: str
    model: str


PRICE_COLUMNS = tuple(PriceRow.__dataclass_fields__)
MODALITY_PRICES: tuple[tuple[str, Use, Modality], ...] = (
    ("audio_input_mtok", "input", "AUDIO"), ("audio_cached_mtok", "cached", "AUDIO"),
    ("image_input_mtok", "input", "IMAGE"), ("image_cached_mtok", "cached", "IMAGE"),
    ("video_input_mtok", "input", "VIDEO"), ("video_cached_mtok", "cached", "VIDEO"),
    ("audio_output_mtok", "output", "AUDIO"), ("image_output_mtok", "output", "IMAGE"))
"""The modality price columns of a row, and the (use, modality) each one prices."""
NAME_COLUMNS = tuple(NameRow.__dataclass_fields__)


def _tiers(model: ModelPrices) -> list[tuple[Tier, int, int | None]]:
    threshold = model.long_context_threshold
    if threshold is None:
        return [("flat", 0, None)]
    return [("lower", 0, threshold), ("upper", threshold + 1, None)]


def _row(entry: PricedModel, period: PricePeriod, until: date | None, tier: Tier, low: int, high: int | None,
         batch: bool) -> PriceRow:
    model = entry.model
    if batch:
        prices = (period.batch_input_mtok, period.batch_cached_mtok, period.batch_output_mtok)
        storage = period.batch_storage_mtok_hour
    else:
        prices = (period.input_mtok, period.cached_mtok, period.output_mtok)
        storage = period.storage_mtok_hour
    input_mtok, cached_mtok, output_mtok = (pick(price, tier) for price in prices)
    modalities = (modality_price(period, use, modality, tier, batch) for _, use, modality in MODALITY_PRICES)
    return PriceRow(entry.platform, model.id, period.effective, until, tier, batch, low, high,
                    model.long_context_threshold, input_mtok, cached_mtok, output_mtok, storage,
                    period.unit == "character", model.caching, entry.min_ttl_seconds, *modalities)


def price_rows(tables: PriceTables) -> list[PriceRow]:
    """Every (platform, model, period, tier, batch) of the loaded tables, in table order."""
    rows: list[PriceRow] = []
    for platform in tables.platforms():
        for entry in tables.models(platform):
            model = entry.model
            periods = model.periods
            for index, period in enumerate(periods):
                until = periods[index + 1].effective if index + 1 < len(periods) else None
                for batch in (False, True):
                    for tier, low, high in _tiers(model):
                        rows.append(_row(entry, period, until, tier, low, high, batch))
    return rows


def name_rows(tables: PriceTables) -> list[NameRow]:
    """Ids and aliases, lower case, as `PriceTables.find_model` resolves them (a later file's name wins)."""
    rows: list[NameRow] = []
    for platform in tables.platforms():
        names: dict[str, str] = {}
        for entry in reversed(tables.models(platform)):
            for known in (entry.model.id, *entry.model.aliases):
                names.setdefault(known.lower(), entry.model.id)
        rows.extend(NameRow(platform, name, model) for name, model in sorted(names.items()))
    return rows
