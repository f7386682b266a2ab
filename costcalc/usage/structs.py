"""The typed shape the fast path decodes a response line into: only the fields billing reads.

Types do part of the checking: a count is an int from 0 to 10^12 (never a bool or float) and `batch` is a bool;
a line that does not fit takes the reference reading (`records`), which names the problem.
"""

from __future__ import annotations

from typing import Annotated, Optional

import msgspec

from costcalc.usage.records import MAX_COUNT

Count = Optional[Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]]


class Usage(msgspec.Struct, gc=False):  # no cycles possible: skipping GC tracking halves decode time
    prompt: Count = msgspec.field(default=None, name="promptTokenCount")
    cached: Count = msgspec.field(default=None, name="cachedContentTokenCount")
    candidates: Count = msgspec.field(default=None, name="candidatesTokenCount")
    thoughts: Count = msgspec.field(default=None, name="thoughtsTokenCount")
    tool_use: Count = msgspec.field(default=None, name="toolUsePromptTokenCount")
    # A snake_case count counts when its camelCase twin is absent: such records take the reference path
    # (typed `None`, any value fails this decoder and the block is re-read line by line).
    prompt_snake: None = msgspec.field(default=None, name="prompt_token_count")
    cached_snake: None = msgspec.field(default=None, name="cached_content_token_count")
    candidates_snake: None = msgspec.field(default=None, name="candidates_token_count")
    thoughts_snake: None = msgspec.field(default=None, name="thoughts_token_count")
    tool_use_snake: None = msgspec.field(default=None, name="tool_use_prompt_token_count")


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
