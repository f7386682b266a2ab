"""Exact money arithmetic: token counts times per-million prices, prorated storage, division."""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal, localcontext
from fractions import Fraction
from typing import ParamSpec, TypeVar

from costcalc.exact import EXACT

MILLION = 1_000_000
SECONDS_PER_HOUR = 3600
REPEATING_PLACES = 20
"""A quotient that does not terminate (a third of a dollar) is kept to 20 decimal places."""


P = ParamSpec("P")
R = TypeVar("R")



def exact(func: Callable[P, R]) -> Callable[P, R]:
    """Run `func` with Decimal arithmetic that cannot round, without touching the caller's context."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(EXACT):
            return func(*args, **kwargs)

    return run


def to_decimal(value: Fraction) -> Decimal:
    """The exact decimal of a fraction when it terminates, else rounded half-even to 20 places."""
    denominator = value.denominator
    for prime in (2, 5):
        while denominator % prime == 0:
            denominator //= prime
    if denominator == 1:
        # Terminating: scale by a power of ten that makes it whole, exactly.
        places = 0
        while (value * 10**places).denominator != 1:
            places += 1
        return Decimal(int(value * 10**places)).scaleb(-places)
    whole = round(value * 10**REPEATING_PLACES)  # Fraction rounds half to even, exactly.
    return Decimal(whole).scaleb(-REPEATING_PLACES)


def token_cost(tokens: int, price_mtok: Decimal) -> Decimal:
    """`tokens` at `price_mtok` USD per 1M tokens; always exact."""
    return to_decimal(Fraction(tokens) * Fraction(price_mtok) / MILLION)


def storage_fraction(tokens: int, price_mtok_hour: Decimal, seconds: int) -> Fraction:
    """Storage of `tokens` for `seconds`, prorated, as an exact fraction of a dollar."""
    return Fraction(tokens) * Fraction(price_mtok_hour) * seconds / (MILLION * SECONDS_PER_HOUR)


def storage_cost(tokens: int, price_mtok_hour: Decimal, seconds: int) -> Decimal:
    """Storage of `tokens` for `seconds` at `price_mtok_hour` USD per 1M tokens per hour."""
    return to_decimal(storage_fraction(tokens, price_mtok_hour, seconds))


def divide(amount: Decimal, by: int | Decimal) -> Decimal:
    """`amount / by`, exact when it terminates."""
    return to_decimal(Fraction(amount) / Fraction(by))
