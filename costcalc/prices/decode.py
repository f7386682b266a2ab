"""Rebuilding validated schema dataclasses from their cached JSON form, without pydantic or typing.eval.

The schema's annotations are strings (`from __future__ import annotations`); each field's converter is chosen
once per class from that string, so decoding a table is a loop of plain function calls. The cache file may
have been damaged or edited, so every converter checks the JSON type it is given and raises `CacheDamaged`
rather than coerce: a wrong type is a damaged cache, never a value.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from costcalc.prices import schema

Convert = Callable[[Any], Any]


class CacheDamaged(ValueError):
    """A cached table that is not what costcalc wrote; the caller validates the YAML again."""


def _text(value: Any) -> str:
    if type(value) is not str:
        raise CacheDamaged(f"expected text, got {type(value).__name__}")
    return value


def _decimal(value: Any) -> Decimal:
    try:
        number = Decimal(_text(value))
    except InvalidOperation:
        raise CacheDamaged(f"not a decimal: {value!r}") from None
    if not number.is_finite():
        raise CacheDamaged(f"not a finite decimal: {value!r}")
    return number


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise CacheDamaged(f"expected a whole number, got {type(value).__name__}")
    return value


def _flag(value: Any) -> bool:
    if type(value) is not bool:
        raise CacheDamaged(f"expected true or false, got {type(value).__name__}")
    return value


def _date(value: Any) -> date:
    try:
        return date.fromisoformat(_text(value))
    except ValueError:
        raise CacheDamaged(f"not a date: {value!r}") from None


def _price(value: Any) -> Any:
    if type(value) is dict:
        if set(value) != {"lower", "upper"}:
            raise CacheDamaged("a tiered price has exactly lower and upper")
        return schema.TieredPrice(_decimal(value["lower"]), _decimal(value["upper"]))
    return _decimal(value)


def _choice(allowed: tuple[str, ...]) -> Convert:
    def convert(value: Any) -> str:
        if value not in allowed or type(value) is not str:
            raise CacheDamaged(f"{value!r} is not one of {allowed}")
        return value

    return convert


def _many(item: Convert) -> Convert:
    def convert(values: Any) -> tuple[Any, ...]:
        if type(values) is not list:
            raise CacheDamaged(f"expected a list, got {type(values).__name__}")
        return tuple(item(value) for value in values)

    return convert


def _converter(annotation: str) -> Convert:
    kind = annotation.removesuffix(" | None")
    if kind.startswith("tuple[") and kind.endswith(", ...]"):
        item = kind[len("tuple["):-len(", ...]")]
        if item.endswith(" | str"):  # records or bare strings (sources)
            record = _object(getattr(schema, item.removesuffix(" | str")))
            return _many(lambda value: value if type(value) is str else record(value))
        return _many(_text if item == "str" else _object(getattr(schema, item)))
    simple: dict[str, Convert] = {"date": _date, "Decimal": _decimal, "Price": _price, "str": _text, "int": _integer,
                                  "bool": _flag}
    if kind in simple:
        return simple[kind]
    if kind.startswith("Literal["):  # written in place, e.g. Literal["lower", "upper"]
        allowed = tuple(re.findall(r"['\"]([^'\"]*)['\"]", kind))
    else:
        allowed = typing.get_args(getattr(schema, kind, None))  # Platform, Caching, Unit, ...: Literal aliases
    if not allowed:  # a new field type nobody taught the decoder: refuse the cache rather than guess
        raise TypeError(f"decode: no converter for {annotation!r}")
    return _choice(tuple(allowed))


Plan = tuple[type, dict[str, Convert], frozenset[str], frozenset[str]]


@cache
def _plan(cls: type) -> Plan:
    """The class, a converter per field, the required fields and the fields that may be null."""
    fields = dataclasses.fields(cls)
    required = frozenset(f.name for f in fields
                         if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING)
    nullable = frozenset(f.name for f in fields if str(f.type).endswith(" | None"))
    return cls, {f.name: _converter(str(f.type)) for f in fields}, required, nullable


def _object(cls: type) -> Convert:
    return lambda value: _build(_plan(cls), value)


def _build(plan: Plan, value: Any) -> Any:
    cls, converters, required, nullable = plan
    if type(value) is not dict:
        raise CacheDamaged(f"expected a mapping for {cls.__name__}")
    if not required <= value.keys() or not value.keys() <= converters.keys():
        raise CacheDamaged(f"fields of {cls.__name__} do not match")
    built: dict[str, Any] = {}
    for key, item in value.items():
        if item is None:
            if key not in nullable:
                raise CacheDamaged(f"{cls.__name__}.{key} cannot be null")
            built[key] = None
        else:
            built[key] = converters[key](item)
    return cls(**built)


def decode(kind: type, value: Any) -> Any:
    """`value` (JSON data written by `to_jsonable`) as an instance of the schema class `kind`.

    Raises `CacheDamaged` on any type or shape the encoder never writes.
    """
    return _build(_plan(kind), value)
