"""Results to JSON with exact decimal strings: one spelling per amount, never a float."""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from datetime import date
from decimal import Decimal
from typing import Any


def to_jsonable(value: Any) -> Any:
    """Dataclasses to dicts, Decimal to exact strings (`"0.168"`), dates to ISO strings."""
    if isinstance(value, Decimal):
        # One spelling per amount ("14", not "14.0"), plain notation (never "1E+1"), exact: normalize() would
        # round past 28 digits, so trailing zeros are stripped from the text instead.
        text = f"{value:f}"
        return (text.rstrip("0").rstrip(".") if "." in text else text) if value else "0"
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: to_jsonable(item) for key, item in value.items()}
    return value
