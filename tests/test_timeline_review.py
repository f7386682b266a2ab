"""Regressions from the review of the timeline wing: library boundary, dates, caps, wording (docs/timelines.md)."""

from __future__ import annotations

import json
import os
import sys
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.cost.money import to_decimal
from costcalc.errors import CostcalcError
from costcalc.timeline.generate import generate_timeline
from costcalc.timeline.models import TimelineRow, TrafficWorkload
from costcalc.timeline.reader import read_timeline
from costcalc.timeline.recommend import recommend
from costcalc.timeline.simulate import simulate
from costcalc.timeline.traffic import Timeline, timeline_from_rows
from tests.conftest import REPO

D = Decimal
AS_OF = date(2026, 1, 15)  # 2.5 Pro: input 1.25/2.50, cached 0.125/0.25, storage 4.50; 2.5 Flash: 0.30/0.03/1.00
BURSTY = str(REPO / "examples" / "bursty.csv")
PRO = ["--model", "gemini-2.5-pro", "--context", "100k"]


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> dict[str, Any]:
    code, out, err = _run(*args, "--format", "json")
    assert code == 0, err
    data: dict[str, Any] = json.loads(out)
    return data


def _error(*args: str) -> str:
    code, out, err = _run(*args)
    assert code == 2, (code, out, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    return err


def _sparse(tmp_path: Path) -> str:
    """Three queries a day apart: no cache pays for itself (a creation alone, $0.125, beats no read saving)."""
    path = tmp_path / "sparse.csv"
    path.write_text("timestamp\n2026-01-05T09:00:00Z\n2026-01-06T09:00:00Z\n2026-01-07T09:00:00Z\n")
    return str(path)


def _bursty(tables: PriceTables) -> Timeline:
    return read_timeline(BURSTY, TrafficWorkload(context_tokens=100_000))


# 1. Floats, bools and out-of-range hit rates are refused, as estimate() refuses them.
@pytest.mark.parametrize("rate", [0.1, True, D("1.5"), D("-0.1"), D("NaN"), "0.5"])
def test_hit_rate_must_be_exact_and_between_0_and_1(tables: PriceTables, rate: object) -> None:
    with pytest.raises(CostcalcError, match="hit_rate"):
        simulate(tables.find_model("gemini-2.5-pro"), _bursty(tables), AS_OF, hit_rate=rate)  # type: ignore[arg-type]


def test_hit_rate_as_a_fraction_is_exact(tables: PriceTables) -> None:
    result = simulate(tables.find_model("gemini-2.5-pro"), _bursty(tables), AS_OF, hit_rate=Fraction(1, 10),
                      strategies="implicit")
    row = result.find("implicit")
    assert row is not None
    # 30 x (0.1 x 100,000 x $0.125 + 0.9 x 100,000 x $1.25) / 1M = 30 x $0.11375
    assert row.total == 30 * (D("0.1") * 100_000 * D("0.125") + D("0.9") * 100_000 * D("1.25")) / 10**6


# 2. No break-even hit rate in 0..1: null with the reason, in simulate and recommend alike.
def test_implicit_break_even_outside_0_to_1_is_null_with_a_reason(tmp_path: Path) -> None:
    args = (*PRO, "--timeline", _sparse(tmp_path), "--as-of", "2026-01-15")
    data = _json("simulate", *args)
    # none = 3 x 100,000 x $1.25/1M = $0.375; every explicit strategy pays >= 3 creations on top of reads
    assert D(data["strategies"][0]["total"]) == D("0.375")
    assert data["implicit_break_even_hit_rate"] is None
    assert data["implicit_break_even_reason"] == "implicit caching alone is cheaper than every explicit strategy " \
                                                 "at any hit rate"
    advice = _json("recommend", *args)
    assert advice["implicit_break_even_hit_rate"] is None and "any hit rate" in advice["implicit_break_even_reason"]
    assert advice["simulation"]["implicit_break_even_hit_rate"] is None


# 3. A negative seed is a one-line error.
def test_negative_seed_is_refused() -> None:
    assert "--seed" in _error("simulate", *PRO, "--rate", "20/h", "--for", "1d", "--seed", "-1")
    with pytest.raises(CostcalcError, match="seed"):
        generate_timeline(D(20), 3600, TrafficWorkload(context_tokens=1000), seed=-1)
    with pytest.raises(CostcalcError, match="seed"):
        generate_timeline(D(20), 3600, TrafficWorkload(context_tokens=1000), seed=True)


@pytest.mark.parametrize(("rate", "seconds", "name"), [(20.0, 3600, "rate_per_hour"), (True, 3600, "rate_per_hour"),
                                                       (20, 1.5, "duration_seconds"), (20, 0, "duration_seconds"),
                                                       (20, 10**12, "duration_seconds")])
def test_generate_arguments_are_checked(rate: Any, seconds: Any, name: str) -> None:
    with pytest.raises(CostcalcError, match=name):
        generate_timeline(rate, seconds, TrafficWorkload(context_tokens=1000))
    # 20 an hour for an hour, evenly: 20 queries
    assert generate_timeline(20, 3600, TrafficWorkload(context_tokens=1000), arrivals="even").queries == 20


# 4. Caps on the TTL grid and on strategies x queries.
def test_too_many_ttls_are_refused(tables: PriceTables) -> None:
    grid = ",".join(f"{minutes}m" for minutes in range(1, 150))
    assert "at most 100" in _error("simulate", *PRO, "--timeline", BURSTY, "--ttls", grid)
    with pytest.raises(CostcalcError, match="at most 100"):
        simulate(tables.find_model("gemini-2.5-pro"), _bursty(tables), AS_OF, ttls=list(range(60, 60 + 101)))


def test_work_is_capped(tables: PriceTables, monkeypatch: pytest.MonkeyPatch) -> None:
    from costcalc.timeline import inputs

    monkeypatch.setattr(inputs, "MAX_WORK", 30 * 3)
    entry, timeline = tables.find_model("gemini-2.5-pro"), _bursty(tables)
    simulate(entry, timeline, AS_OF, strategies="none,explicit:1h,optimal")  # 3 strategies x 30 queries fit
    simulate(entry, timeline, AS_OF, strategies="none,explicit:1h")  # + optimal, always counted: still 3
    with pytest.raises(CostcalcError, match=r"4 strategies x 30 queries .* fewer --ttls or --strategies"):
        simulate(entry, timeline, AS_OF, strategies="none,explicit:1h,refresh:1h")


# 5. Shut-down models and the timeline's dates against the price date.
def test_shutdown_and_price_date_notes() -> None:
    code, out, _ = _run("recommend", "--model", "gemini-1.5-pro", "--context", "100k", "--timeline", BURSTY)
    assert code == 0
    assert "gemini-1.5-pro was shut down on about 2025-09-24; these are the last prices it had" in out
    assert "dated 2026-01-05" in out and "no --as-of given" in out
    code, out, _ = _run("simulate", *PRO, "--timeline", BURSTY, "--as-of", "2025-07-15")
    assert "outside the prices in force on 2025-07-15" in out and "give --as-of 2026-01-05" in out
    code, out, _ = _run("simulate", *PRO, "--timeline", BURSTY, "--as-of", "2026-01-15")
    assert "dated" not in out  # inside the period used, and the date was chosen
    code, out, _ = _run("simulate", *PRO, "--rate", "20/h", "--for", "1d", "--arrivals", "even")
    assert "dated" not in out  # generated traffic's start is a convention


def test_epoch_relative_times_get_no_impossible_as_of(tmp_path: Path) -> None:
    path = tmp_path / "relative.csv"
    path.write_text("timestamp\n0\n600\n")
    out = _run("simulate", *PRO, "--timeline", str(path), "--as-of", "2026-01-15")[1]
    assert "fall on 1970-01-01, before gemini-2.5-pro had any price" in out and "--as-of 1970" not in out


# 6. A JSONL field given twice.
def test_jsonl_field_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text('{"timestamp": 0}\n{"timestamp": 0, "timestamp": 5}\n')
    with pytest.raises(CostcalcError, match=r"line 2: field 'timestamp' is given twice"):
        read_timeline(path, TrafficWorkload(context_tokens=1000))


# 7. Library inputs raise CostcalcError naming the argument.
def test_library_arguments_are_checked(tables: PriceTables) -> None:
    entry, timeline = tables.find_model("gemini-2.5-pro"), _bursty(tables)
    for call, name in [(lambda: simulate(entry, None, AS_OF), "timeline"),  # type: ignore[arg-type]
                       (lambda: simulate(None, timeline, AS_OF), "entry"),  # type: ignore[arg-type]
                       (lambda: recommend(None), "simulation"),  # type: ignore[arg-type]
                       (lambda: read_timeline(5, TrafficWorkload(context_tokens=1)), "path"),  # type: ignore[arg-type]
                       (lambda: simulate(entry, timeline, AS_OF, batch="no"), "batch"),  # type: ignore[arg-type]
                       (lambda: TimelineRow(timestamp=0, context_tokens=-5), "context_tokens"),
                       (lambda: TrafficWorkload(context_tokens=1.5), "context_tokens"),  # type: ignore[arg-type]
                       (lambda: TimelineRow(timestamp=True, context_tokens=True), "timestamp"),
                       (lambda: TimelineRow(timestamp=0, context_tokens=True), "context_tokens"),
                       (lambda: timeline_from_rows([{"timestamp": 0, "context_tokens": True}]), "context_tokens")]:
        with pytest.raises(CostcalcError, match=name):
            call()


@pytest.mark.parametrize("ttls", [[1.5], [0], [10**12], [-60], [True], "300"])
def test_library_ttls_are_whole_seconds_up_to_ten_years(tables: PriceTables, ttls: Any) -> None:
    with pytest.raises(CostcalcError, match=r"ttls must be a list|from 1 to 316,224,000 \(ten years\)"):
        simulate(tables.find_model("gemini-2.5-pro"), _bursty(tables), AS_OF, ttls=ttls)


# 8. per_query: the exact total divided, rounded once.
def test_per_query_is_rounded_once(tables: PriceTables) -> None:
    rows = [{"timestamp": second, "context_tokens": 100_000} for second in range(2)]
    result = simulate(tables.find_model("gemini-2.5-flash"), timeline_from_rows(rows), AS_OF,
                      strategies="explicit:5m")
    row = result.find("explicit:5m")
    assert row is not None and row.per_query is not None
    # one creation 100,000 x $0.30/1M = $0.03; storage 100,000 x 300 s x $1.00 / (1M x 3600 s) = $1/120;
    # two cached reads 2 x 100,000 x $0.03/1M = $0.006. Halving the total of rounded parts would give 21 places.
    exact_total = Fraction("0.03") + Fraction(1, 120) + Fraction("0.006")
    assert row.per_query == to_decimal(exact_total / 2) == D("0.02216666666666666667")


# 9. --for is not a cache lifetime.
def test_for_errors_name_the_option() -> None:
    err = _error("simulate", *PRO, "--rate", "20/h", "--for", "0s")
    assert "--for (how long the generated traffic lasts) must be longer than 0" in err
    assert "cache lifetime" not in err


# 10. The header as estimate shows it: "about" for an estimated date, and how sure the figures are.
def test_header_says_about_and_confidence() -> None:
    for command in ("simulate", "recommend"):
        code, out, _ = _run(command, *PRO, "--timeline", BURSTY, "--as-of", "2026-01-15")
        assert code == 0 and "from about 2025-10-08" in out.splitlines()[0]
        assert out.splitlines()[1] == "Figures used: confirmed"


# 11. ISO fractions finer than a microsecond are refused, like epoch seconds.
@pytest.mark.parametrize("stamp", ["2026-01-05T09:00:00.1234567Z", "1767603600.1234567"])
def test_sub_microsecond_timestamps_are_refused(tmp_path: Path, stamp: str) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"timestamp\n2026-01-05T08:00:00Z\n{stamp}\n")
    with pytest.raises(CostcalcError, match=r"line 3: .*round it to 6 decimals"):
        read_timeline(path, TrafficWorkload(context_tokens=1000))


