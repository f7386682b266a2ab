"""Timeline strategies against references written straight from the billing rules, one query at a time."""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from costcalc import PricedModel, PriceTables
from costcalc.timeline.models import TimelineRow
from costcalc.timeline.simulate import simulate
from costcalc.timeline.traffic import timeline_from_rows

AS_OF = date(2026, 1, 15)  # 2.5 Pro: input 1.25/2.50, cached 0.125/0.25, output 10/15, storage 4.50
M = 1_000_000
HOUR_US = 3600 * M

Query = tuple[int, int, int, int]  # (time in µs, context, fresh prompt, output)


def _rates(prompt: int) -> tuple[Fraction, Fraction, Fraction]:
    """(input, cached, output) per token for a query whose whole prompt is `prompt` tokens."""
    upper = prompt > 200_000
    return (Fraction("2.50" if upper else "1.25") / M, Fraction("0.25" if upper else "0.125") / M,
            Fraction("15" if upper else "10") / M)


STORAGE_PER_TOKEN_US = Fraction("4.50") / M / HOUR_US


def _uncached(query: Query) -> Fraction:
    _, context, fresh, out = query
    price_in, _, price_out = _rates(context + fresh)
    return (context + fresh) * price_in + out * price_out


def _cached_read(query: Query) -> Fraction:
    _, context, fresh, out = query
    price_in, price_cached, price_out = _rates(context + fresh)
    return context * price_cached + fresh * price_in + out * price_out


def _creation(context: int) -> Fraction:
    return context * _rates(context)[0]


def _brute_optimal(queries: list[Query], minimum_us: int) -> Fraction:
    """Every split of the time-ordered queries into consecutive groups; each group served the cheaper way."""
    best = None
    count = len(queries)
    for cuts in itertools.product((False, True), repeat=count - 1):
        total, start = Fraction(0), 0
        for end in range(count):
            if end == count - 1 or cuts[end]:
                group = queries[start:end + 1]
                context = group[0][1]
                life = max(group[-1][0] - group[0][0], minimum_us)
                cached = _creation(context) + context * life * STORAGE_PER_TOKEN_US + sum(map(_cached_read, group))
                total += min(sum(map(_uncached, group)), cached)
                start = end + 1
        best = total if best is None else min(best, total)
    assert best is not None
    return best


def _explicit_reference(queries: list[Query], ttl_us: int, refresh: bool) -> tuple[Fraction, int]:
    """The rules' explicit:TTL and refresh:TTL, walked query by query."""
    total, creations, expiry, created = Fraction(0), 0, None, 0
    for query in queries:
        time, context = query[0], query[1]
        if expiry is None or time >= expiry:
            if expiry is not None:
                total += context * (expiry - created) * STORAGE_PER_TOKEN_US
            creations += 1
            total += _creation(context)
            created, expiry = time, time + ttl_us
        elif refresh:
            expiry = time + ttl_us
        total += _cached_read(query)
    assert expiry is not None
    total += queries[0][1] * (expiry - created) * STORAGE_PER_TOKEN_US
    return total, creations


CONTEXTS = st.sampled_from([150_000, 199_000, 250_000])
# Gaps cluster around the thresholds that matter: the 60 s minimum, 900 s (a lower-tier read's saving),
# g* = 1000 s, g* + 2 minimums, 1800 s (an upper-tier read's saving), and the TTLs below.
GAP = st.one_of(st.sampled_from([0, 1, 59, 60, 61, 299, 300, 301, 899, 900, 901, 950, 999, 1000, 1001, 1119, 1120,
                                 1121, 1799, 1800, 1801, 3000]).map(lambda s: s * M), st.integers(0, 2_000 * M))
QUERY = st.tuples(GAP, st.sampled_from([0, 2_000, 60_000]), st.integers(0, 3_000))
KEYS = st.lists(st.tuples(CONTEXTS, st.lists(QUERY, min_size=1, max_size=8)), min_size=1, max_size=2)


def _rows(keys: list[tuple[int, list[tuple[int, int, int]]]]) -> tuple[list[TimelineRow], list[list[Query]]]:
    rows, per_key = [], []
    for index, (context, queries) in enumerate(keys):
        ordered, time = [], 0
        for gap, fresh, out in queries:
            time += gap
            ordered.append((time, context, fresh, out))
        per_key.append(ordered)
        for time, _, fresh, out in ordered:
            stamp = f"{1_767_225_600 + time // M}.{time % M:06d}"
            rows.append(TimelineRow(timestamp=stamp, key=f"k{index}", context_tokens=context, prompt_tokens=fresh,
                                    output_tokens=out))
    return rows, per_key


@settings(max_examples=60, deadline=None)
@given(KEYS, st.sampled_from([0, 60]))
def test_optimal_equals_brute_force_over_every_split(tables: PriceTables, keys: list, minimum: int) -> None:
    entry: PricedModel = replace(tables.find_model("gemini-2.5-pro"), min_ttl_seconds=minimum)
    rows, per_key = _rows(keys)
    result = simulate(entry, timeline_from_rows(rows), AS_OF, strategies="optimal")
    expected = sum((_brute_optimal(queries, minimum * M) for queries in per_key), Fraction(0))
    assert result.optimal_total == Decimal(expected.numerator) / Decimal(expected.denominator)


