"""A response's usage details (tokens per modality) to the modality parts of its buckets, or why they cannot be billed.

The reading rules (docs/usage-billing.md, "Modality details") in one place: the reference reading (`records`) parses
the JSON lists into {modality: tokens} and calls `split_modalities`; the fast path (`engine`) decodes the same lists
into typed structs and calls the same function for any record that is not plain text, so both agree by construction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NamedTuple

from costcalc.prices.modality import MODALITIES, Modality, Use
from costcalc.usage.lookup import RecordError, Unpriced

MAX_COUNT = 10**12
"""Beyond this a count is a typo or corruption, not traffic."""

DETAIL_LISTS = (
    ("promptTokensDetails", "prompt_tokens_details", "promptTokenCount"),
    ("cacheTokensDetails", "cache_tokens_details", "cachedContentTokenCount"),
    ("candidatesTokensDetails", "candidates_tokens_details", "candidatesTokenCount"),
    ("toolUsePromptTokensDetails", "tool_use_prompt_tokens_details", "toolUsePromptTokenCount"),
)
"""(camelCase list, snake_case list, the count it must add up to), in the order they are checked."""
CAMEL_NAMES = ("promptTokensDetails", "cacheTokensDetails", "candidatesTokensDetails", "toolUsePromptTokensDetails")

ByModality = Mapping[str, int]
"""Tokens per modality of one detail list (modalities without tokens may be left out)."""


class ResponseTokens(NamedTuple):
    """What one response adds to its aggregate key: totals, and the modality parts included in them (the
    slots of `costcalc.usage.counts.Counts` of the same names; the rest of each total is TEXT or DOCUMENT)."""

    fresh: int
    cached: int
    output: int
    fresh_audio: int = 0
    fresh_image: int = 0
    fresh_video: int = 0
    cached_audio: int = 0
    cached_image: int = 0
    cached_video: int = 0
    output_audio: int = 0
    output_image: int = 0


class Split(NamedTuple):
    """A response's tokens by modality, and the output tokens no price can ever bill (VIDEO, DOCUMENT)."""

    tokens: ResponseTokens
    output_video: int = 0
    output_document: int = 0


def _shown(value: Any) -> str:
    import msgspec

    text = msgspec.json.encode(value).decode()
    return text if len(text) <= 40 else text[:37] + "..."


def _bad(list_name: str, what: str) -> RecordError:
    return RecordError("bad_details", f"{list_name} {what}; each entry must be "
                                      '{"modality": TEXT|IMAGE|VIDEO|AUDIO|DOCUMENT, "tokenCount": N}: fix the logger')


def parse_details(usage: Mapping[str, Any], camel: str, snake: str) -> tuple[str, dict[str, int] | None]:
    """(the key read, tokens per modality) of one detail list; None when absent or null; `bad_details` if
    malformed. Entries of one modality add up; an absent or null tokenCount is 0 (protobuf JSON omits zeros)."""
    name, value = camel, usage.get(camel)
    if value is None:
        name, value = snake, usage.get(snake)
    if value is None:
        return camel, None
    if not isinstance(value, list):
        raise _bad(name, f"is not a list (got {_shown(value)})")
    found: dict[str, int] = {}
    for position, entry in enumerate(value):
        if not isinstance(entry, dict):
            raise _bad(name, f"entry {position} is not an object (got {_shown(entry)})")
        modality = entry.get("modality")
        if not isinstance(modality, str) or modality not in MODALITIES:
            raise _bad(name, f"entry {position} has modality {_shown(modality)}, not one of "
                             "TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT")
        tokens = entry.get("tokenCount")
        if tokens is None:
            tokens = entry.get("token_count")
        if tokens is None:
            tokens = 0
        if type(tokens) is not int or not 0 <= tokens <= MAX_COUNT:
            raise _bad(name, f"entry {position} has tokenCount {_shown(tokens)}, not a whole number from 0 to "
                             "1,000,000,000,000")
        found[modality] = found.get(modality, 0) + tokens
    return name, found


def _check_sum(name: str, found: ByModality | None, count_name: str, total: int) -> None:
    if found is not None and sum(found.values()) != total:
        raise RecordError("details_mismatch", f"{name} add up to {sum(found.values()):,}, {count_name} is "
                                              f"{total:,}: the details must add up to the count")