# 12. Wording: optimal bounds explicit caching; g* per tier; implicit's expected hits; recommend vs simulate.
def test_implicit_shows_expected_hits_and_optimal_is_an_explicit_bound() -> None:
    out = _run("simulate", *PRO, "--timeline", BURSTY, "--as-of", "2026-01-15")[1]
    implicit = next(line for line in out.splitlines() if line.startswith("implicit"))
    assert "15 (expected)" in implicit  # 50% of 30 queries
    assert "lowest cost any explicit-cache schedule can reach" in out and "no real policy" not in out
    rows = {row["strategy"]: row for row in _json("simulate", *PRO, "--timeline", BURSTY, "--as-of",
                                                  "2026-01-15", "--hit-rate", "0.37")["strategies"]}
    assert rows["implicit"]["cached_queries"] is None and D(rows["implicit"]["expected_cached_queries"]) == D("11.1")


def test_every_g_star_used_is_printed(tmp_path: Path) -> None:
    path = tmp_path / "two.csv"
    path.write_text("timestamp,key,context_tokens\n0,small,100000\n60,small,100000\n0,large,250000\n60,large,250000\n")
    out = _run("simulate", "--model", "gemini-2.5-pro", "--timeline", str(path), "--as-of", "2026-01-15")[1]
    # lower tier: 3600 x 1.25 / 4.50 = 1000 s; long context: 3600 x 2.50 / 4.50 = 2000 s
    assert "1000 s (lower-tier contexts), 2000 s (long-context contexts)" in out


