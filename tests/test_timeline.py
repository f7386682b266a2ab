"""Caching over time: hand-worked timelines, the command line, bad input, generated traffic and charts."""

from __future__ import annotations

import json
import os
import sys
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.errors import CostcalcError
from costcalc.timeline.models import TimelineRow, TrafficWorkload
from costcalc.timeline.simulate import simulate
from costcalc.timeline.traffic import timeline_from_rows
from tests.conftest import REPO

D = Decimal
AS_OF = date(2026, 1, 15)  # 2.5 Pro: input 1.25/2.50, cached 0.125/0.25, output 10/15, storage 4.50 per 1M per hour
BURSTY = REPO / "examples" / "bursty.csv"
BURSTY_ARGS = ["--model", "gemini-2.5-pro", "--context", "100k", "--prompt", "1000", "--output", "500",
               "--timeline", str(BURSTY), "--as-of", "2026-01-15"]


def _run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def _json(*args: str) -> dict:
    code, out, err = _run(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def _rows(data: dict) -> dict[str, dict]:
    return {row["strategy"]: row for row in data["strategies"]}


def test_three_bursts_with_two_hour_gaps_hand_worked() -> None:
    """examples/bursty.csv: bursts of 10 queries a minute apart (9 minutes each), starting 09:00, 11:09, 13:18."""
    rows = _rows(_json("simulate", *BURSTY_ARGS, "--strategies", "none,explicit,refresh:3h,refresh:auto,optimal"))
    # Per query without a cache: (100,000 + 1,000) x $1.25/1M + 500 x $10/1M = $0.13125.
    assert D(rows["none"]["total"]) == 30 * (D(101_000) * D("1.25") + 500 * 10) / 10**6 == D("3.9375")
    reads = 30 * (100_000 * D("0.125") + 1_000 * D("1.25") + 500 * 10) / 10**6  # $0.5625: 30 cached reads
    creation = 100_000 * D("1.25") / 10**6  # $0.125
    storage_hour = 100_000 * D("4.50") / 10**6  # $0.45 per hour
    # explicit:1h: each burst outlives no cache and the next starts 2 h after the last one ended: 3 caches.
    assert rows["explicit:1h"]["creations"] == 3
    assert D(rows["explicit:1h"]["total"]) == 3 * (creation + storage_hour) + reads == D("2.2875")
    # refresh:3h: every gap (at most 2 h) is shorter than 3 h: one cache from 09:00 to 13:27 + 3 h = 7.45 h.
    assert rows["refresh:3h"]["creations"] == 1
    assert rows["refresh:3h"]["storage_seconds"] == str(7 * 3600 + 27 * 60)
    assert D(rows["refresh:3h"]["total"]) == creation + storage_hour * D("7.45") + reads == D("4.04")
    # optimal: one cache per burst, living 9 minutes each (27 min = 0.45 h of storage).
    assert rows["optimal"]["creations"] == 3
    assert D(rows["optimal"]["total"]) == 3 * creation + storage_hour * D("0.45") + reads == D("1.14")
    explicit = [D(row["total"]) for name, row in rows.items() if name.startswith(("explicit", "refresh"))]
    assert all(D(rows["optimal"]["total"]) <= total for total in explicit)
    # refresh:auto = refresh:1000s (g* = 3600 x 1.25 / 4.50): 1-minute gaps kept, 2-hour gaps not.
    assert rows["refresh:auto"]["creations"] == 3 and rows["refresh:auto"]["ttl_seconds"] == "1000"


def test_json_shape_and_cheapest(tables: PriceTables) -> None:
    data = _json("simulate", *BURSTY_ARGS)
    assert list(data)[:7] == ["model", "price_effective", "queries", "keys", "strategies", "cheapest",
                              "optimal_total"]
    assert (data["model"], data["price_effective"], data["queries"], data["keys"]) == \
        ("gemini-2.5-pro", "2025-10-08", 30, 1)
    names = [row["strategy"] for row in data["strategies"]]
    assert names == ["none", "implicit", *(f"explicit:{t}" for t in ("5m", "15m", "30m", "1h", "2h", "6h", "1d")),
                     *(f"refresh:{t}" for t in ("5m", "15m", "30m", "1h", "2h", "6h", "1d")), "refresh:auto",
                     "optimal"]
    priced = [row for row in data["strategies"] if row["strategy"] != "optimal"]
    assert data["cheapest"] == min(priced, key=lambda row: D(row["total"]))["strategy"]
    assert data["optimal_total"] == "1.14"
    for row in data["strategies"]:
        assert isinstance(row["total"], str) and isinstance(row["creations"], int)
        assert D(row["excess_over_optimal"]) == D(row["total"]) - D("1.14")


def test_tier_cliff_inside_a_timeline(tables: PriceTables) -> None:
    """Context 199,000 (creation at the lower tier); fresh prompts of 500 (199,500: lower) and 2,000 (201,000:
    upper, the whole request at $2.50 input, $0.25 cached)."""
    rows = [TimelineRow(timestamp="2026-01-05T09:00:00Z", prompt_tokens=500),
            TimelineRow(timestamp="2026-01-05T09:10:00Z", prompt_tokens=2_000)]
    result = simulate(tables.find_model("gemini-2.5-pro"), timeline_from_rows(rows, TrafficWorkload(
        context_tokens=199_000)), AS_OF, strategies="none,explicit:1h,optimal")
    none, explicit, optimal = (result.find(name) for name in ("none", "explicit:1h", "optimal"))
    assert none is not None and explicit is not None and optimal is not None
    assert none.total == (199_500 * D("1.25") + 201_000 * D("2.50")) / 10**6 == D("0.751875")
    creation = 199_000 * D("1.25") / 10**6  # lower tier: the context alone is below 200,000
    read_lower = (199_000 * D("0.125") + 500 * D("1.25")) / 10**6  # $0.0255
    read_upper = (199_000 * D("0.25") + 2_000 * D("2.50")) / 10**6  # $0.05475
    assert explicit.total == creation + 199_000 * D("4.50") / 10**6 + read_lower + read_upper == D("1.2245")
    # optimal: one cache for 10 minutes (storage $0.14925) beats both no cache and two single-query caches.
    assert optimal.total == creation + 199_000 * D("4.50") / 6 / 10**6 + read_lower + read_upper == D("0.47825")
    assert any("long-context tier" in note for note in result.notes)


def test_keys_are_independent_and_add_up(tables: PriceTables) -> None:
    entry = tables.find_model("gemini-2.5-pro")
    first = [TimelineRow(timestamp=1_767_600_000 + 90 * i, key="manual", context_tokens=300_000) for i in range(5)]
    second = [TimelineRow(timestamp=1_767_600_030 + 1500 * i, key="faq", context_tokens=50_000) for i in range(4)]
    both = simulate(entry, timeline_from_rows(first + second), AS_OF)
    alone = [simulate(entry, timeline_from_rows(rows), AS_OF) for rows in (first, second)]
    assert both.keys == 2 and both.queries == 9
    for row in both.strategies:
        parts = [answer.find(row.strategy) for answer in alone]
        assert row.total == sum((part.total for part in parts if part and part.total is not None), D(0))
        assert row.creations == sum(part.creations or 0 for part in parts if part)


def test_ttl_below_the_platform_minimum_is_refused(tables: PriceTables) -> None:
    entry = replace(tables.find_model("gemini-2.5-pro"), platform="vertex-ai", min_ttl_seconds=60)
    timeline = timeline_from_rows([TimelineRow(timestamp=0)], TrafficWorkload(context_tokens=100_000))
    with pytest.raises(CostcalcError, match="at least 60 s"):
        simulate(entry, timeline, AS_OF, strategies="explicit:30s")
    code, _, err = _run("simulate", "-m", "gemini-1.5-pro", *BURSTY_ARGS[2:], "--platform", "vertex-ai",
                        "--strategies", "refresh:59s")
    assert code != 0 and "at least 60 s" in err and "Traceback" not in err


def test_vertex_bills_at_least_the_minimum_lifetime(tables: PriceTables) -> None:
    """One upper-tier query (context 150,000 + 60,000 fresh): a cache pays off alone, billed 60 s, not 0 s."""
    entry = tables.find_model("gemini-2.5-pro")
    timeline = timeline_from_rows([TimelineRow(timestamp=0, prompt_tokens=60_000)],
                                  TrafficWorkload(context_tokens=150_000))
    api = simulate(entry, timeline, AS_OF, strategies="optimal").optimal_total
    vertex = simulate(replace(entry, min_ttl_seconds=60), timeline, AS_OF, strategies="optimal").optimal_total
    assert api is not None and vertex is not None
    assert vertex - api == 150_000 * D("4.50") / 60 / 10**6 == D("0.01125")  # 60 s of storage


def test_models_without_explicit_caching_are_reported_not_priced_at_zero() -> None:
    data = _json("simulate", "--model", "gemini-4-argon", "--context", "100k", "--timeline", str(BURSTY),
                 "--as-of", "2026-11-20")
    rows = _rows(data)
    assert rows["explicit:1h"]["total"] is None and "implicit caching only" in rows["explicit:1h"]["unavailable"]
    assert rows["optimal"]["total"] is None and data["optimal_total"] is None
    assert rows["none"]["total"] is not None and rows["implicit"]["total"] is not None
    small = _rows(_json("simulate", *BURSTY_ARGS[:2], "--context", "1000", *BURSTY_ARGS[4:]))
    assert "minimum cacheable size" in small["refresh:1h"]["unavailable"] and small["refresh:1h"]["total"] is None


def test_implicit_is_exact_and_its_break_even_hit_rate_matches_the_best_explicit(tables: PriceTables) -> None:
    data = _json("simulate", *BURSTY_ARGS, "--hit-rate", "1/3".replace("1/3", "0.333333"))
    rows = _rows(data)
    # 30 x [0.333333 x 100,000 x $0.125 + 0.666667 x 100,000 x $1.25 + 1,000 x $1.25 + 500 x $10] / 1M
    expected = 30 * (D("0.333333") * 100_000 * D("0.125") + D("0.666667") * 100_000 * D("1.25") + 1_250 + 5_000)
    assert D(rows["implicit"]["total"]) == expected / 10**6
    rate = D(data["implicit_break_even_hit_rate"])
    best = min(D(row["total"]) for name, row in rows.items() if name.startswith(("explicit", "refresh")))
    saving_at_full_hits = 30 * 100_000 * (D("1.25") - D("0.125")) / 10**6  # $3.375
    assert abs(D(rows["none"]["total"]) - rate * saving_at_full_hits - best) < D("1e-18")


def test_recommend_one_screen_and_json() -> None:
    code, out, err = _run("recommend", *BURSTY_ARGS)
    assert code == 0, err
    assert "Recommendation: refresh:5m" in out and "above optimal" in out and "Break-even gap: 1000 s" in out
    data = _json("recommend", *BURSTY_ARGS)
    assert data["strategy"] == "refresh:5m" and D(data["saves_vs_none"]) == D("3.9375") - D("1.2525")
    assert D(data["above_optimal"]) == D("1.2525") - D("1.14")


def test_csv_output_has_a_row_per_strategy() -> None:
    code, out, _ = _run("simulate", *BURSTY_ARGS, "--strategies", "none,optimal", "--format", "csv")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].startswith("strategy,total,per_query,creations,storage_seconds")
    assert lines[1].startswith("none,3.9375,") and lines[2].startswith("optimal,1.14,") and lines[2].endswith(",")