def split_modalities(prompt: int, cached: int, candidates: int, thoughts: int, tool_use: int,
                     details: tuple[ByModality | None, ByModality | None, ByModality | None, ByModality | None],
                     names: tuple[str, str, str, str] = CAMEL_NAMES) -> Split:
    """The modality parts of a response from its (already well-formed) detail lists, in DETAIL_LISTS order;
    RecordError `details_mismatch` or `no_cache_details` when they cannot be read without guessing."""
    for name, found, (_, _, count_name), total in zip(names, details, DETAIL_LISTS,
                                                       (prompt, cached, candidates, tool_use), strict=True):
        _check_sum(name, found, count_name, total)
    prompt_d, cache_d, output_d, tool_d = details
    if prompt_d is None:
        prompt_d = {"TEXT": prompt}
    if cache_d is None:
        if cached and prompt_d.get("AUDIO"):
            raise RecordError("no_cache_details", f"{cached:,} cached tokens and {prompt_d['AUDIO']:,} AUDIO prompt "
                                                  "tokens but no cacheTokensDetails: cannot tell whether the cached "
                                                  "part is audio; log the response's cacheTokensDetails")
        cache_d = _take_cached(prompt_d, cached)
    for modality in MODALITIES:
        if cache_d.get(modality, 0) > prompt_d.get(modality, 0):
            raise RecordError("details_mismatch", f"{names[1]} has {cache_d[modality]:,} {modality} tokens, "
                                                  f"{names[0]} only {prompt_d.get(modality, 0):,}: the prompt "
                                                  "includes the cached tokens")
    tool_d = tool_d or {}
    output_d = output_d or {}

    def fresh(modality: Modality) -> int:
        return prompt_d.get(modality, 0) - cache_d.get(modality, 0) + tool_d.get(modality, 0)

    tokens = ResponseTokens(
        prompt - cached + tool_use, cached, candidates + thoughts,
        fresh("AUDIO"), fresh("IMAGE"), fresh("VIDEO"),
        cache_d.get("AUDIO", 0), cache_d.get("IMAGE", 0), cache_d.get("VIDEO", 0),
        output_d.get("AUDIO", 0), output_d.get("IMAGE", 0))
    return Split(tokens, output_d.get("VIDEO", 0), output_d.get("DOCUMENT", 0))


_CACHED_FROM = ("TEXT", "DOCUMENT", "IMAGE", "VIDEO")
"""Where un-detailed cached tokens are taken from (all at the text cached price, so the order changes no money)."""


def _take_cached(prompt_d: ByModality, cached: int) -> dict[str, int]:
    taken: dict[str, int] = {}
    left = cached
    for modality in _CACHED_FROM:
        if not left:
            break
        part = min(left, prompt_d.get(modality, 0))
        if part:
            taken[modality] = part
            left -= part
    # `left` is 0 here: cached <= prompt (checked before), and the prompt has no AUDIO (else no_cache_details).
    return taken


_SLOTS: dict[tuple[str, str], tuple[int, ...]] = {
    ("input", "AUDIO"): (3, 6), ("cached", "AUDIO"): (6,), ("output", "AUDIO"): (9,),
    ("input", "IMAGE"): (4, 7), ("cached", "IMAGE"): (7,), ("output", "IMAGE"): (10,),
    ("input", "VIDEO"): (5, 8), ("cached", "VIDEO"): (8,), ("output", "VIDEO"): (11,), ("output", "DOCUMENT"): (12,)}
"""Which items of `flat(split)` need the price of (use, modality): cached tokens also need the input price (the
cost without caching bills them as input). TEXT, and DOCUMENT input, are at the text prices (codes of their own)."""


def flat(split: Split) -> tuple[int, ...]:
    """ResponseTokens' 11 items, then output VIDEO and output DOCUMENT."""
    return (*split.tokens, split.output_video, split.output_document)


def tokens_of(split: Split, use: Use, modality: Modality) -> int:
    """Tokens of `modality` used as `use` that need that price."""
    items = flat(split)
    return sum(items[slot] for slot in _SLOTS.get((use, modality), ()))


def unpriced_slots(unpriced: Unpriced) -> tuple[int, ...]:
    """The items of `flat(split)` that must be 0 for a response to be billable under these missing prices."""
    return tuple(sorted({slot for use, modality, _ in unpriced for slot in _SLOTS.get((use, modality), ())}))


def check_modality_prices(split: Split, unpriced: Unpriced) -> None:
    """`no_modality_price` for the first (use, modality) with tokens and no price (`ResponsePrices.unpriced`: uses
    in the order input, cached, output; modalities in the order TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT)."""
    for use, modality, problem in unpriced:
        if tokens_of(split, use, modality):
            raise problem