def test_recommend_explains_why_it_is_not_implicit(tmp_path: Path) -> None:
    args = (*PRO, "--timeline", _sparse(tmp_path), "--as-of", "2026-01-15")
    assert "Cheapest: implicit" in _run("simulate", *args)[1]
    out = _run("recommend", *args)[1]
    assert "Recommendation: none" in out and "simulate lists implicit as cheapest" in out


# 13. Small ones.
def test_one_query_is_singular(tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("timestamp\n0\n")
    out = _run("simulate", *PRO, "--timeline", str(path), "--as-of", "2026-01-15")[1]
    assert "Traffic: 1 query, 1 key," in out


@pytest.mark.skipif(sys.platform == "win32", reason="FIFOs are POSIX")
def test_plot_onto_a_fifo_is_refused(tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    fifo = tmp_path / "chart.png"
    os.mkfifo(fifo)
    assert "not a regular file" in _error("simulate", *PRO, "--timeline", BURSTY, "--plot", str(fifo))


def test_timeline_counts_take_the_flag_grammar(tmp_path: Path) -> None:
    for name, text in (("t.csv", "timestamp,context_tokens\n0,1k\n60,1_000\n"),
                       ("t.jsonl", '{"timestamp": 0, "context_tokens": "1k"}\n{"timestamp": 60, '
                                   '"context_tokens": 1000}\n')):
        path = tmp_path / name
        path.write_text(text)
        assert read_timeline(path).key_context.tolist() == [1000]
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp,context_tokens\n0,1x\n")
    with pytest.raises(CostcalcError, match="line 2: context_tokens '1x'"):
        read_timeline(bad)


def test_capital_m_is_not_minutes() -> None:
    assert "M means million" in _error("simulate", *PRO, "--timeline", BURSTY, "--ttls", "5M")
    assert "M means million" in _error("simulate", *PRO, "--timeline", BURSTY, "--strategies", "explicit:5M")
    assert "M means million" in _error("estimate", *PRO, "--ttl", "5M")
    assert "lower-case" in _error("simulate", *PRO, "--rate", "20/M", "--for", "1d")


def test_ttl_grid_is_checked_before_traffic_is_generated() -> None:
    # 200/s for a day would be 17,280,000 queries; the oversize grid is refused before any is generated.
    grid = ",".join(f"{seconds}s" for seconds in range(60, 60 + 2_000))
    assert "at most 100" in _error("simulate", *PRO, "--rate", "200/s", "--for", "1d", "--ttls", grid)


def test_estimate_says_1_query() -> None:
    out = _run("estimate", *PRO, "--as-of", "2026-01-15")[1]
    assert "per query · 1 query · cache lifetime" in out
