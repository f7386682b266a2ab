"""The fast path's batch check of times (`times.all_utc_times`) against the regular expression it stands for."""

from __future__ import annotations

import json
import random
from pathlib import Path

from costcalc.usage.api import bill
from costcalc.usage.times import UTC_TIME, all_utc_times

_GOOD = ("2026-03-15T01:52:10.408062Z", "2026-12-31T23:59:59.999999Z", "2026-01-01T00:00:00.000000Z",
         "2026-07-04T19:05:59.123456Z")
_SWAPS = ("0", "5", "6", "9", "2", "4", "Z", "z", "t", " ", "+", "\u0663", "é", "")


def _mutated(rng: random.Random) -> str:
    stamp = rng.choice(_GOOD)
    if rng.random() < 0.7:
        return stamp
    where = rng.randrange(len(stamp))
    return stamp[:where] + rng.choice(_SWAPS) + stamp[where + 1:]


def test_batch_check_equals_the_regular_expression_on_every_stamp() -> None:
    rng = random.Random(5)
    answers = set()
    for _ in range(3_000):
        stamps = [_mutated(rng) for _ in range(rng.randint(1, 6))]
        expected = all(UTC_TIME.fullmatch(stamp) is not None for stamp in stamps)
        assert all_utc_times(stamps) == expected, stamps
        answers.add(expected)
    assert answers == {True, False}


def test_hours_minutes_and_seconds_out_of_range_are_not_utc_times() -> None:
    base = "2026-03-15T01:52:10.408062Z"
    for bad in ("2026-03-15T24:52:10.408062Z", "2026-03-15T29:00:00.000000Z", "2026-03-15T01:60:10.408062Z",
                "2026-03-15T01:52:61.408062Z", "2026-03-15T31:52:10.408062Z"):
        assert not all_utc_times([base, bad]) and not all_utc_times([bad, base])
    assert all_utc_times([base, "2026-03-15T23:59:59.999999Z", "2026-03-15T20:00:00.000000Z"])
    # one byte longer in UTF-8 for one character fewer: the same byte length, not the same shape
    assert not all_utc_times([base, "2026-03-15T01:52:10.40806\u00e9"])


def test_a_stamp_holding_a_newline_is_not_two_good_stamps(tmp_path: Path) -> None:
    # Found by a differential fuzzer: the batch check joins the stamps with newlines, so "…Z\n…Z" passed as two
    # rows and the fast path billed the record; the reference reading refuses it (bad_time).
    stamps = ["2026-03-10T12:00:00Z", "2026-03-10T12:00:00Z\n2026-03-11T12:00:00Z"]
    assert not all_utc_times(stamps)
    log = tmp_path / "log.jsonl"
    first = {"modelVersion": "gemini-2.5-flash", "timestamp": stamps[0], "usageMetadata": {"promptTokenCount": 100}}
    second = {**first, "timestamp": stamps[1], "usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 10}}
    log.write_text(json.dumps(first) + "\n" + json.dumps(second) + "\n")
    result = bill([log])
    assert result.records.responses == 1 and [bad.code for bad in result.bad_records] == ["bad_time"]
