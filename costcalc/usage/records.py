"""One parsed record (a dict, as JSON gives it) to integer facts, or a RecordError saying why it cannot be billed.

This is the reference reading of a record (docs/usage-billing.md, "Input" and "Bad records"); the fast path
in `engine` must agree with it on every record it accepts. Checks run in the order the doc lists them, so the
first failing one names the record's code.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from costcalc.usage.counts import AggregateKey
from costcalc.usage.details import (
    DETAIL_LISTS,
    MAX_COUNT,
    ResponseTokens,
    Split,
    check_modality_prices,
    parse_details,
    split_modalities,
)
from costcalc.usage.lookup import PriceLookup, RecordError
from costcalc.usage.times import FIRST_NS, LAST_NS, day_of, parse_time

__all__ = ["MAX_COUNT", "ResponseTokens", "response_facts", "response_split"]

Kind = Literal["response", "cache"]

RESPONSE_COUNTS = (
    ("promptTokenCount", "prompt_token_count"),
    ("cachedContentTokenCount", "cached_content_token_count"),
    ("candidatesTokenCount", "candidates_token_count"),
    ("thoughtsTokenCount", "thoughts_token_count"),
    ("toolUsePromptTokenCount", "tool_use_prompt_token_count"),
)


def field(record: Mapping[str, Any], camel: str, snake: str | None = None) -> tuple[str, Any]:
    """(the key read, its value): camelCase first, snake_case only when camelCase is absent or null."""
    value = record.get(camel)
    if value is None and snake is not None:
        value = record.get(snake)
        if value is not None:
            return snake, value
    return camel, value


def shown(value: Any) -> str:
    """A JSON value as it appeared, short enough for a one-line reason."""
    import msgspec

    text = msgspec.json.encode(value).decode()
    return text if len(text) <= 40 else text[:37] + "..."


def count(record: Mapping[str, Any], camel: str, snake: str) -> int:
    """A token count: absent or null is 0; anything but a JSON integer from 0 to 10^12 is `bad_count`."""
    name, value = field(record, camel, snake)
    if value is None:
        return 0
    if type(value) is not int or not 0 <= value <= MAX_COUNT:
        if type(value) is float:  # 1e3 or 1.0: JSON gives no way back to the text, so say what was wrong
            raise RecordError("bad_count", f"{name} must be a whole number from 0 to 1,000,000,000,000 written "
                                           f"in digits, got a number with a fraction or exponent ({shown(value)})")
        raise RecordError("bad_count", f"{name} must be a whole number from 0 to 1,000,000,000,000, got "
                                       f"{shown(value)}")
    return value


def cache_id(record: Mapping[str, Any]) -> str | None:
    """The id after the `cachedContents/` segment of `name` (`cachedContents/ID` on the Gemini API,
    `projects/P/locations/L/cachedContents/ID` on Vertex AI); None when the record names no cache."""
    name = record.get("name")
    if not isinstance(name, str) or "cachedContents/" not in name:
        return None
    segments = name.split("/")
    for position, segment in enumerate(segments[:-1]):
        if segment == "cachedContents":
            return segments[position + 1]
    return None


def time_ns(record: Mapping[str, Any], names: tuple[tuple[str, str | None], ...], missing: str) -> int:
    """The first present time field, in ns since the epoch; `no_time` if none, `bad_time` if unparsable."""
    for camel, snake in names:
        name, value = field(record, camel, snake)
        if value is not None:
            parsed = parse_time(value) if isinstance(value, str) else None
            if parsed is None:
                raise RecordError("bad_time", f"{name} {shown(value)} is not an RFC 3339 time such as "
                                              "2026-12-30T10:00:00Z")
            if not FIRST_NS <= parsed <= LAST_NS:
                raise RecordError("bad_time", f"{name} {shown(value)} is outside 1677-09-21 to 2262-04-11, the times "
                                              "64-bit nanoseconds hold (Parquet, Spark, DuckDB); fix the clock that "
                                              "wrote it")
            return parsed
    raise RecordError("no_time", missing)


def kind_of(record: Any) -> Kind:
    """A cache (`name` with a `cachedContents/ID` segment pair) or a response (`usageMetadata`); else
    RecordError."""
    if not isinstance(record, dict):
        raise RecordError("not_an_object", "not a JSON object")
    if cache_id(record) is not None:
        return "cache"
    if field(record, "usageMetadata", "usage_metadata")[1] is not None:
        return "response"
    raise RecordError("not_a_record", "neither a response (usageMetadata) nor a cache (name cachedContents/...)")


def model_name(record: Mapping[str, Any], *names: tuple[str, str | None]) -> str:
    for camel, snake in names:
        value = field(record, camel, snake)[1]
        if value is not None:
            if isinstance(value, str) and value.strip():
                return value
            break
    raise RecordError("no_model", f"no model ({' or '.join(camel for camel, _ in names)})")


def usage_of(record: Mapping[str, Any]) -> Mapping[str, Any]:
    usage = field(record, "usageMetadata", "usage_metadata")[1]
    if not isinstance(usage, dict):
        raise RecordError("not_a_record", "usageMetadata is not a JSON object")
    return usage


def response_facts(record: Mapping[str, Any], lookup: PriceLookup) -> tuple[AggregateKey, ResponseTokens]:
    """(aggregate key, tokens by bucket and modality) of a response record."""
    key, split = response_split(record, lookup)
    return key, split.tokens


def response_split(record: Mapping[str, Any], lookup: PriceLookup) -> tuple[AggregateKey, Split]:
    """`response_facts`, with the output tokens no price bills (VIDEO, DOCUMENT) kept apart for the checks."""
    usage = usage_of(record)
    if field(usage, "promptTokenCount", "prompt_token_count")[1] is None:
        # Every real response counts its prompt: without it the record would be billed $0 (e.g. `{}`, or
        # another API's field names such as inputTokenCount).
        raise RecordError("no_counts", "usageMetadata has no promptTokenCount; is this a Gemini response?")
    prompt, cached, candidates, thoughts, tool_use = (count(usage, camel, snake) for camel, snake in RESPONSE_COUNTS)
    if cached > prompt:
        raise RecordError("cached_above_prompt", f"cachedContentTokenCount ({cached:,}) exceeds promptTokenCount "
                                                 f"({prompt:,}); the prompt count includes cached tokens")
    parsed = [parse_details(usage, camel, snake) for camel, snake, _ in DETAIL_LISTS]  # bad_details first
    split = split_modalities(prompt, cached, candidates, thoughts, tool_use,
                             (parsed[0][1], parsed[1][1], parsed[2][1], parsed[3][1]),
                             (parsed[0][0], parsed[1][0], parsed[2][0], parsed[3][0]))
    batch = record.get("batch")
    if batch is None:
        batch = False
    elif not isinstance(batch, bool):
        raise RecordError("bad_batch", f"batch must be true or false, got {shown(batch)}")
    name = model_name(record, ("modelVersion", "model_version"), ("model", None))
    when = time_ns(record, (("timestamp", None), ("createTime", "create_time")), "no time (timestamp or createTime)")
    prices = lookup.response(name, day_of(when), batch)
    if cached and prices.cached_problem is not None:
        raise prices.cached_problem
    check_modality_prices(split, prices.unpriced)
    key = prices.upper if prompt + tool_use > prices.threshold else prices.lower
    return key, split
