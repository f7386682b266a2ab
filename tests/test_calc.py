"""Hand-worked examples: every expected number has its arithmetic written beside it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, localcontext

import pytest

from costcalc import PriceTables, Workload, calc_request, estimate, find_period
from costcalc.cost.money import EXACT
from costcalc.errors import CostcalcError

D = Decimal


def test_may_2024_review_numbers(tables: PriceTables) -> None:
    """The issue's acceptance example: 1.5 Pro as announced at I/O, 1M context, 8k output, 4 queries."""
    entry = tables.find_model("gemini-1.5-pro")
    answer = estimate(entry, Workload(1_000_000, 0, 8_000, 4, 3600), date(2024, 5, 24))
    assert answer.source.price_effective == date(2024, 5, 14)
    assert answer.no_cache.tier == "upper"  # 1,000,000 > 128,000
    # Uncached: 1,000,000 x $7.00/1M = $7.00 of input per query; 4 queries = $28.00.
    assert answer.no_cache.context_input == D("28.00")
    # Output: 8,000 x $21.00/1M = $0.168 per query; x4 = $0.672.
    assert answer.no_cache.output == D("0.672")
    assert answer.no_cache.total == D("28.672")
    cache = answer.explicit_cache
    assert cache is not None
    assert cache.creation == D("7.00")  # 1,000,000 x $7.00/1M, once
    assert cache.storage == D("4.50")  # 1,000,000 x $4.50/1M/h x 1 h
    assert cache.cached_input == 4 * D("3.50")  # 1,000,000 x $3.50/1M per cached read
    assert cache.total == D("7.00") + D("4.50") + D("14.00") + D("0.672")  # 26.172
    assert answer.savings_ceiling_percent == 50  # 1 - 3.50/7.00
    # fixed 11.50 / saving 3.50 per query = 3.29 -> floor 3, + 1 = 4 (4 queries: 25.50 < 28.00; 3: 21.00 < 22.00? no)
    assert answer.break_even is not None and answer.break_even.queries == 4
    assert answer.to_json()["break_even_queries"] == 4


def test_caching_launch_and_october_cut_switch_periods(tables: PriceTables) -> None:
    entry = tables.find_model("gemini-1.5-pro")
    work = Workload(1_000_000, 0, 0, 10, 3600)
    before = estimate(entry, work, date(2024, 6, 17)).explicit_cache
    launch = estimate(entry, work, date(2024, 6, 18)).explicit_cache
    last_day = estimate(entry, work, date(2024, 9, 30)).explicit_cache
    cut = estimate(entry, work, date(2024, 10, 1)).explicit_cache
    assert before and launch and last_day and cut
    assert before.cached_input == 10 * D("3.50")  # announced 50% rate, >128K
    assert launch.cached_input == 10 * D("1.75")  # launch: 25% of $7.00
    assert last_day.cached_input == launch.cached_input
    assert cut.cached_input == 10 * D("0.625")  # post-cut >128K cached
    assert cut.creation == D("2.50")  # post-cut >128K input


@pytest.mark.parametrize(("model", "threshold", "lower", "upper"), [
    ("gemini-1.5-pro", 128_000, ("1.25", "5.00"), ("2.50", "10.00")),
    ("gemini-2.5-pro", 200_000, ("1.25", "10.00"), ("2.50", "15.00")),
])
def test_tier_cliff_at_exactly_the_threshold_and_one_above(
        tables: PriceTables, model: str, threshold: int, lower: tuple[str, str], upper: tuple[str, str]) -> None:
    entry = tables.find_model(model)
    period = find_period(entry.model, date(2026, 1, 1) if model == "gemini-2.5-pro" else date(2025, 1, 1))
    at = calc_request(entry.model, period, threshold, 0, 1_000)
    above = calc_request(entry.model, period, threshold + 1, 0, 1_000)
    assert at.tier == "lower" and above.tier == "upper"
    # At the threshold: threshold x lower input + 1,000 x lower output.
    assert at.total == threshold * D(lower[0]) / 1_000_000 + 1_000 * D(lower[1]) / 1_000_000
    # One token above: the WHOLE request (all input and the output) moves to the upper tier, not just 1 token.
    assert above.total == (threshold + 1) * D(upper[0]) / 1_000_000 + 1_000 * D(upper[1]) / 1_000_000