def _write(tmp_path: Path, text: str, name: str = "t.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(("text", "message"), [
    ("timestamp\n2026-01-05T09:00:00Z\n\n", None),
    ("timestamp,key\n2026-01-05T09:00:00Z,a\n,a\n", "line 3: timestamp is missing"),
    ("timestamp\n1767600000\n2026-01-05T09:00:00\n", "line 3: timestamp '2026-01-05T09:00:00' has no time zone"),
    ("timestamp\n1767600000\nsoon\n", "line 3: timestamp 'soon' is neither"),
    ("timestamp,context_tokens\n1767600000,5000\n1767600060,6000\n", "line 3: key '(default)' has context_tokens"),
    ("timestamp,prompt_tokens\n1767600000,12.5\n", "line 2: prompt_tokens '12.5' is not a whole number"),
    ("timestamp\n1767600000.1234567\n", "finer than a microsecond"),
    ("", "is empty"),
    ("timestamp\n", "no rows"),
    ("time\n1767600000\n", "unknown column 'time'"),
    ('timestamp,key\n1767600000,"a"\n1767600001,"a,b",x\n', "t.csv: line 3: 3 fields"),
])
def test_bad_timelines_get_one_line_errors(tmp_path: Path, text: str, message: str | None) -> None:
    code, _, err = _run("simulate", *BURSTY_ARGS[:8], "--timeline", _write(tmp_path, text), "--as-of", "2026-01-15")
    if message is None:  # a trailing blank line is fine
        assert code == 0, err
        return
    assert code != 0 and message in err, err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_jsonl_timelines_and_a_fifo(tmp_path: Path) -> None:
    jsonl = _write(tmp_path, '{"timestamp": 1767600000.5, "key": "a"}\n{"timestamp": "2026-01-05T09:00:00+01:00"}\n',
                   "t.jsonl")
    assert _json("simulate", *BURSTY_ARGS[:8], "--timeline", jsonl, "--as-of", "2026-01-15")["keys"] == 2
    bad = _write(tmp_path, '{"timestamp": 1767600000, "when": 1}\n', "u.jsonl")
    code, _, err = _run("simulate", *BURSTY_ARGS[:8], "--timeline", bad)
    assert code != 0 and "u.jsonl: line 1: unknown field 'when'" in err
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "pipe.csv"
        os.mkfifo(fifo)
        code, _, err = _run("simulate", *BURSTY_ARGS[:8], "--timeline", str(fifo))
        assert code != 0 and "not a regular file" in err