@settings(max_examples=40, deadline=None)
@given(KEYS, st.sampled_from([300, 900, 1800]))
def test_explicit_and_refresh_match_a_query_by_query_walk(tables: PriceTables, keys: list, ttl: int) -> None:
    rows, per_key = _rows(keys)
    result = simulate(tables.find_model("gemini-2.5-pro"), timeline_from_rows(rows), AS_OF,
                      strategies=f"explicit:{ttl}s,refresh:{ttl}s,optimal")
    for family, refresh in (("explicit", False), ("refresh", True)):
        walked = [_explicit_reference(queries, ttl * M, refresh) for queries in per_key]
        row = result.find(f"{family}:{result.strategies[0].strategy.split(':')[1]}")
        assert row is not None and row.total is not None and result.optimal_total is not None
        assert Fraction(row.total) == sum((total for total, _ in walked), Fraction(0))
        assert row.creations == sum(made for _, made in walked)
        assert row.total >= result.optimal_total  # no real policy beats the clairvoyant optimum


@settings(max_examples=30, deadline=None)
@given(KEYS, st.sampled_from(["0", "0.5", "0.37", "1"]))
def test_every_total_is_the_sum_of_its_parts(tables: PriceTables, keys: list, hit_rate: str) -> None:
    rows, _ = _rows(keys)
    result = simulate(tables.find_model("gemini-2.5-pro"), timeline_from_rows(rows), AS_OF,
                      hit_rate=Decimal(hit_rate))
    for row in result.strategies:
        assert row.total is not None and row.per_query is not None
        parts = (row.creation, row.storage, row.cached_input, row.uncached_context_input, row.fresh_input, row.output)
        assert row.total == sum(parts, Decimal(0))  # type: ignore[arg-type]
        if row.strategy == "implicit":  # hits are expected: hit rate x the (here all eligible) queries
            assert row.cached_queries is None and row.expected_cached_queries == Decimal(hit_rate) * result.queries
            continue
        assert row.cached_queries is not None and row.uncached_queries is not None
        assert row.cached_queries + row.uncached_queries == result.queries


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(GAP, st.just(60_000), st.just(0)), min_size=1, max_size=10))
def test_refresh_auto_is_within_twice_the_optimum(tables: PriceTables, queries: list) -> None:
    """Ski rental: when the optimum serves every query from cache, refresh:auto's creation + storage is at most
    twice the optimum's (every gap costs the optimum min(creation, storage through it); auto pays at most that,
    or one idle g* plus one creation, twice a creation; plus one idle g* at the very end). Prompts of 150,000 +
    60,000 tokens are long-context reads, so the optimum caches every query."""
    rows, _ = _rows([(150_000, queries)])
    result = simulate(tables.find_model("gemini-2.5-pro"), timeline_from_rows(rows), AS_OF,
                      strategies="refresh:auto,optimal")
    auto, best = result.find("refresh:auto"), result.find("optimal")
    assert auto is not None and best is not None and auto.creation is not None and best.creation is not None
    assert auto.storage is not None and best.storage is not None
    assert best.cached_queries == result.queries
    assert auto.creation + auto.storage <= 2 * (best.creation + best.storage)


STAMP = st.one_of(st.integers(0, 99_999_999_999).map(str),
                  st.tuples(st.integers(0, 9_999_999_999), st.integers(1, 6), st.integers(0, 999_999)).map(
                      lambda parts: f"{parts[0]}.{str(parts[2]).zfill(6)[:parts[1]]}"))
ROW = st.tuples(STAMP, st.text("abcXYZ09-_.", max_size=12), st.integers(0, 3), st.one_of(st.just(""),
                st.integers(0, 10**6).map(str)))


@settings(max_examples=40, deadline=None)
@given(st.lists(ROW, min_size=1, max_size=30))
def test_array_reader_reads_what_the_csv_module_reads(tmp_path_factory: object, rows: list) -> None:
    """The byte-level reader (plain files) against the csv module (the same file with CRLF line ends)."""
    from pathlib import Path

    from costcalc.timeline.reader import read_timeline
    from costcalc.timeline.traffic import Defaults

    folder = Path(str(tmp_path_factory.mktemp("rows")))  # type: ignore[attr-defined]
    lines = ["timestamp,key,context_tokens,prompt_tokens"]
    lines += [f"{stamp},{key},{1000 + len(key)},{prompt}" for stamp, key, _, prompt in rows]
    (folder / "plain.csv").write_text("\n".join(lines) + "\n")
    (folder / "crlf.csv").write_bytes(("\r\n".join(lines) + "\r\n").encode())
    seen = []
    for name in ("plain.csv", "crlf.csv"):
        timeline = read_timeline(folder / name, Defaults(prompt_tokens=7))
        seen.append(sorted(zip([timeline.keys[k] for k in timeline.key_index.tolist()], timeline.times.tolist(),
                               timeline.prompt_tokens.tolist(), timeline.context_tokens.tolist(), strict=True)))
    expected = sorted((key, int(Decimal(stamp) * 10**6), int(prompt) if prompt else 7, 1000 + len(key))
                      for stamp, key, _, prompt in rows)
    assert seen[0] == seen[1] == expected


def test_explicit_chain_over_a_span_too_long_for_key_times_time(tables: PriceTables) -> None:
    """100 keys over 3,000 years do not fit key x time in 64 bits: the times are ranked instead."""
    rows, per_key = [], []
    for key in range(100):
        times = [key * 7, key * 7 + 200, key * 7 + 400, 90_000_000_000 + key]  # seconds; 1h TTL: 2 creations
        per_key.append([(t * M, 100_000, 0, 0) for t in times])
        rows += [TimelineRow(timestamp=t, key=f"k{key}", context_tokens=100_000) for t in times]
    result = simulate(tables.find_model("gemini-2.5-pro"), timeline_from_rows(rows), AS_OF, strategies="explicit:1h")
    walked = [_explicit_reference(queries, HOUR_US, False) for queries in per_key]
    row = result.find("explicit:1h")
    assert row is not None and row.creations == 200 == sum(made for _, made in walked)
    assert row.total is not None and Fraction(row.total) == sum((total for total, _ in walked), Fraction(0))
