"""RFC 3339 times to exact integer nanoseconds since 1970-01-01T00:00:00Z (docs/usage-billing.md, Times)."""

from __future__ import annotations

import re
from datetime import date

NS_PER_SECOND = 10**9
NS_PER_HOUR = 3600 * NS_PER_SECOND
NS_PER_DAY = 86400 * NS_PER_SECOND
_EPOCH = date(1970, 1, 1).toordinal()
FIRST_NS, LAST_NS = -(2**63), 2**63 - 1
"""The instants 64-bit nanoseconds hold (1677-09-21 to 2262-04-11), as in the usage relation, Parquet, Spark and
DuckDB: every engine refuses a time outside them (`bad_time`), so all give the same bill."""
LAST_FAST_DAY = "2262-04-10"
"""The last UTC day whose every instant is in range: a fast path takes days up to it, the reference reading the
rest."""

_TIME = re.compile(
    r"(\d{4})-(\d\d)-(\d\d)[Tt ]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d{1,9}))?"
    r"(?:([Zz])|([+-])([01]\d|2[0-3]):([0-5]\d))",
    re.ASCII,
)
_UTC_TIME = r"\d{4}-\d\d-\d\d[Tt ](?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d{1,9})?[Zz]"
UTC_TIME = re.compile(_UTC_TIME, re.ASCII)
"""A time in UTC (`Z`): its UTC date is its first ten characters."""
UTC_TIMES = re.compile(f"(?:{_UTC_TIME}\n)*", re.ASCII)
"""Many UTC times, each followed by a newline: checks a whole batch of records in one call."""


def parse_time(text: str) -> int | None:
    """Nanoseconds since the epoch (UTC) of an RFC 3339 time with a zone, or None if it is not one."""
    match = _TIME.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_hours, offset_minutes = match.groups()
    try:
        ordinal = date(int(year), int(month), int(day)).toordinal()
    except ValueError:
        return None
    seconds = (ordinal - _EPOCH) * 86400 + int(hour) * 3600 + int(minute) * 60 + int(second)
    if zulu is None:
        offset = int(offset_hours) * 3600 + int(offset_minutes) * 60
        seconds += -offset if sign == "+" else offset
    return seconds * NS_PER_SECOND + int((fraction or "0").ljust(9, "0"))


def day_of(ns: int) -> date:
    """The UTC date of an instant."""
    return date.fromordinal(_EPOCH + ns // NS_PER_DAY)


def start_of(day: date) -> int:
    """00:00 UTC of `day`, in nanoseconds since the epoch."""
    return (day.toordinal() - _EPOCH) * NS_PER_DAY


_DIGITS = bytes.maketrans(b"0123456789", b"0000000000")
_TWO = bytes.maketrans(b"0123456789", b"\0\0\1\0\0\0\0\0\0\0")  # an hour's tens digit 2
_FOUR_UP = bytes.maketrans(b"0123456789", b"\0\0\0\0\1\1\1\1\1\1")  # an hour's units digit 4-9


def all_utc_times(stamps: list[str]) -> bool:
    """True when every stamp is a UTC time (UTC_TIME), decided a whole batch at a time.

    Logs write every time in one format, so the batch is checked as columns: all stamps have the shape of the
    first (digits as 0), minutes and seconds start with 0-5, and no hour is 24-29. Any other batch is checked by
    the regular expression. Either way the answer is the regular expression's.
    """
    if not stamps:
        return True
    first = stamps[0]
    if not UTC_TIME.fullmatch(first):
        return False
    width = len(first) + 1
    joined = ("\n".join(stamps) + "\n").encode()  # bytes: translate is a table lookup per byte, not per character
    if len(joined) != width * len(stamps) or joined.translate(_DIGITS) != (
            first.encode().translate(_DIGITS) + b"\n") * len(stamps):
        # One newline per stamp: a stamp holding an escaped newline would otherwise pass as two good rows.
        text = joined.decode()
        return text.count("\n") == len(stamps) and UTC_TIMES.fullmatch(text) is not None
    if max(joined[14::width]) > 0x35 or max(joined[17::width]) > 0x35 or max(joined[11::width]) > 0x32:  # "5", "2"
        return False
    tens = joined[11::width].translate(_TWO)
    units = joined[12::width].translate(_FOUR_UP)
    return int.from_bytes(tens, "big") & int.from_bytes(units, "big") == 0
