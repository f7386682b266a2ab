"""Which price of a period applies to a token of one modality: input, cached read or output, standard or batch.

The rule (docs/billing-rules.md, "Modalities"): TEXT and DOCUMENT are billed at the text prices; IMAGE and VIDEO
at the text prices unless the period lists a price of their own; AUDIO only at an audio price, and output
AUDIO or IMAGE only at an output price of that modality. A modality with no price is never billed at the text
price: `modality_price` returns None and `missing_price` says why.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from costcalc.prices.model import Tier, pick
from costcalc.prices.schema import Price, PricePeriod

Modality = Literal["TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT"]
MODALITIES: tuple[Modality, ...] = ("TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT")
"""The values of `modality` in Gemini's `ModalityTokenCount` (usage details), besides MODALITY_UNSPECIFIED."""
Use = Literal["input", "cached", "output"]

AUDIO_TOKENS_PER_SECOND = 32
"""Google's documented rate: audio is 32 tokens per second (Gemini API "Audio understanding" page)."""
VIDEO_TOKENS_PER_SECOND = 263
"""Google's documented rate: video at default resolution is 263 tokens per second (Gemini API "Video
understanding" page, frames at 1 fps plus audio)."""

_OWN_INPUT = {"IMAGE": ("image_input_mtok", None), "VIDEO": ("video_input_mtok", None),
              "AUDIO": ("audio_input_mtok", "batch_audio_input_mtok")}
_OWN_CACHED = {"AUDIO": ("audio_cached_mtok", "batch_audio_cached_mtok")}
_OWN_OUTPUT = {"AUDIO": ("audio_output_mtok", "batch_audio_output_mtok"),
               "IMAGE": ("image_output_mtok", "batch_image_output_mtok")}


def _text_field(use: Use, batch: bool) -> str:
    name = {"input": "input_mtok", "cached": "cached_mtok", "output": "output_mtok"}[use]
    return f"batch_{name}" if batch else name


def price_field(period: PricePeriod, use: Use, modality: Modality, batch: bool) -> str | None:
    """The name of the period's field that prices `modality` tokens used as `use`; None when none can.

    Fields are returned even when the period leaves them null (the caller reads the value)."""
    if use == "input":
        own = _OWN_INPUT.get(modality)
        if own is None:
            return _text_field(use, batch)
        standard, batch_name = own
        if modality != "AUDIO" and getattr(period, standard) is None:
            return _text_field(use, batch)  # IMAGE, VIDEO: the text price unless listed apart
        return batch_name if batch else standard  # a Live API image/video price has no batch figure: None
    if use == "cached":
        if modality in ("IMAGE", "VIDEO") and getattr(period, f"{modality.lower()}_input_mtok") is not None:
            return None  # input priced apart, and no cached price of its own is published
        own = _OWN_CACHED.get(modality)
        if own is None:
            return _text_field(use, batch)
        return own[1] if batch else own[0]
    if modality == "TEXT":
        return _text_field(use, batch)
    own = _OWN_OUTPUT.get(modality)
    if own is None:
        return None  # no Gemini model outputs VIDEO or DOCUMENT tokens
    return own[1] if batch else own[0]


def modality_price(period: PricePeriod, use: Use, modality: Modality, tier: Tier, batch: bool) -> Decimal | None:
    """USD per 1M tokens of `modality` used as `use` at `tier`; None when the period has no such price."""
    name = price_field(period, use, modality, batch)
    if name is None:
        return None
    price: Price | None = getattr(period, name)
    return None if price is None else pick(price, tier)


def missing_price(model_id: str, period: PricePeriod, use: Use, modality: Modality, batch: bool) -> str:
    """Why `modality_price` is None, in one sentence that says what to do."""
    mode = "batch " if batch else ""
    what = {"input": "input", "cached": "cached-token", "output": "output"}[use]
    field = price_field(period, use, modality, batch)
    where = f"{model_id} has no {mode}{modality} {what} price in the period from {period.effective}"
    if field is None:
        return f"{where}; costcalc never bills it at the text price"
    return f"{where} ({field}); costcalc never bills it at the text price: add it to your table with --pricing"