def test_litellm_14849_cached_tokens_are_inside_the_prompt(tables: PriceTables) -> None:
    """262,960 prompt of which 257,955 cached, 1,744 output, 2.5 Pro in the 90% era: $0.10316125."""
    entry = tables.find_model("gemini-2.5-pro")
    period = find_period(entry.model, date(2026, 1, 1))
    cost = calc_request(entry.model, period, 262_960, 257_955, 1_744)
    assert cost.tier == "upper"  # keyed on the full prompt (cached included), not the 5,005 fresh tokens
    assert cost.fresh_input == D("0.0125125")  # 5,005 x $2.50/1M
    assert cost.cached_input == D("0.06448875")  # 257,955 x $0.25/1M (upper-tier cached, not $0.125)
    assert cost.output == D("0.02616")  # 1,744 x $15.00/1M (output follows the prompt's tier)
    assert cost.total == D("0.10316125")
    with pytest.raises(CostcalcError, match="cannot exceed"):
        calc_request(entry.model, period, 100, 200, 0)


def test_creation_does_not_inflate_the_tier_litellm_scenarios_g_and_h(tables: PriceTables) -> None:
    entry = tables.find_model("gemini-2.5-pro")
    period = find_period(entry.model, date(2026, 1, 1))
    # G: create 50k (50,000 x $1.25/1M = $0.0625), then a 190k prompt with 50k cached, 1k out, all <=200k:
    # 50,000 x 0.125 + 140,000 x 1.25 + 1,000 x 10 = 0.00625 + 0.175 + 0.01 -> total 0.25375.
    g = D("0.0625") + calc_request(entry.model, period, 190_000, 50_000, 1_000).total
    assert g == D("0.25375")
    # H: create 100k ($0.125), then 120k prompt with 100k cached: 0.0125 + 0.025 + 0.01 -> total 0.1725.
    h = D("0.125") + calc_request(entry.model, period, 120_000, 100_000, 1_000).total
    assert h == D("0.1725")


def test_one_minute_cache_trick_loses_money_once_creation_is_billed(tables: PriceTables) -> None:
    """Forum thread 194137: 1-minute cache + one hit on 1.5 Pro post-cut ($1.25 in, $0.3125 cached, $4.50/h).

    Per 1M tokens the thread's "$4.50/60 + $0.31 = $0.385" forgets creation; we use 100,000 tokens (lower tier).
    """
    entry = tables.find_model("gemini-1.5-pro")
    answer = estimate(entry, Workload(100_000, 0, 0, 1, 60), date(2025, 1, 1))
    cache = answer.explicit_cache
    assert cache is not None
    # creation 100,000 x 1.25/1M = 0.125; storage 100,000 x 4.50/1M x 1/60 h = 0.0075; one read 0.03125.
    assert cache.total == D("0.125") + D("0.0075") + D("0.03125")  # 0.16375 > 0.125 uncached
    assert answer.no_cache.total == D("0.125")
    assert answer.savings == D("-0.03875")
    # fixed 0.1325 / saving 0.09375 per query = 1.41 -> break-even at 2 queries.
    assert answer.break_even is not None and answer.break_even.queries == 2


def test_storage_is_prorated_and_independent_of_query_count(tables: PriceTables) -> None:
    entry = tables.find_model("gemini-2.5-flash")
    half_hour = [estimate(entry, Workload(100_000, 0, 0, n, 1800), date(2026, 1, 1)).explicit_cache for n in (1, 50)]
    # 100,000 x $1.00/1M/h x 0.5 h = $0.05, whether 1 or 50 queries read the cache (reads don't refresh it).
    assert [c.storage for c in half_hour if c] == [D("0.05"), D("0.05")]
    odd = estimate(entry, Workload(100_000, 0, 0, 1, 7), date(2026, 1, 1)).explicit_cache
    # 100,000 x 1.00 x 7/3600 h = 0.000194444... (repeating): kept to 20 places.
    assert odd is not None and odd.storage == D("0.00019444444444444444")


def test_stale_read_multiplier_2_5_moved_to_90_percent_but_2_0_flash_stayed_at_75(tables: PriceTables) -> None:
    flash25, flash20 = tables.find_model("gemini-2.5-flash"), tables.find_model("gemini-2.0-flash")
    work = Workload(1_000_000, 0, 0, 1, 3600)
    old = estimate(flash25, work, date(2025, 8, 1)).explicit_cache
    new = estimate(flash25, work, date(2026, 1, 1)).explicit_cache
    same_day_20 = estimate(flash20, work, date(2026, 1, 1)).explicit_cache
    assert old and new and same_day_20
    assert old.cached_input == D("0.075")  # 25% of $0.30
    assert new.cached_input == D("0.03")  # 10% of $0.30
    assert same_day_20.cached_input == D("0.025")  # 25% of $0.10: no global multiplier


