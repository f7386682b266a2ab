"""Rebuilding validated dataclasses from their cached JSON form, without pydantic."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode(kind: Any, value: Any) -> Any:
    """`value` (JSON data written by `to_jsonable`) as an instance of `kind`; trusted input only."""
    if value is None:
        return None
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        members = [m for m in typing.get_args(kind) if m is not type(None)]
        if isinstance(value, dict):
            return decode(next(m for m in members if dataclasses.is_dataclass(m)), value)
        return decode(next(m for m in members if not dataclasses.is_dataclass(m)), value)
    if origin is tuple:
        (item,) = typing.get_args(kind)[:1]
        return tuple(decode(item, v) for v in value)
    if origin is typing.Literal or kind in (str, int, bool):
        return value
    if kind is Decimal:
        return Decimal(value)
    if kind is date:
        return date.fromisoformat(value)
    if dataclasses.is_dataclass(kind):
        hints = _hints(kind)  # type: ignore[arg-type]
        return kind(**{key: decode(hints[key], item) for key, item in value.items()})  # type: ignore[operator]
    raise TypeError(f"cannot decode {kind!r}")
