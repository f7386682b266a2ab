"""Any shape of a google-genai response or cached content -> the REST camelCase record `costcalc bill` reads.

Four shapes arrive: the SDK's pydantic object, its `model_dump()` (snake_case keys, datetime and enum values),
its `model_dump(mode="json", by_alias=True)` or the REST body (camelCase), and a stream's chunks (objects).
Only the fields billing reads are kept, so a log written from them holds no prompt or answer text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.usage.times import NS_PER_SECOND, parse_time

RESPONSE_FIELDS = ("modelVersion", "responseId", "createTime", "usageMetadata")
CACHE_FIELDS = ("name", "model", "displayName", "createTime", "updateTime", "expireTime", "usageMetadata")


def camel(name: str) -> str:
    """`prompt_token_count` -> `promptTokenCount` (a camelCase name is returned as it is)."""
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def plain(value: Any) -> Any:
    """JSON values with camelCase keys: SDK objects dumped by alias, datetimes as RFC 3339 UTC, enums by value.
    When a mapping has both spellings of a key, the camelCase one wins (as `costcalc bill` reads them)."""
    dump = getattr(value, "model_dump", None)
    if callable(dump) and not isinstance(value, Mapping):
        value = dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key in sorted(value, key=lambda k: "_" in str(k)):  # camelCase keys first: they win
            name = camel(str(key))
            if out.get(name) is None:
                out[name] = plain(value[key])
        return out
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return rfc3339(value)
    return value


def rfc3339(moment: datetime) -> str:
    """An aware datetime as an RFC 3339 UTC time with microseconds when it has them."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise CostcalcError(f"the time {moment.isoformat()} has no time zone; pass an aware datetime such as "
                            "datetime.now(timezone.utc)")
    utc = moment.astimezone(timezone.utc)
    fraction = f".{utc.microsecond:06d}" if utc.microsecond else ""
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + fraction + "Z"


def moment_of(text: str) -> datetime:
    """An RFC 3339 time as an aware UTC datetime (to the microsecond)."""
    ns = parse_time(text)
    if ns is None:
        raise CostcalcError(f"{text!r} is not an RFC 3339 time such as 2026-12-30T10:00:00Z")
    seconds, rest = divmod(ns, NS_PER_SECOND)
    return datetime.fromtimestamp(seconds, timezone.utc).replace(microsecond=rest // 1000)


def _fields(source: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """The named fields (camelCase) of an SDK object or a dict in either spelling; absent ones left out."""
    found: dict[str, Any] = {}
    for name in names:
        snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
        if isinstance(source, Mapping):
            value = source.get(name)
            if value is None:
                value = source.get(snake)
        else:
            value = getattr(source, snake, None)
        if value is not None:
            found[name] = plain(value)
    return found


def response_record(response: Any, *, at: datetime | str | None = None, model: str | None = None,
                    batch: bool = False, now: datetime | None = None) -> dict[str, Any]:
    """The record `costcalc bill` bills for one response: modelVersion (else `model`), usageMetadata, responseId
    and one time, `timestamp`: `at` when given, else the response's createTime (Vertex AI sets it), else `now`
    (default: the current UTC time; the Gemini API's responses carry no time)."""
    if response is None or isinstance(response, (str, bytes, int, float, list)):
        raise CostcalcError(f"expected a google-genai GenerateContentResponse or its dict, got "
                            f"{type(response).__name__}")
    record = _fields(response, RESPONSE_FIELDS)
    if not isinstance(record.get("usageMetadata"), dict):
        raise CostcalcError("the response has no usage_metadata; pass the whole response (for a stream, its last "
                            "chunk, which carries the usage)")
    if "modelVersion" not in record:
        if model is None:
            raise CostcalcError("the response names no model (model_version); pass model='gemini-...'")
        record["model"] = model
    if at is not None:
        stamp = rfc3339(at) if isinstance(at, datetime) else rfc3339(moment_of(at))
    elif isinstance(record.get("createTime"), str):
        stamp = record["createTime"]
    else:
        stamp = rfc3339(now or datetime.now(timezone.utc))
    record.pop("createTime", None)
    record["timestamp"] = stamp
    if batch:
        record["batch"] = True
    return record


def cache_record(cached_content: Any) -> dict[str, Any]:
    """The record of one version of a cache (a CachedContent from caches.create/update/get, or its dict)."""
    record = _fields(cached_content, CACHE_FIELDS)
    if not isinstance(record.get("name"), str):
        raise CostcalcError("the cached content has no name; pass what caches.create or caches.update returned")
    return record
