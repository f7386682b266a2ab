"""A workload's audio and video tokens, each priced at its own modality's price (docs/billing-rules.md,
"Modalities"). Which price applies is `costcalc.prices.modality`'s rule; this module only applies it.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

from costcalc.cost.money import MILLION, token_cost
from costcalc.cost.results import PartCharge, Workload
from costcalc.errors import CostcalcError
from costcalc.prices.modality import (
    AUDIO_TOKENS_PER_SECOND,
    VIDEO_TOKENS_PER_SECOND,
    Modality,
    Use,
    missing_price,
    modality_price,
)
from costcalc.prices.model import Tier
from costcalc.prices.schema import ModelPrices, PricePeriod
from costcalc.units import format_duration, format_price

Parts = tuple[tuple[Modality, int], ...]
"""(modality, tokens) of one part of a workload; TEXT first, and only modalities with tokens (TEXT alone if
there are none)."""

PER_SECOND: dict[str, int] = {"AUDIO": AUDIO_TOKENS_PER_SECOND, "VIDEO": VIDEO_TOKENS_PER_SECOND}


def parts_of(text: int, audio: int, video: int) -> Parts:
    parts: list[tuple[Modality, int]] = [("TEXT", text)] if text or not (audio or video) else []
    if audio:
        parts.append(("AUDIO", audio))
    if video:
        parts.append(("VIDEO", video))
    return tuple(parts)


def context_parts(workload: Workload) -> Parts:
    return parts_of(workload.context_tokens, workload.context_audio_tokens, workload.context_video_tokens)


def prompt_parts(workload: Workload) -> Parts:
    return parts_of(workload.prompt_tokens, workload.prompt_audio_tokens, workload.prompt_video_tokens)


def billed_parts(model: ModelPrices, period: PricePeriod, workload: Workload,
                 text_units: tuple[int, int]) -> tuple[Parts, Parts]:
    """(context, prompt) parts in billed units; `text_units` are the text counts in the period's unit.

    A per-character period prices text only: Google never published a per-character price for audio or video
    time in these tables, so a mix there is refused rather than converted."""
    if not workload.has_mix:
        return (("TEXT", text_units[0]),), (("TEXT", text_units[1]),)
    if period.unit != "token":
        raise CostcalcError(f"{model.id} was billed per character in the period from {period.effective}, and "
                            "costcalc has no per-character price for audio or video; drop --context-audio, "
                            "--context-video, --prompt-audio and --prompt-video, or pick a later --as-of")
    return context_parts(workload), prompt_parts(workload)


def price_of(model: ModelPrices, period: PricePeriod, use: Use, modality: Modality, tier: Tier,
             batch: bool) -> Decimal:
    """The modality's price, or a one-line error saying which figure is missing (never the text price)."""
    price = modality_price(period, use, modality, tier, batch)
    if price is None:
        raise CostcalcError(missing_price(model.id, period, use, modality, batch))
    return price


def charges(model: ModelPrices, period: PricePeriod, use: Use, parts: Parts, tier: Tier,
            batch: bool) -> tuple[PartCharge, ...]:
    """Each part at its modality's price for `use` at `tier`."""
    result = []
    for modality, tokens in parts:
        price = price_of(model, period, use, modality, tier, batch)
        result.append(PartCharge(modality, tokens, price, token_cost(tokens, price)))
    return tuple(result)


def missing(model: ModelPrices, period: PricePeriod, use: Use, parts: Parts, tier: Tier,
            batch: bool) -> str | None:
    """Why some part has no price for `use`, or None when every part has one."""
    for modality, _ in parts:
        if modality_price(period, use, modality, tier, batch) is None:
            return missing_price(model.id, period, use, modality, batch)
    return None


def total(parts: tuple[PartCharge, ...]) -> Decimal:
    return sum((part.cost for part in parts), Decimal(0))


def exact_total(parts: tuple[PartCharge, ...]) -> Fraction:
    """The sum before any rounding: each part's tokens x price / 1M as a fraction."""
    return sum((Fraction(part.tokens) * Fraction(part.price_mtok) / MILLION for part in parts), Fraction(0))


def mix_line(name: str, parts: Parts, seconds: Mapping[str, int] | None = None) -> str:
    """`context 100,000 text + 19,200 audio (10m = 600 s × 32 tokens/s) = 119,200 tokens`.

    `seconds` maps a modality to the duration the user gave for it (from which its tokens were computed)."""
    shown = []
    for modality, tokens in parts:
        words = f"{tokens:,} {modality.lower()}"
        given = (seconds or {}).get(modality)
        if given is not None:
            words += f" ({format_duration(given).replace(' ', '')} = {given:,} s × {PER_SECOND[modality]} tokens/s)"
        shown.append(words)
    return f"{name} {' + '.join(shown)} = {sum(tokens for _, tokens in parts):,} tokens"


def charge_text(parts: tuple[PartCharge, ...]) -> str:
    """`(100,000 text × $0.30 + 19,200 audio × $1.00) / 1M`, the arithmetic of one line."""
    terms = " + ".join(f"{part.tokens:,} {part.modality.lower()} × {format_price(part.price_mtok)}" for part in parts)
    return f"({terms}) / 1M" if len(parts) > 1 else f"{terms} / 1M"
