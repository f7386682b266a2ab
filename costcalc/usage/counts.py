"""The engine-neutral integer aggregates that every billing engine produces and `pricing` prices once.

An aggregate key is (model id, price period, tier, batch, UTC day); its counts are integer sums. Money is
linear in tokens within one key, so summing integers per key and pricing each key once gives the exact
bill of every record (docs/usage-billing.md, "How billing is computed").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import NamedTuple

from costcalc.prices.model import Tier

FIELDS = ("responses", "fresh_input_tokens", "cached_input_tokens", "output_tokens", "caches", "creation_tokens",
          "storage_token_ns", "fresh_audio_tokens", "fresh_image_tokens", "fresh_video_tokens", "cached_audio_tokens",
          "cached_image_tokens", "cached_video_tokens", "output_audio_tokens", "output_image_tokens",
          "creation_audio_tokens")
"""The order of the integer slots of a hot-loop cell (a list of 16 ints)."""
(RESPONSES, FRESH, CACHED, OUTPUT, CACHES, CREATION, STORAGE, FRESH_AUDIO, FRESH_IMAGE, FRESH_VIDEO, CACHED_AUDIO,
 CACHED_IMAGE, CACHED_VIDEO, OUTPUT_AUDIO, OUTPUT_IMAGE, CREATION_AUDIO) = range(len(FIELDS))


class AggregateKey(NamedTuple):
    """What makes money linear in tokens: one model, one price period, one tier, standard or batch, one day."""

    model: str
    """Model id in the price tables (aliases already resolved)."""
    period: date
    """`effective` date of the price period in force (on the response's day, or on each day of a cache's life)."""
    tier: Tier
    """`flat`, `lower` or `upper` (prompt + tool-use tokens above the long-context threshold; for a cache,
    its totalTokenCount)."""
    batch: bool
    """Batch-mode prices (responses with `batch: true`); always False for cache creation and storage."""
    day: date
    """UTC day the amounts are attributed to (`by_day`)."""


@dataclass(frozen=True)
class Counts:
    """Integer sums of one aggregate key."""

    responses: int = 0
    """Responses billed."""
    fresh_input_tokens: int = 0
    """Sum of promptTokenCount - cachedContentTokenCount + toolUsePromptTokenCount."""
    cached_input_tokens: int = 0
    """Sum of cachedContentTokenCount."""
    output_tokens: int = 0
    """Sum of candidatesTokenCount + thoughtsTokenCount."""
    caches: int = 0
    """Caches created on this day (their creation is billed under this key)."""
    creation_tokens: int = 0
    """Sum of the totalTokenCount of those caches."""
    storage_token_ns: int = 0
    """Sum of tokens x nanoseconds of storage that fall on this day (can exceed 64 bits: use 128-bit sums)."""
    # The modality parts below are included in the totals above; what is left of a total is TEXT (and DOCUMENT,
    # which is always billed at the text price). docs/usage-billing.md, "Modalities".
    fresh_audio_tokens: int = 0
    """Part of `fresh_input_tokens` that is AUDIO."""
    fresh_image_tokens: int = 0
    """Part of `fresh_input_tokens` that is IMAGE (text price unless the period lists an image input price)."""
    fresh_video_tokens: int = 0
    """Part of `fresh_input_tokens` that is VIDEO (text price unless the period lists a video input price)."""
    cached_audio_tokens: int = 0
    """Part of `cached_input_tokens` that is AUDIO."""
    cached_image_tokens: int = 0
    """Part of `cached_input_tokens` that is IMAGE (at the text cached price)."""
    cached_video_tokens: int = 0
    """Part of `cached_input_tokens` that is VIDEO (at the text cached price)."""
    output_audio_tokens: int = 0
    """Part of `output_tokens` that is AUDIO."""
    output_image_tokens: int = 0
    """Part of `output_tokens` that is IMAGE."""
    creation_audio_tokens: int = 0
    """Part of `creation_tokens` that is AUDIO (a cache's audioDurationSeconds x 32)."""

    def __add__(self, other: Counts) -> Counts:
        return Counts(*(getattr(self, name) + getattr(other, name) for name in FIELDS))


assert tuple(f.name for f in fields(Counts)) == FIELDS

Aggregates = Mapping[AggregateKey, Counts]
"""What an engine hands to `costcalc.usage.pricing.price_aggregates`."""


_RESPONSE_PARTS = (FRESH_AUDIO, FRESH_IMAGE, FRESH_VIDEO, CACHED_AUDIO, CACHED_IMAGE, CACHED_VIDEO, OUTPUT_AUDIO,
                   OUTPUT_IMAGE)
"""Slots of the modality parts of a response, in `records.ResponseTokens` order after the three totals."""


class CountTable:
    """Mutable sums for the hot loop: one list of 16 ints per key (see FIELDS for the slots)."""

    def __init__(self) -> None:
        self.cells: dict[AggregateKey, list[int]] = {}

    def cell(self, key: AggregateKey) -> list[int]:
        cell = self.cells.get(key)
        if cell is None:
            cell = self.cells[key] = [0] * len(FIELDS)
        return cell

    def add_response(self, key: AggregateKey, tokens: tuple[int, ...]) -> None:
        """One response: `tokens` is a `records.ResponseTokens` (fresh, cached, output, then modality parts)."""
        cell = self.cell(key)
        cell[RESPONSES] += 1
        cell[FRESH] += tokens[0]
        cell[CACHED] += tokens[1]
        cell[OUTPUT] += tokens[2]
        if len(tokens) > 3:
            for slot, value in zip(_RESPONSE_PARTS, tokens[3:], strict=True):
                cell[slot] += value

    def add_creation(self, key: AggregateKey, tokens: int, audio_tokens: int = 0) -> None:
        """One cache created: `tokens` in all, `audio_tokens` of them AUDIO."""
        cell = self.cell(key)
        cell[CACHES] += 1
        cell[CREATION] += tokens
        cell[CREATION_AUDIO] += audio_tokens

    def add_storage(self, key: AggregateKey, token_ns: int) -> None:
        self.cell(key)[STORAGE] += token_ns

    def merge(self, other: CountTable) -> None:
        for key, values in other.cells.items():
            cell = self.cell(key)
            for slot, value in enumerate(values):
                cell[slot] += value

    def copy(self) -> CountTable:
        twin = CountTable()
        twin.cells = {key: list(values) for key, values in self.cells.items()}
        return twin

    def freeze(self) -> dict[AggregateKey, Counts]:
        """Immutable counts, sorted by key; keys that nothing was billed under are left out."""
        return {key: Counts(*values) for key, values in sorted(self.cells.items()) if any(values)}
