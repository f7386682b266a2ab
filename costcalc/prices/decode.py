"""Rebuilding validated schema dataclasses from their cached JSON form, without pydantic or typing.eval.

The schema's annotations are strings (`from __future__ import annotations`); each field's converter is chosen
once per class from that string, so decoding a table is a loop of plain function calls.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from functools import cache
from typing import Any

from costcalc.prices import schema

Convert = Callable[[Any], Any]


def _price(value: Any) -> Any:
    return schema.TieredPrice(Decimal(value["lower"]), Decimal(value["upper"])) if isinstance(value, dict) \
        else Decimal(value)


def _converter(annotation: str) -> Convert:
    kind = annotation.removesuffix(" | None")
    if kind.startswith("tuple[") and kind.endswith(", ...]"):
        item = kind[len("tuple["):-len(", ...]")]
        if item == "str":
            return tuple
        if item.endswith(" | str"):  # records or bare strings (sources)
            records = _plan(getattr(schema, item.removesuffix(" | str")))
            return lambda values: tuple(value if isinstance(value, str) else _build(records, value)
                                        for value in values)
        plan = _plan(getattr(schema, item))
        return lambda values: tuple(_build(plan, value) for value in values)
    simple: dict[str, Convert] = {"date": date.fromisoformat, "Decimal": Decimal, "Price": _price}
    return simple.get(kind, lambda value: value)  # str, int and Literal values are stored as they are


@cache
def _plan(cls: type) -> tuple[type, dict[str, Convert]]:
    return cls, {f.name: _converter(str(f.type)) for f in dataclasses.fields(cls)}


def _build(plan: tuple[type, dict[str, Convert]], value: dict[str, Any]) -> Any:
    cls, converters = plan
    return cls(**{key: None if item is None else converters[key](item) for key, item in value.items()})


def decode(kind: type, value: Any) -> Any:
    """`value` (JSON data written by `to_jsonable`) as an instance of the schema class `kind`; trusted input."""
    if not isinstance(value, dict):
        raise TypeError(f"expected a mapping for {kind.__name__}")
    return _build(_plan(kind), value)
