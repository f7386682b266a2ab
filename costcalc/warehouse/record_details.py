"""The usage details a usage row's modality columns stand for, so the reference reading can judge a row SQL refused.

A row holds only the parts (fresh, cached and output AUDIO / IMAGE / VIDEO; a cache's AUDIO tokens). Any row whose
parts are whole numbers from 0 to 10^12 that fit in their totals has a record that gives exactly these parts
under the reading rules (docs/usage-billing.md): its detail lists are rebuilt here. A row whose parts do not fit
gets lists that the reading refuses with the code SQL gave it (`bad_details`, `details_mismatch`, `bad_count`),
so the reason a user reads is always the reference reading's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from costcalc.prices.modality import AUDIO_TOKENS_PER_SECOND
from costcalc.usage.details import MAX_COUNT

PARTS = ("IMAGE", "VIDEO", "AUDIO")
"""The modalities a usage row has columns for, in the order the reading checks their prices (MODALITIES)."""


def _entries(total: int, *parts: Mapping[str, int]) -> list[dict[str, Any]]:
    """A detail list adding up to `total` when the parts fit in it: TEXT (what is left; 0 when the parts exceed
    the total, so the sum tells) and each part (entries of one modality add up, so each stays in range)."""
    entries = [{"modality": "TEXT", "tokenCount": max(total - sum(sum(part.values()) for part in parts), 0)}]
    entries += [{"modality": modality, "tokenCount": tokens}
                for part in parts for modality, tokens in part.items() if tokens]
    return entries


def response_details(row: Mapping[str, Any]) -> dict[str, Any]:
    """The four detail lists of a response row (none when it has no modality part: all text, as logged)."""
    fresh = {modality: int(row[f"fresh_{modality.lower()}_tokens"] or 0) for modality in PARTS}
    cached = {modality: int(row[f"cached_{modality.lower()}_tokens"] or 0) for modality in PARTS}
    output = {modality: int(row[f"output_{modality.lower()}_tokens"] or 0) for modality in ("IMAGE", "AUDIO")}
    every = (*fresh.values(), *cached.values(), *output.values())
    if not any(every):
        return {}
    prompt_count, cached_count, candidates_count, tool_count = (
        int(row[name] or 0) for name in ("prompt_tokens", "cached_tokens", "candidates_tokens",
                                         "tool_use_prompt_tokens"))
    if any(not 0 <= tokens <= MAX_COUNT for tokens in every):
        # Out of range: shown as they are, each in its own list (the reading names the list and the entry).
        return {"promptTokensDetails": _entries(0, fresh), "cacheTokensDetails": _entries(0, cached),
                "candidatesTokensDetails": _entries(0, output)}
    # Fresh = prompt - cached + tool use, per modality: as much of each fresh part as the tool-use tokens allow
    # is tool use, the rest prompt. Any split that fits gives the same parts, and this one fits whenever one
    # does: all parts within their totals (the checks of costcalc_response_checked).
    tool: dict[str, int] = {}
    left = tool_count
    for modality in PARTS:
        tool[modality] = min(fresh[modality], left)
        left -= tool[modality]
    prompt_fresh = {modality: fresh[modality] - tool[modality] for modality in PARTS}
    return {
        "promptTokensDetails": _entries(prompt_count, prompt_fresh, cached),
        "cacheTokensDetails": _entries(cached_count, cached),
        "candidatesTokensDetails": _entries(candidates_count, output),
        "toolUsePromptTokensDetails": _entries(tool_count, tool),
    }


def cache_details(row: Mapping[str, Any]) -> dict[str, Any]:
    """`audioDurationSeconds` of a cache row with AUDIO tokens (a fraction when they are not whole seconds)."""
    audio = int(row["cache_audio_tokens"] or 0)
    if not audio:
        return {}
    seconds, rest = divmod(audio, AUDIO_TOKENS_PER_SECOND)
    return {"audioDurationSeconds": seconds if not rest else audio / AUDIO_TOKENS_PER_SECOND}
