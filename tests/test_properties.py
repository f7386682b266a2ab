"""Invariants on random workloads, checked against an independent brute-force reference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from costcalc import Workload, estimate
from costcalc.prices.schema import TieredPrice
from tests.conftest import make_model

AS_OF = date(2025, 6, 1)
cents = st.integers(min_value=1, max_value=2_000).map(lambda n: Decimal(n) / 100)


@st.composite
def priced_workloads(draw: st.DrawFn) -> tuple[object, Workload, dict[str, Fraction]]:
    threshold = draw(st.sampled_from([None, 128_000, 200_000]))
    lower_in = draw(cents)
    upper_in = lower_in * draw(st.sampled_from([1, 2]))
    discount = draw(st.sampled_from([Decimal("0.1"), Decimal("0.25"), Decimal("0.5"), Decimal("0.9")]))
    storage = draw(cents)
    prices = {
        "in_lo": lower_in, "in_hi": upper_in, "out_lo": lower_in * 4, "out_hi": upper_in * 6,
        "c_lo": lower_in * discount, "c_hi": upper_in * discount, "storage": storage,
    }
    def price(lo: Decimal, hi: Decimal) -> object:
        return TieredPrice(lo, hi) if threshold else lo
    entry = make_model(threshold=threshold, input_mtok=price(lower_in, upper_in),
                       output_mtok=price(prices["out_lo"], prices["out_hi"]),
                       cached_mtok=price(prices["c_lo"], prices["c_hi"]), storage=str(storage), minimum=1024)
    context = draw(st.integers(min_value=1024, max_value=900_000))
    prompt = draw(st.integers(min_value=0, max_value=100_000))
    output = draw(st.integers(min_value=0, max_value=50_000))
    ttl = draw(st.integers(min_value=1, max_value=7 * 86400))
    queries = draw(st.integers(min_value=1, max_value=400))
    return entry, Workload(context, prompt, output, queries, ttl), {
        **{k: Fraction(v) for k, v in prices.items()}, "threshold": Fraction(threshold or 10**12)}


def reference_costs(work: Workload, p: dict[str, Fraction], n: int) -> tuple[Fraction, Fraction]:
    """Billing rules written out again, independently of costcalc: (without cache, with cache) for n queries."""
    prompt = work.context_tokens + work.prompt_tokens
    hi = prompt > p["threshold"]
    tier = "hi" if hi else "lo"
    rate_in, rate_out, rate_cached = p[f"in_{tier}"], p[f"out_{tier}"], p[f"c_{tier}"]
    create_in = p["in_hi"] if work.context_tokens > p["threshold"] else p["in_lo"]
    m = Fraction(1_000_000)
    without = n * (prompt * rate_in + work.output_tokens * rate_out) / m
    with_cache = (work.context_tokens * create_in / m
                  + work.context_tokens * p["storage"] * Fraction(work.ttl_seconds, 3600) / m
                  + n * (work.context_tokens * rate_cached + work.prompt_tokens * rate_in
                         + work.output_tokens * rate_out) / m)
    return without, with_cache


@settings(max_examples=300, deadline=None)
@given(priced_workloads())
def test_break_even_closed_form_equals_brute_force(case: tuple[object, Workload, dict[str, Fraction]]) -> None:
    entry, work, prices = case
    answer = estimate(entry, work, AS_OF)  # type: ignore[arg-type]
    assert answer.break_even is not None
    closed = answer.break_even.queries
    assert closed is not None  # every generated cached price is below input
    assume(closed <= 3_000)
    brute = next(n for n in range(1, closed + 2) if reference_costs(work, prices, n)[1]
                 < reference_costs(work, prices, n)[0])
    assert closed == brute


@settings(max_examples=200, deadline=None)
@given(priced_workloads())
def test_totals_match_the_reference_exactly(case: tuple[object, Workload, dict[str, Fraction]]) -> None:
    entry, work, prices = case
    answer = estimate(entry, work, AS_OF)  # type: ignore[arg-type]
    without, with_cache = reference_costs(work, prices, work.queries)
    assert Fraction(answer.no_cache.total) == without
    assert answer.explicit_cache is not None
    # Storage may be a repeating decimal, kept to 20 places: within half a unit of the 20th place.
    assert abs(Fraction(answer.explicit_cache.total) - with_cache) <= Fraction(1, 2 * 10**20)


@settings(max_examples=150, deadline=None)
@given(priced_workloads(), st.integers(min_value=1, max_value=50), st.integers(min_value=1, max_value=86400))
def test_cache_cost_never_falls_as_queries_or_lifetime_grow(
        case: tuple[object, Workload, dict[str, Fraction]], more_queries: int, more_seconds: int) -> None:
    entry, work, _ = case
    base = estimate(entry, work, AS_OF).explicit_cache  # type: ignore[arg-type]
    more_n = estimate(entry, Workload(work.context_tokens, work.prompt_tokens, work.output_tokens,  # type: ignore[arg-type]
                                      work.queries + more_queries, work.ttl_seconds), AS_OF).explicit_cache
    longer = estimate(entry, Workload(work.context_tokens, work.prompt_tokens, work.output_tokens,  # type: ignore[arg-type]
                                      work.queries, work.ttl_seconds + more_seconds), AS_OF).explicit_cache
    assert base and more_n and longer
    assert more_n.total >= base.total
    assert longer.total >= base.total
