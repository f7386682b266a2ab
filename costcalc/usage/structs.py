"""The typed shape the fast path decodes a response line into: only the fields billing reads.

Types do part of the checking: a count is an int from 0 to 10^12 (never a bool or float) and `batch` is a bool;
a line that does not fit takes the reference reading (`records`), which names the problem.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional

import msgspec

from costcalc.usage.details import MAX_COUNT, ResponseTokens, Split, split_modalities
from costcalc.usage.lookup import RecordError

NonNullCount = Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]
Count = Optional[NonNullCount]


class Detail(msgspec.Struct, gc=False):
    """One `{modality, tokenCount}` entry of a usage detail list. A modality outside the five, a null or
    snake_case count fail the decoder: the reference reading names the problem (or reads the rare null as 0)."""

    modality: Literal["TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT"]
    tokens: NonNullCount = msgspec.field(default=0, name="tokenCount")
    tokens_snake: None = msgspec.field(default=None, name="token_count")


Details = Optional[tuple[Detail, ...]]


class Usage(msgspec.Struct, gc=False):  # no cycles possible: skipping GC tracking halves decode time
    # An absent count is 0; absent prompt is None (`no_counts`). A count logged as null takes the reference
    # reading (typed as a non-null int, it fails this decoder): it is rare, and null means absent there.
    prompt: Count = msgspec.field(default=None, name="promptTokenCount")
    cached: NonNullCount = msgspec.field(default=0, name="cachedContentTokenCount")
    candidates: NonNullCount = msgspec.field(default=0, name="candidatesTokenCount")
    thoughts: NonNullCount = msgspec.field(default=0, name="thoughtsTokenCount")
    tool_use: NonNullCount = msgspec.field(default=0, name="toolUsePromptTokenCount")
    # A snake_case count counts when its camelCase twin is absent: such records take the reference path
    # (typed `None`, any value fails this decoder and the block is re-read line by line).
    prompt_snake: None = msgspec.field(default=None, name="prompt_token_count")
    cached_snake: None = msgspec.field(default=None, name="cached_content_token_count")
    candidates_snake: None = msgspec.field(default=None, name="candidates_token_count")
    thoughts_snake: None = msgspec.field(default=None, name="thoughts_token_count")
    tool_use_snake: None = msgspec.field(default=None, name="tool_use_prompt_token_count")
    # Tokens per modality (docs/usage-billing.md, "Modality details"); snake_case lists take the reference path.
    prompt_details: Details = msgspec.field(default=None, name="promptTokensDetails")
    cache_details: Details = msgspec.field(default=None, name="cacheTokensDetails")
    candidates_details: Details = msgspec.field(default=None, name="candidatesTokensDetails")
    tool_use_details: Details = msgspec.field(default=None, name="toolUsePromptTokensDetails")
    prompt_details_snake: None = msgspec.field(default=None, name="prompt_tokens_details")
    cache_details_snake: None = msgspec.field(default=None, name="cache_tokens_details")
    candidates_details_snake: None = msgspec.field(default=None, name="candidates_tokens_details")
    tool_use_details_snake: None = msgspec.field(default=None, name="tool_use_prompt_tokens_details")


class Line(msgspec.Struct, gc=False):
    name: Optional[str] = None
    model_version: Optional[str] = msgspec.field(default=None, name="modelVersion")
    timestamp: Optional[str] = None
    create_time: Optional[str] = msgspec.field(default=None, name="createTime")
    usage: Optional[Usage] = msgspec.field(default=None, name="usageMetadata")
    batch: Optional[bool] = None


decode_line = msgspec.json.Decoder(Line).decode
decode_lines = msgspec.json.Decoder(Line).decode_lines
decode_any = msgspec.json.decode


PLAIN = Split(ResponseTokens(0, 0, 0))
"""`quick_split`'s answer for a record whose tokens are all TEXT (or DOCUMENT): nothing to add or check."""


def quick_split(usage: Usage) -> Split | None:
    """`split_typed` for the common shapes (TEXT and AUDIO entries only) without building dicts; anything else
    goes to `split_typed`. PLAIN when nothing is AUDIO."""
    prompt, cached = usage.prompt, usage.cached
    assert prompt is not None
    audio = 0
    listed = usage.prompt_details
    if listed is not None:
        text = 0
        for detail in listed:
            if detail.modality == "TEXT":
                text += detail.tokens
            elif detail.modality == "AUDIO":
                audio += detail.tokens
            else:
                return split_typed(usage)
        if text + audio != prompt:
            return None  # details_mismatch
    cached_audio = 0
    listed = usage.cache_details
    if listed is None:
        if cached and audio:
            return None  # no_cache_details
    else:
        cached_text = 0
        for detail in listed:
            if detail.modality == "TEXT":
                cached_text += detail.tokens
            elif detail.modality == "AUDIO":
                cached_audio += detail.tokens
            else:
                return split_typed(usage)
        if cached_text + cached_audio != cached or cached_audio > audio or cached_text > prompt - audio:
            return None  # details_mismatch
    tool_audio = _audio_of(usage.tool_use_details, usage.tool_use)
    output_audio = _audio_of(usage.candidates_details, usage.candidates)
    if tool_audio is None or output_audio is None:
        return split_typed(usage)  # another modality, or a mismatch the reference reading words
    if not (audio or tool_audio or output_audio):
        return PLAIN
    return Split(ResponseTokens(prompt - cached + usage.tool_use, cached, usage.candidates + usage.thoughts,
                                audio - cached_audio + tool_audio, 0, 0, cached_audio, 0, 0, output_audio, 0))


def _audio_of(listed: Details, total: int) -> int | None:
    """AUDIO tokens of a list of TEXT and AUDIO entries adding up to `total`; None for anything else."""
    if listed is None:
        return 0
    text = audio = 0
    for detail in listed:
        if detail.modality == "TEXT":
            text += detail.tokens
        elif detail.modality == "AUDIO":
            audio += detail.tokens
        else:
            return None
    return audio if text + audio == total else None


def _by_modality(details: tuple[Detail, ...]) -> dict[str, int]:
    found: dict[str, int] = {}
    for detail in details:
        found[detail.modality] = found.get(detail.modality, 0) + detail.tokens
    return found


def split_typed(usage: Usage) -> Split | None:
    """The modality split of a decoded response (the reference rules, `details.split_modalities`), or None when
    the reference reading must explain why it cannot be billed."""
    assert usage.prompt is not None
    lists = (usage.prompt_details, usage.cache_details, usage.candidates_details, usage.tool_use_details)
    prompt_d, cache_d, output_d, tool_d = (None if found is None else _by_modality(found) for found in lists)
    try:
        return split_modalities(usage.prompt, usage.cached, usage.candidates, usage.thoughts, usage.tool_use,
                                (prompt_d, cache_d, output_d, tool_d))
    except RecordError:
        return None
