"""Timestamps to exact integer microseconds since the Unix epoch (docs/timelines.md, "Timestamps").

Epoch seconds (`1767225600.25`) are parsed digit by digit with array arithmetic, so a million of them cost
about what reading them does; ISO 8601 strings go through `datetime.fromisoformat`, one by one.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

import numpy as np
import numpy.typing as npt

MICROS = 1_000_000
MAX_INT_DIGITS = 11
"""Epoch seconds up to 99,999,999,999 (the year 5138): a longer number is milliseconds or a typo."""
_CHUNK = 1 << 17
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
_ISO_FRACTION = re.compile(r"\d:\d\d[.,](\d+)")
"""The seconds' fraction of an ISO time, which fromisoformat would cut to 6 digits without a word."""
_POW10 = np.array([10**k for k in range(18)], dtype=np.int64)


class TimestampError(ValueError):
    """A timestamp that is not one; `index` is its position in the input."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


def parse_timestamps(texts: list[str]) -> npt.NDArray[np.int64]:
    """Each text as microseconds since 1970-01-01 UTC; raises TimestampError for the first bad one."""
    count = len(texts)
    micros = np.empty(count, dtype=np.int64)
    slow: list[int] = []
    for start in range(0, count, _CHUNK):
        part = texts[start:start + _CHUNK]
        values, ok = _parse_epoch_chunk(part)
        micros[start:start + len(part)] = values
        slow.extend((np.flatnonzero(~ok) + start).tolist())
    for index in slow:
        micros[index] = parse_one(texts[index], index)
    return micros


def _parse_epoch_chunk(texts: list[str]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """Plain `digits[.digits]` epoch seconds with at most 6 decimals, by place value; the rest marked not ok."""
    array = np.array(texts, dtype=str)
    width = array.dtype.itemsize // 4
    if width == 0:
        return np.zeros(len(texts), dtype=np.int64), np.zeros(len(texts), dtype=bool)
    codes = array.view(np.uint32).reshape(len(texts), width).astype(np.int64)
    digit = codes - 48
    is_digit = (digit >= 0) & (digit <= 9)
    is_dot = codes == 46
    is_pad = codes == 0
    length = width - is_pad.sum(axis=1)
    dots = is_dot.sum(axis=1)
    dot_at = np.where(dots > 0, is_dot.argmax(axis=1), length)
    decimals = np.where(dots > 0, length - dot_at - 1, 0)
    ok = ((is_digit | is_dot | is_pad).all(axis=1) & (dots <= 1) & (dot_at >= 1) & (dot_at <= MAX_INT_DIGITS)
          & (decimals <= 6))
    position = np.arange(width, dtype=np.int64)[None, :]
    # Place value in microseconds: 10^(5 + digits left of the dot - position) before it, one less after it.
    exponent = dot_at[:, None] - position + np.where(position < dot_at[:, None], 5, 6)
    weights = _POW10[np.clip(exponent, 0, 17)]
    values = np.where(is_digit & (exponent >= 0), digit, 0) * weights
    return values.sum(axis=1), ok


def parse_one(text: object, index: int) -> int:
    """One timestamp: epoch seconds (a number or its text) or ISO 8601 with a zone."""
    if isinstance(text, bool) or not isinstance(text, (str, int)):
        raise TimestampError(index, f"timestamp {text!r} is not a time; write epoch seconds or ISO 8601 with a zone")
    raw = str(text).strip()
    if not raw:
        raise TimestampError(index, "timestamp is missing; every query needs one (epoch seconds or ISO 8601)")
    if raw[0] in "+-0123456789" and ":" not in raw and "T" not in raw.upper() and raw.count("-") <= 1:
        return _epoch(raw, index)
    fraction = _ISO_FRACTION.search(raw)
    if fraction is not None and len(fraction.group(1)) > 6:
        raise TimestampError(index, f"timestamp {raw!r} is finer than a microsecond; costcalc keeps time to the "
                             "microsecond, so round it to 6 decimals")
    try:
        moment = datetime.fromisoformat(raw[:-1] + "+00:00" if raw[-1] in "zZ" else raw)
    except ValueError:
        raise TimestampError(index, f"timestamp {raw!r} is neither epoch seconds nor ISO 8601 "
                             "(like 2026-01-05T09:30:00Z)") from None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise TimestampError(index, f"timestamp {raw!r} has no time zone; add one, e.g. {raw}Z or {raw}+01:00")
    return (moment - _EPOCH) // timedelta(microseconds=1)


def _epoch(raw: str, index: int) -> int:
    try:
        seconds = Decimal(raw)
    except InvalidOperation:
        raise TimestampError(index, f"timestamp {raw!r} is not a number of epoch seconds") from None
    if not seconds.is_finite():
        raise TimestampError(index, f"timestamp {raw!r} is not a number of epoch seconds")
    micros = seconds * MICROS
    if micros != micros.to_integral_value():
        raise TimestampError(index, f"timestamp {raw!r} is finer than a microsecond; costcalc keeps time to the "
                             "microsecond, so round it to 6 decimals")
    if abs(seconds) >= 10**MAX_INT_DIGITS:
        raise TimestampError(index, f"timestamp {raw!r} is too large for epoch seconds (milliseconds? divide by 1000)")
    return int(micros)