def test_the_csv_module_path_reads_what_the_array_path_reads(tmp_path: Path, tables: PriceTables) -> None:
    """Quoted fields send a file to the csv module; both readers must give the same timeline."""
    body = "".join(f"{1767600000 + 7 * i}.25,k{i % 3},{100_000 + i % 3},{i}\n" for i in range(40))
    plain = _write(tmp_path, "timestamp,key,context_tokens,prompt_tokens\n" + body)
    quoted = _write(tmp_path, "timestamp,key,context_tokens,prompt_tokens\n" + body.replace(",k", ',"k'
                    ).replace(",1000", '",1000'), "q.csv")
    answers = [_json("simulate", "--model", "gemini-2.5-pro", "--timeline", path, "--as-of", "2026-01-15")
               for path in (plain, quoted)]
    assert answers[0] == answers[1] and answers[0]["keys"] == 3


def test_generated_traffic_even_poisson_and_profile() -> None:
    even = _json("simulate", *BURSTY_ARGS[:8], "--rate", "20/h", "--for", "1d", "--arrivals", "even",
                 "--as-of", "2026-01-15", "--strategies", "none,refresh:5m")
    assert even["queries"] == 480  # 20 an hour for 24 hours, one every 180 s
    assert _rows(even)["refresh:5m"]["creations"] == 1 and _rows(even)["refresh:5m"]["storage_seconds"] == \
        str(479 * 180 + 300)
    poisson = [_json("simulate", *BURSTY_ARGS[:8], "--rate", "20/h", "--for", "30d", "--seed", "7",
                     "--as-of", "2026-01-15", "--strategies", "none,optimal") for _ in range(2)]
    assert poisson[0] == poisson[1] and 13_800 < poisson[0]["queries"] < 15_000  # 14,400 expected
    from costcalc.timeline.generate import generate_timeline, parse_rate
    from costcalc.timeline.traffic import Defaults

    office = generate_timeline(parse_rate("60/h"), 7 * 86400, Defaults(10_000), seed=1, profile="office")
    hours = (office.times // 3_600_000_000) % 24
    assert set(hours.tolist()) <= set(range(9, 17)) and office.queries > 9_000  # 60/h x 24 h x 7 days = 10,080
    code, _, err = _run("simulate", *BURSTY_ARGS[:8], "--rate", "20/h")
    assert code != 0 and "--for" in err
    code, _, err = _run("simulate", *BURSTY_ARGS[:8], "--rate", "20/h", "--for", "1d", "--profile", "25-3")
    assert code != 0 and "--profile" in err


def test_charts_png_svg_and_without_matplotlib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    png, svg = tmp_path / "ttl.png", tmp_path / "n.svg"
    assert _run("simulate", *BURSTY_ARGS, "--plot", str(png))[0] == 0
    assert png.read_bytes().startswith(b"\x89PNG")
    assert _run("estimate", "-m", "gemini-2.5-pro", "-c", "100k", "-n", "10", "--plot", str(svg))[0] == 0
    assert b"<svg" in svg.read_bytes()[:500] and b"break-even" in svg.read_bytes()
    code, _, err = _run("simulate", *BURSTY_ARGS, "--plot", str(tmp_path / "chart.jpg"))
    assert code != 0 and ".png or .svg" in err
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, _, err = _run("simulate", *BURSTY_ARGS, "--plot", str(tmp_path / "x.png"))
    assert code != 0 and "pip install 'costcalc[plot]'" in err and len(err.strip().splitlines()) == 1


def test_the_estimate_path_loads_neither_numpy_nor_matplotlib() -> None:
    import subprocess

    code = ("import sys; from costcalc.cli.app import app; "
            "sys.exit(sorted(m for m in ('numpy', 'matplotlib', 'pydantic') if m in sys.modules) or 0)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_break_even_gap_follows_the_tier_of_the_context() -> None:
    lower = _json("simulate", *BURSTY_ARGS, "--strategies", "refresh:auto")
    upper = _json("simulate", *BURSTY_ARGS[:2], "--context", "300k", *BURSTY_ARGS[4:], "--strategies", "refresh:auto")
    # g* = 3600 s x input / storage: 3600 x 1.25 / 4.50 = 1,000 s; above 200K: 3600 x 2.50 / 4.50 = 2,000 s.
    assert lower["break_even_gap_seconds"] == _rows(lower)["refresh:auto"]["ttl_seconds"] == "1000"
    assert upper["break_even_gap_seconds"] == _rows(upper)["refresh:auto"]["ttl_seconds"] == "2000"


def test_rates_and_profiles() -> None:
    from costcalc.timeline.generate import parse_profile, parse_rate

    assert parse_rate("20/h") == 20 and parse_rate("1/min") == 60 and parse_rate("240/d") == 10
    weights = parse_profile(",".join(["0"] * 12 + ["2"] * 12))  # the afternoon only, twice as busy as average
    assert weights[:12] == [0.0] * 12 and weights[12:] == [2.0] * 12
    assert parse_profile("office") == parse_profile("9-17") == [0.0] * 9 + [3.0] * 8 + [0.0] * 7
    for bad in ("20", "20/week", "-1/h", "0/h"):
        with pytest.raises(CostcalcError, match="--rate"):
            parse_rate(bad)
    for bad in ("17-9", "1,2,3", "0," * 23 + "0", "nine-to-five"):
        with pytest.raises(CostcalcError, match="--profile"):
            parse_profile(bad)


def test_no_caching_at_all_recommends_no_cache() -> None:
    code, out, err = _run("recommend", "--model", "gemini-2.0-flash-lite", "--context", "100k", "--timeline",
                          str(BURSTY), "--as-of", "2026-01-20")
    assert code == 0, err
    assert "Recommendation: none" in out and "has no context caching" in out