def test_no_cached_price_means_no_cache_never_zero(tables: PriceTables) -> None:
    lite = estimate(tables.find_model("gemini-2.0-flash-lite"), Workload(100_000, 0, 0, 3), date(2026, 1, 1))
    assert lite.explicit_cache is None and lite.break_even is None
    assert "no context caching" in (lite.explicit_cache_unavailable or "")
    flash = estimate(tables.find_model("gemini-1.5-flash"), Workload(100_000, 0, 0, 3), date(2024, 6, 1))
    assert flash.explicit_cache is None
    assert "no cached-token price" in (flash.explicit_cache_unavailable or "")
    assert flash.to_json()["explicit_cache"] is None


def test_implicit_only_models_have_no_explicit_cache(tables: PriceTables) -> None:
    argon = estimate(tables.find_model("gemini-4-argon"), Workload(100_000, 0, 0, 3), date(2026, 11, 15))
    assert argon.explicit_cache is None
    assert "implicit caching only" in (argon.explicit_cache_unavailable or "")
    # Implicit hits are never assumed: the comparison is the full uncached price, 3 x 100,000 x $2.00/1M.
    assert argon.no_cache.total == D("0.60")


def test_context_below_minimum_names_the_limit(tables: PriceTables) -> None:
    answer = estimate(tables.find_model("gemini-1.5-pro"), Workload(20_000, 0, 0, 5), date(2025, 1, 1))
    assert answer.explicit_cache is None
    assert "32,768" in (answer.explicit_cache_unavailable or "")


def test_errors_for_impossible_requests(tables: PriceTables) -> None:
    with pytest.raises(CostcalcError, match="context window"):
        estimate(tables.find_model("gemini-2.5-flash"), Workload(1_048_577), date(2026, 1, 1))
    with pytest.raises(CostcalcError, match="no price before 2025"):
        estimate(tables.find_model("gemini-2.5-pro"), Workload(10_000), date(2024, 1, 1))
    with pytest.raises(CostcalcError, match="batch"):
        estimate(tables.find_model("gemini-1.5-pro"), Workload(100_000), date(2025, 1, 1), batch=True)


def test_batch_halves_input_and_output_but_not_cached_reads(tables: PriceTables) -> None:
    entry = tables.find_model("gemini-2.5-pro")
    answer = estimate(entry, Workload(100_000, 1_000, 1_000, 10, 3600), date(2026, 1, 1), batch=True)
    cache = answer.explicit_cache
    assert cache is not None
    assert answer.no_cache.context_input == 10 * D("0.0625")  # 100,000 x $0.625/1M (half of 1.25)
    assert answer.no_cache.output == 10 * D("0.005")  # 1,000 x $5.00/1M (half of 10.00)
    assert cache.cached_input == 10 * D("0.0125")  # 100,000 x $0.125/1M: same as standard
    assert cache.storage == D("0.45")  # 100,000 x $4.50/1M x 1 h


def test_creation_uses_the_tier_of_the_cached_size_not_the_query(tables: PriceTables) -> None:
    entry = tables.find_model("gemini-2.5-pro")
    answer = estimate(entry, Workload(199_000, 2_000, 0, 1, 3600), date(2026, 1, 1))
    cache = answer.explicit_cache
    assert cache is not None
    assert cache.creation_tier == "lower" and cache.tier == "upper"  # 199,000 <= 200,000 < 201,000
    assert cache.creation == D("0.24875")  # 199,000 x $1.25/1M
    assert cache.cached_input == D("0.04975")  # 199,000 x $0.25/1M: the query is billed at the upper tier


def test_implicit_caching_is_an_expected_cost_at_the_users_hit_rate(tables: PriceTables) -> None:
    argon = tables.find_model("gemini-4-argon")
    answer = estimate(argon, Workload(500_000, 0, 1_000, 20), date(2026, 11, 15), hit_rate=D("0.4"))
    implicit = answer.implicit_cache
    assert implicit is not None and answer.explicit_cache is None
    assert implicit.missed_input == D("12.00")  # 20 x 0.6 x 500,000 x $2.00/1M
    assert implicit.cached_input == D("0.40")  # 20 x 0.4 x 500,000 x $0.10/1M (5% of input)
    assert implicit.output == D("0.20")  # 20 x 1,000 x $10.00/1M
    assert implicit.total == D("12.60") and implicit.per_query == D("0.63")
    never = estimate(argon, Workload(500_000, 0, 1_000, 20), date(2026, 11, 15), hit_rate=D(0))
    assert never.implicit_cache is not None and never.implicit_cache.total == never.no_cache.total


