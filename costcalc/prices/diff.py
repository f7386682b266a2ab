"""What changed between two versions of the price tables: models, periods, prices (old -> new, percent).

Maintainers read this in review when a table changes, so every difference is listed in a fixed order (platform,
model id, effective date, schema field order) and prices are compared tier by tier, never as whole objects.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from typing import Any

from costcalc.prices.model import PricedModel, Tier
from costcalc.prices.schema import MODALITY_PRICE_FIELDS, ModelPrices, Price, PricePeriod, TieredPrice
from costcalc.prices.tables import PriceTables

PRICE_FIELDS = ("input_mtok", "output_mtok", "cached_mtok", "storage_mtok_hour", "batch_input_mtok",
                "batch_output_mtok", "batch_cached_mtok", "batch_storage_mtok_hour", *MODALITY_PRICE_FIELDS)
"""The money fields of a PricePeriod, in schema order (the per-modality prices after the text ones)."""
PERIOD_FIELDS = ("image_output_sizes", "unit")
"""Period fields besides the prices that change an amount: the per-image prices, and what the prices count."""
MODEL_FIELDS = ("name", "aliases", "context_window_tokens", "long_context_threshold", "caching",
                "implicit_caching_since", "min_cache_tokens", "shutdown")
"""Model fields that change what a calculation returns or which model a name finds, in schema order."""
_TIERS: tuple[Tier, ...] = ("flat", "lower", "upper")
_DASH = "—"


@dataclass(frozen=True)
class PriceChange:
    """One figure of one price field that differs; None on a side where that figure does not exist."""

    field: str
    """A PricePeriod price field, e.g. `cached_mtok`."""
    tier: Tier
    """`flat` for an untiered price, else `lower`/`upper`; a flat price becoming tiered changes all three."""
    old: Decimal | None
    new: Decimal | None
    percent: Decimal | None
    """(new - old) / old × 100 rounded half-even to 0.01; None when old or new is missing or old is 0."""


@dataclass(frozen=True)
class FieldChange:
    """A non-price field that differs: a model property, a period's unit, or metadata (sources, checked, note)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class PeriodDiff:
    """A period present in both tables (same `effective` date) whose contents differ."""

    effective: date
    prices: tuple[PriceChange, ...] = ()
    fields: tuple[FieldChange, ...] = ()
    """Billing-relevant non-price fields: `image_output_sizes`, `unit`."""
    metadata: tuple[FieldChange, ...] = ()
    """`sources`, `checked`, `note`: provenance only, no effect on any amount."""


@dataclass(frozen=True)
class ModelDiff:
    """A model present in both tables that differs."""

    id: str
    fields: tuple[FieldChange, ...] = ()
    metadata: tuple[FieldChange, ...] = ()
    """The model's `note`."""
    periods_added: tuple[date, ...] = ()
    periods_removed: tuple[date, ...] = ()
    periods: tuple[PeriodDiff, ...] = ()


@dataclass(frozen=True)
class PlatformDiff:
    """The differences on one platform; a platform only one side has shows all its models added or removed."""

    platform: str
    models_added: tuple[str, ...] = ()
    models_removed: tuple[str, ...] = ()
    models: tuple[ModelDiff, ...] = ()


@dataclass(frozen=True)
class TableDiff:
    """Every difference between two loaded sets of tables; platforms without differences are left out."""

    platforms: tuple[PlatformDiff, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not self.platforms


def _figures(price: Price | None) -> dict[Tier, Decimal]:
    if price is None:
        return {}
    if isinstance(price, TieredPrice):
        return {"lower": price.lower, "upper": price.upper}
    return {"flat": price}


def percent_change(old: Decimal | None, new: Decimal | None) -> Decimal | None:
    """(new - old) / old × 100 to 0.01, rounded half-even from the exact fraction (never a float)."""
    if old is None or new is None or old == 0:
        return None
    return Decimal(round(Fraction(new - old) * 10_000 / Fraction(old))).scaleb(-2)


def _price_changes(old: PricePeriod, new: PricePeriod) -> list[PriceChange]:
    changes = []
    for name in PRICE_FIELDS:
        before, after = _figures(getattr(old, name)), _figures(getattr(new, name))
        for tier in _TIERS:
            a, b = before.get(tier), after.get(tier)
            if a != b:  # Decimal equality is numeric: "0.50" and "0.5" are the same price
                changes.append(PriceChange(name, tier, a, b, percent_change(a, b)))
    return changes


def _field_changes(old: object, new: object, names: tuple[str, ...]) -> tuple[FieldChange, ...]:
    return tuple(FieldChange(name, getattr(old, name), getattr(new, name)) for name in names
                 if getattr(old, name) != getattr(new, name))


def _model_diff(old: ModelPrices, new: ModelPrices) -> ModelDiff:
    before = {period.effective: period for period in old.periods}
    after = {period.effective: period for period in new.periods}
    periods = []
    for effective in sorted(before.keys() & after.keys()):
        a, b = before[effective], after[effective]
        period = PeriodDiff(effective, tuple(_price_changes(a, b)), _field_changes(a, b, PERIOD_FIELDS),
                            _field_changes(a, b, ("sources", "checked", "note")))
        if period.prices or period.fields or period.metadata:
            periods.append(period)
    return ModelDiff(old.id, _field_changes(old, new, MODEL_FIELDS), _field_changes(old, new, ("note",)),
                     tuple(sorted(after.keys() - before.keys())), tuple(sorted(before.keys() - after.keys())),
                     tuple(periods))


def _models(tables: PriceTables, platform: str) -> dict[str, PricedModel]:
    if platform not in tables.platforms():
        return {}
    return {entry.model.id: entry for entry in tables.models(platform)}


def diff_tables(old: PriceTables, new: PriceTables) -> TableDiff:
    """Every difference from `old` to `new`, ordered by platform, model id, effective date and schema field."""
    platforms = []
    for platform in sorted({*old.platforms(), *new.platforms()}):
        before, after = _models(old, platform), _models(new, platform)
        changed = [_model_diff(before[key].model, after[key].model) for key in sorted(before.keys() & after.keys())]
        result = PlatformDiff(platform, tuple(sorted(after.keys() - before.keys())),
                              tuple(sorted(before.keys() - after.keys())),
                              tuple(m for m in changed if m != ModelDiff(m.id)))
        if result != PlatformDiff(platform):
            platforms.append(result)
    return TableDiff(tuple(platforms))
