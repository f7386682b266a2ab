"""Parsing what users type (token counts, durations, dates) and formatting money for people."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation, localcontext

from costcalc.errors import CostcalcError
from costcalc.exact import EXACT

MAX_TOKENS = 10**10
"""Larger counts are typos: no Gemini model reads more than a few million tokens per request."""
MAX_QUERIES = 10**12
MAX_TTL_SECONDS = 366 * 86400 * 10

_TOKEN_SUFFIX = {"": 1, "k": 1_000, "m": 1_000_000}
_DURATION_SUFFIX = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
MAX_DIGITS = 120
"""Exact arithmetic runs at 120 significant digits (money.EXACT); a longer number would be rounded."""
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})$")  # one grammar on every Python version
_NUMBER = re.compile(r"^([0-9][0-9_]*(?:\.[0-9]+)?)([a-z]*)$")  # ASCII digits only


def check_digits(text: str, what: str) -> None:
    """Refuse a number with more digits than exact arithmetic holds, instead of rounding it silently."""
    if sum(character.isdigit() for character in text) > MAX_DIGITS:
        raise CostcalcError(f"{what} has more than {MAX_DIGITS} digits; check the number")


def _split(text: str, what: str, example: str) -> tuple[Decimal, str]:
    check_digits(text, what)
    match = _NUMBER.match(text.strip().lower())
    if not match or "__" in match.group(1) or match.group(1).endswith("_"):
        raise CostcalcError(f"{what} {text!r} is not a number; write it like {example}")
    try:
        return Decimal(match.group(1).replace("_", "")), match.group(2)
    except InvalidOperation:  # pragma: no cover - the regex admits only valid decimals
        raise CostcalcError(f"{what} {text!r} is not a number; write it like {example}") from None


def parse_count(text: str, what: str = "token count", *, allow_zero: bool = True,
                maximum: int = MAX_TOKENS) -> int:
    """`1000000`, `1_000_000`, `1M`, `1.5M`, `128k` -> a whole number (k = 1,000, M = 1,000,000)."""
    if text.strip().startswith("-"):
        raise CostcalcError(f"{what} {text!r} is negative; give a count of 0 or more")
    value, suffix = _split(text, what, "128k, 1.5M or 1_000_000")
    if suffix not in _TOKEN_SUFFIX:
        raise CostcalcError(f"{what} {text!r} has an unknown suffix {suffix!r}; use k (1,000) or M (1,000,000)")
    with localcontext(EXACT):
        scaled = value * _TOKEN_SUFFIX[suffix]
        whole = scaled == scaled.to_integral_value()
    if not whole:
        raise CostcalcError(f"{what} {text!r} is not a whole number")
    count = int(scaled)
    if count == 0 and not allow_zero:
        raise CostcalcError(f"{what} must be at least 1, got {text!r}")
    if count > maximum:
        raise CostcalcError(f"{what} {text!r} is larger than {maximum:,}; check the number")
    return count


_COMPOUND = re.compile(r"^(?:[0-9][0-9_]*(?:\.[0-9]+)?(?:d|h|min|m|s)){2,}$")
_COMPOUND_PART = re.compile(r"[0-9][0-9_]*(?:\.[0-9]+)?(?:d|h|min|m|s)")


def parse_duration(text: str, what: str = "cache lifetime") -> int:
    """`90s`, `30m`, `1h`, `1.5h`, `2d`, `1h30m` -> whole seconds, at least 1; a bare number is refused as ambiguous.

    Units are lower-case: `M` means million in token counts, so `5M` is refused rather than read as minutes.
    """
    raw = text.strip()
    if _COMPOUND.match(raw):  # 1h30m: the sum of its parts, each read by the one-unit grammar below
        seconds = sum(parse_duration(part, what) for part in _COMPOUND_PART.findall(raw))
        if seconds > MAX_TTL_SECONDS:
            raise CostcalcError(f"{what} {text!r} is longer than ten years; check the number")
        return seconds
    return _parse_one_duration(text, what)


def _parse_one_duration(text: str, what: str) -> int:
    if text.strip().startswith("-"):
        raise CostcalcError(f"{what} {text!r} is negative; give a duration like 30m or 1h")
    raw = text.strip()
    unit_text = re.sub(r"^[0-9_.]*", "", raw)
    if unit_text != unit_text.lower():
        hint = " (M means million; write m for minutes)" if "M" in unit_text else ""
        raise CostcalcError(f"{what} {text!r}: units are lower-case s, m (minutes), h or d{hint}; write "
                            f"{raw[:len(raw) - len(unit_text)]}{unit_text.lower()}")
    value, suffix = _split(text, what, "90s, 30m, 1h, 1.5h or 2d")
    if not suffix:
        # The API writes TTLs in seconds ("300s") and people say hours: refuse to pick one.
        raise CostcalcError(f"{what} {text!r} has no unit; write {text.strip()}s, {text.strip()}m or "
                            f"{text.strip()}h")
    unit = _DURATION_SUFFIX.get(suffix)
    if unit is None:
        raise CostcalcError(f"{what} {text!r} has an unknown unit {suffix!r}; use s, m, h or d")
    with localcontext(EXACT):
        seconds = value * unit
        whole = seconds == seconds.to_integral_value()
    if not whole:
        raise CostcalcError(f"{what} {text!r} is not a whole number of seconds")
    if seconds <= 0:
        raise CostcalcError(f"{what} must be longer than 0, got {text!r}")
    if seconds > MAX_TTL_SECONDS:
        raise CostcalcError(f"{what} {text!r} is longer than ten years; check the number")
    return int(seconds)


def is_duration(text: str) -> bool:
    """True for `10m`, `90s`, `1h30m`, `1.5h`: a number with a lower-case time unit (so `10M` is a count)."""
    raw = text.strip()
    return bool(_COMPOUND.match(raw) or re.match(r"^[0-9][0-9_]*(?:\.[0-9]+)?(?:d|h|min|m|s)$", raw))


def parse_tokens_or_duration(text: str, what: str, tokens_per_second: int) -> tuple[int, int | None]:
    """`19200`, `19.2k` -> (tokens, None); `10m`, `90s`, `1h30m` -> (seconds x tokens_per_second, seconds).

    m is minutes here and M million, as in --ttl and --context: `10m` is ten minutes, `10M` ten million tokens.
    """
    if is_duration(text):
        seconds = parse_duration(text, what)
        tokens = seconds * tokens_per_second
        if tokens > MAX_TOKENS:
            raise CostcalcError(f"{what} {text!r} is {tokens:,} tokens, more than {MAX_TOKENS:,}; check the duration")
        return tokens, seconds
    try:
        return parse_count(text, what), None
    except CostcalcError as error:
        if text.strip().startswith("-") or "larger than" in str(error):
            raise
        raise CostcalcError(f"{what} {text!r} is neither a token count (19200, 19.2k) nor a duration (10m, 90s, "
                            "1h30m)") from None


def parse_date(text: str, what: str = "date") -> date:
    """An ISO date, `YYYY-MM-DD` and nothing else (Python 3.11's fromisoformat would also take `20240524`)."""
    match = _DATE.match(text.strip())
    try:
        if match is None:
            raise ValueError(text)
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise CostcalcError(f"{what} {text!r} is not a date; write it as YYYY-MM-DD, e.g. 2024-05-24") from None


def format_duration(seconds: int) -> str:
    """3600 -> `1h`, 5400 -> `1h 30m`, 90 -> `1m 30s`."""
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return " ".join(parts) or "0s"


def format_usd(amount: Decimal) -> str:
    """Whole cents as cents; otherwise up to six decimals (four significant digits below a cent).

    A value that had to be rounded for display starts with `≈`; JSON output always has the exact value.
    """
    with localcontext(EXACT):
        return _format_usd(amount)


def _format_usd(amount: Decimal) -> str:
    sign = "-" if amount < 0 else ""
    size = abs(amount)
    cents = size.quantize(Decimal("0.01"))
    if cents == size:
        return f"{sign}${cents:,}"
    places = 6 if size >= Decimal("0.01") else -size.adjusted() + 3
    shown = size.quantize(Decimal(1).scaleb(-places)).normalize()
    approx = "≈" if shown != size else ""
    return f"{approx}{sign}${shown:,f}"


def format_price(price: Decimal) -> str:
    """A unit price as written in the tables: at least two decimals, no trailing noise."""
    text = f"{price.normalize():f}"
    if "." not in text:
        return f"${text}.00"
    whole, frac = text.split(".")
    return f"${whole}.{frac.ljust(2, '0')}"


def format_tokens(count: int) -> str:
    return f"{count:,}"
