from __future__ import annotations

from decimal import Decimal

import pytest

from costcalc.errors import CostcalcError
from costcalc.units import format_duration, format_usd, parse_count, parse_date, parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("1000000", 1_000_000), ("1_000_000", 1_000_000), ("1M", 1_000_000), ("1.5M", 1_500_000),
    ("128k", 128_000), ("128K", 128_000), ("0", 0), ("200000", 200_000), ("2.048k", 2_048),
])
def test_token_counts(text: str, expected: int) -> None:
    assert parse_count(text) == expected


@pytest.mark.parametrize("text", ["-5", "abc", "1.5", "1.2345k", "1e6", "1__000", "1_", "5x", "", "1M1",
                                  "99999999999", "nan", "inf", "100.0000000000000000000000000001k", "١٢٣"])
def test_bad_token_counts_say_what_to_do(text: str) -> None:
    with pytest.raises(CostcalcError) as caught:
        parse_count(text)
    assert "\n" not in str(caught.value)


def test_zero_queries_refused() -> None:
    with pytest.raises(CostcalcError, match="at least 1"):
        parse_count("0", "--queries", allow_zero=False)


@pytest.mark.parametrize(("text", "seconds"), [
    ("90s", 90), ("30m", 1800), ("1h", 3600), ("1.5h", 5400), ("2d", 172_800), ("1min", 60),
])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0s", "-1h", "1.5s", "1w", "h", "100000d", "300",
                                  "1.0000000000000000000000000000001h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(CostcalcError):
        parse_duration(text)


def test_dates() -> None:
    assert str(parse_date("2024-05-24")) == "2024-05-24"
    with pytest.raises(CostcalcError, match="YYYY-MM-DD"):
        parse_date("24/05/2024")


@pytest.mark.parametrize(("amount", "shown"), [
    ("7", "$7.00"), ("7.168", "$7.168"), ("0.0000042", "$0.0000042"), ("1234567.5", "$1,234,567.50"),
    ("0.01666666666666666667", "≈$0.016667"), ("-2.5", "-$2.50"), ("0", "$0.00"),
])
def test_money_display_never_hides_a_fraction_of_a_cent(amount: str, shown: str) -> None:
    assert format_usd(Decimal(amount)) == shown


def test_duration_display() -> None:
    assert format_duration(5400) == "1h 30m"
    assert format_duration(90) == "1m 30s"
    assert format_duration(86400 + 1) == "1d 1s"
