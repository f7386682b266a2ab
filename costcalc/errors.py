"""Errors a user can fix; the CLI prints them as one line and exits non-zero."""

from __future__ import annotations


class CostcalcError(Exception):
    """A problem with the user's input or price tables, phrased as what to do about it."""

    exit_code = 2


class PricingFileError(CostcalcError):
    """A price table that cannot be read or does not validate; the message starts with file:line."""

    exit_code = 1
