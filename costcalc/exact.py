"""The Decimal context in which money arithmetic cannot round."""

from __future__ import annotations

from decimal import Context

EXACT = Context(prec=120)
"""Counts are capped at 10^12 and prices at 12 decimal places, so every product and sum fits in 120 digits:
inside `exact`, Decimal arithmetic never rounds (the default context would round past 28 digits)."""
