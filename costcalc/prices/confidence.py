"""How sure each figure is, in words: `confirmed`, `single-source`, `derived: 50% of input`, `peer-reported`.

The rules for choosing a level are in docs/billing-rules.md ("Confidence of a figure"). This module answers what a
period states for one figure, and checks that what a table states is complete (a derived figure names its rule).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Literal

from costcalc.prices.schema import PriceFile, PricePeriod, TieredPrice

DataPath = tuple[str | int, ...]


def figure_confidence(period: PricePeriod, figure: str, tier: Literal["flat", "lower", "upper"] = "flat") -> str | None:
    """What the period says about one figure at one tier, e.g. `derived: 50% of input`; None when nothing is stated."""
    for entry in period.figure_confidence:
        if entry.figure == figure and (entry.tier is None or entry.tier == tier):
            return f"{entry.confidence}: {entry.rule}" if entry.rule else entry.confidence
    return period.confidence


def tiered_confidence(period: PricePeriod, figure: str) -> str | None:
    """The confidence of a figure as shown next to `lower / upper`: one word when both tiers agree."""
    price = getattr(period, figure)
    if not isinstance(price, TieredPrice):
        return figure_confidence(period, figure)
    lower, upper = figure_confidence(period, figure, "lower"), figure_confidence(period, figure, "upper")
    return lower if lower == upper else f"{lower or 'not stated'} / {upper or 'not stated'}"


def dated(day: date, approximate: bool) -> str:
    """A date as a reader should take it: `about 2024-10-01` when it is an estimate."""
    return f"about {day}" if approximate else str(day)


def check_confidence(price_file: PriceFile) -> Iterator[tuple[DataPath, str]]:
    """Statements that cannot be shown as written: a derived figure without its rule, a figure that is not set."""
    for m_index, model in enumerate(price_file.models):
        for p_index, period in enumerate(model.periods):
            where: DataPath = ("models", m_index, "periods", p_index)
            if period.confidence == "derived":
                yield (*where, "confidence"), ("a whole period cannot be `derived`; list each derived figure under "
                                               "figure_confidence with its rule")
            for index, entry in enumerate(period.figure_confidence):
                place = (*where, "figure_confidence", index)
                price = getattr(period, entry.figure)
                if price is None:
                    yield (*place, "figure"), f"{entry.figure} is not set in this period; remove this entry"
                elif entry.tier is not None and not isinstance(price, TieredPrice):
                    yield (*place, "tier"), f"{entry.figure} is a flat price; remove `tier`"
                if entry.confidence == "derived" and not (entry.rule or "").strip():
                    yield (*place, "rule"), "a derived figure needs its rule, e.g. `rule: 50% of input`"
                if entry.confidence != "derived" and entry.rule:
                    yield (*place, "rule"), "only a derived figure has a rule; remove it or set confidence: derived"


_SHORT = {"input_mtok": "input", "output_mtok": "output", "cached_mtok": "cached", "storage_mtok_hour": "storage",
          "batch_input_mtok": "batch input", "batch_output_mtok": "batch output",
          "batch_cached_mtok": "batch cached", "batch_storage_mtok_hour": "batch storage",
          "audio_input_mtok": "audio input", "audio_cached_mtok": "audio cached",
          "batch_audio_input_mtok": "batch audio input", "batch_audio_cached_mtok": "batch audio cached",
          "image_input_mtok": "image input", "video_input_mtok": "video input", "audio_output_mtok": "audio output",
          "image_output_mtok": "image output", "batch_audio_output_mtok": "batch audio output",
          "batch_image_output_mtok": "batch image output"}
"""Short names of the price fields, in schema order (the modality fields after the text ones)."""


def short_name(field: str) -> str:
    """A price field as a table shows it, e.g. `batch audio input` for `batch_audio_input_mtok`."""
    return _SHORT[field]


def figures_that_differ(period: PricePeriod) -> list[str]:
    """`cached (lower tier) derived: 50% of input`, one per figure_confidence entry, in the table's order."""
    return [f"{_SHORT[entry.figure]}{f' ({entry.tier} tier)' if entry.tier else ''} "
            f"{entry.confidence}{f': {entry.rule}' if entry.rule else ''}" for entry in period.figure_confidence]


def confidence_by_figure(period: PricePeriod) -> dict[str, str]:
    """Every figure the period sets, with how sure it is (`lower / upper` where the tiers differ)."""
    shown = {}
    for name in _SHORT:
        if getattr(period, name) is not None:
            shown[name] = tiered_confidence(period, name) or "not stated"
    return shown