def test_implicit_caching_only_where_and_when_it_exists(tables: PriceTables) -> None:
    work = Workload(100_000, 0, 0, 5)
    old = estimate(tables.find_model("gemini-1.5-pro"), work, date(2025, 1, 1), hit_rate=D("0.5"))
    assert old.implicit_cache is None and "no implicit caching" in (old.implicit_cache_unavailable or "")
    early = estimate(tables.find_model("gemini-2.5-flash"), work, date(2025, 5, 7), hit_rate=D("0.5"))
    assert early.implicit_cache is None and "started on 2025-05-08" in (early.implicit_cache_unavailable or "")
    small = estimate(tables.find_model("gemini-4-argon"), Workload(1_000, 0, 0, 5), date(2026, 11, 15),
                     hit_rate=D("0.5"))
    assert small.implicit_cache is None and "4,096" in (small.implicit_cache_unavailable or "")


def test_minimum_cacheable_size_follows_the_doc_in_force(tables: PriceTables) -> None:
    """2.5 Pro: 2,048 (2025-05-08) -> 4,096 (late-2025 docs) -> 2,048 again (docs of 2026-07-07)."""
    entry = tables.find_model("gemini-2.5-pro")
    work = Workload(3_000, 0, 0, 10)
    assert estimate(entry, work, date(2025, 8, 1)).explicit_cache is not None
    blocked = estimate(entry, work, date(2026, 1, 1))
    assert blocked.explicit_cache is None and "4,096" in (blocked.explicit_cache_unavailable or "")
    assert estimate(entry, work, date(2026, 8, 1)).explicit_cache is not None


def test_cache_creation_is_standard_input_even_for_batch_queries(tables: PriceTables) -> None:
    """cachedContents.create is its own interactive call: 100,000 x $1.25/1M = $0.125, not the batch $0.0625."""
    entry = tables.find_model("gemini-2.5-pro")
    answer = estimate(entry, Workload(100_000, 0, 1_000, 3), date(2026, 1, 15), batch=True)
    assert answer.explicit_cache is not None and answer.explicit_cache.creation == D("0.125")
    # fixed 0.125 + 0.45 = 0.575; batch saves 100,000 x (0.625 - 0.125)/1M = 0.05 per query -> 11.5 -> 12.
    assert answer.break_even is not None and answer.break_even.queries == 12


def test_per_character_periods_are_never_priced_per_token(tables: PriceTables) -> None:
    vertex = tables.find_model("gemini-1.5-pro", "vertex-ai")
    with pytest.raises(CostcalcError, match="billed per character"):
        calc_request(vertex.model, find_period(vertex.model, date(2025, 1, 1)), 100_000, 0, 1_000)
    with pytest.raises(CostcalcError, match="0 or more"):
        calc_request(vertex.model, find_period(tables.find_model("gemini-2.5-pro").model, date(2026, 1, 1)), -1)


def test_large_workloads_stay_exact(tables: PriceTables) -> None:
    """10^12 queries and a 7-second lifetime: the total is the exact sum of its parts, not rounded at 28 digits."""
    entry = tables.find_model("gemini-2.5-flash")
    answer = estimate(entry, Workload(1_000_000, 0, 0, 10**12, 7), date(2026, 1, 15))
    cache = answer.explicit_cache
    assert cache is not None
    # 1,000,000 x $1.00/1M x 7/3600 h = 0.0019444... (20 places) + 0.30 creation + 10^12 x 0.03 reads.
    assert cache.storage == D("0.00194444444444444444")
    with localcontext(EXACT):  # the default 28-digit context would round the check itself
        assert cache.total == cache.creation + cache.storage + cache.cached_input + cache.fresh_input + cache.output
    assert cache.total == D("30000000000.30194444444444444444")


def test_a_free_model_is_not_a_crash(tmp_path: object) -> None:
    from tests.conftest import make_model

    free = make_model(threshold=None, input_mtok=D(0), output_mtok=D(0), cached_mtok=D(0), storage="0")
    answer = estimate(free, Workload(10_000, 0, 0, 2), date(2025, 6, 1))
    assert answer.no_cache.total == 0 and answer.savings_ceiling_percent is None
    assert answer.break_even is not None and answer.break_even.queries is None
