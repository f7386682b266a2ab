"""The library's public boundary: a wrong type or an impossible value raises CostcalcError naming the argument.

Plain checks rather than pydantic's `validate_call`: they cost microseconds and keep pydantic off the path of
`costcalc estimate` (pydantic only runs when a YAML table is validated). Floats are refused wherever money or
counts are meant: a float cannot hold 0.1 exactly, and `1e6` tokens is a count written as a float.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from costcalc.errors import CostcalcError

MAX_COUNT = 10**12
"""Beyond this a count is a typo, not a workload."""


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:60]}{'…' if len(text) > 60 else ''}"


def check_instance(name: str, value: Any, kind: type, hint: str) -> None:
    if not isinstance(value, kind):
        raise CostcalcError(f"{name} must be a {kind.__name__} ({hint}), got {_shown(value)}")


def check_count(name: str, value: Any, maximum: int = MAX_COUNT) -> int:
    """A whole number of tokens, queries or seconds: an int (not a bool, float or Decimal) in 0..maximum."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise CostcalcError(f"{name} must be a whole number (int), got {_shown(value)}")
    if value < 0:
        raise CostcalcError(f"{name} must be 0 or more, got {value:,}")
    if value > maximum:
        raise CostcalcError(f"{name} must be at most {maximum:,}, got {value:,}")
    return value


def check_flag(name: str, value: Any) -> bool:
    """True or False; a truthy string such as "no" is not a choice."""
    if not isinstance(value, bool):
        raise CostcalcError(f"{name} must be True or False, got {_shown(value)}")
    return value


def check_day(name: str, value: Any) -> date | None:
    """A `datetime.date` (a datetime is refused: prices change by day, and it would not compare with one)."""
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise CostcalcError(f"{name} must be a datetime.date such as date(2026, 1, 15), got {_shown(value)}")
    return value


def check_share(name: str, value: Any) -> Decimal:
    """A share between 0 and 1 inclusive, given exactly: a Decimal, a Fraction that terminates, or 0 or 1."""
    if isinstance(value, bool) or not isinstance(value, (Decimal, int, Fraction)):
        raise CostcalcError(f"{name} must be a Decimal between 0 and 1 such as Decimal(\"0.4\"), got {_shown(value)}")
    if isinstance(value, Decimal) and not value.is_finite():
        raise CostcalcError(f"{name} must be a finite number between 0 and 1, got {value}")
    if not 0 <= value <= 1:
        raise CostcalcError(f"{name} must be between 0 and 1, got {value}")
    if isinstance(value, Fraction):
        from costcalc.cost.money import to_decimal

        return to_decimal(value)
    return Decimal(value)
