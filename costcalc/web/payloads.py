"""Each endpoint's answer: the same library calls as the CLI command, and exactly its `--format json` payload.

No FastAPI here: these functions take a validated body and the loaded tables and return what `print_json` would
print (as jsonable data), or raise `CostcalcError` with the CLI's one-line message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from costcalc.cli.common import GivenMix, as_of, check_platform, parse_mix
from costcalc.cost.results import Workload, to_jsonable
from costcalc.errors import CostcalcError
from costcalc.prices.model import PricedModel
from costcalc.prices.tables import PriceTables
from costcalc.units import MAX_QUERIES, parse_count, parse_duration
from costcalc.web.requests import BreakevenBody, EstimateBody, RecommendBody, WorkloadBody

MAX_CHARS = 10**11
MAX_TOKENS = 10**10


@dataclass(frozen=True)
class Limits:
    """What one request may ask of a server shared by a whole browser tab (all configurable in `serve`)."""

    upload_bytes: int = 20 << 20
    """Largest bill upload (the request body, before any unzipping)."""
    unpacked_bytes: int = 200 << 20
    """Largest log after gunzipping an uploaded .gz (a small .gz can unpack to gigabytes)."""
    generated_queries: int = 2_000_000
    """Most queries `recommend` may generate (the CLI allows 20 million; a page should answer in seconds)."""


def _count(value: int | str | None, what: str, maximum: int = MAX_TOKENS) -> int | None:
    return None if value is None else parse_count(str(value), what, maximum=maximum)


def _entry(tables: PriceTables, model: str, platform: str) -> PricedModel:
    return tables.find_model(model, check_platform(platform))


def _text(value: int | str | None) -> str | None:
    return None if value is None else str(value)


def _mix(body: WorkloadBody | RecommendBody) -> GivenMix:
    """--context-audio and friends, read by the CLI's own parser (tokens, or a duration)."""
    return parse_mix(_text(body.context_audio), _text(body.context_video), _text(body.prompt_audio),
                     _text(body.prompt_video))


def _workload(entry: PricedModel, body: WorkloadBody, output: int | str | None, output_chars: int | str | None,
              queries: int | str, mix: GivenMix) -> Workload:
    """As the CLI builds it (`costcalc.cli.app`), with the option names in the messages."""
    from costcalc.cost.workload import build_workload, parse_ratio

    return build_workload(
        tokens=(_count(body.context, "--context"), _count(body.prompt, "--prompt"), _count(output, "--output")),
        chars=(_count(body.context_chars, "--context-chars", MAX_CHARS),
               _count(body.prompt_chars, "--prompt-chars", MAX_CHARS),
               _count(output_chars, "--output-chars", MAX_CHARS)),
        chars_per_token=None if body.chars_per_token is None else parse_ratio(body.chars_per_token),
        queries=parse_count(str(queries), "--queries", allow_zero=False, maximum=MAX_QUERIES),
        ttl_seconds=entry.default_ttl_seconds if body.ttl is None else parse_duration(body.ttl),
        mix=mix.tokens,
    )


def estimate(tables: PriceTables, body: EstimateBody) -> Any:
    """`costcalc estimate --format json`."""
    from costcalc.cli.app import estimate_answer

    entry = _entry(tables, body.model, body.platform)
    mix = _mix(body)
    work = _workload(entry, body, body.output, body.output_chars, body.queries, mix)
    rate = None
    if body.hit_rate is not None:
        from costcalc.cost.implicit import parse_hit_rate

        rate = parse_hit_rate(body.hit_rate)
    return to_jsonable(estimate_answer(entry, work, mix, as_of(body.as_of), body.batch, rate).to_json())


def breakeven(tables: PriceTables, body: BreakevenBody) -> Any:
    """`costcalc breakeven --format json`."""
    from costcalc.cli.app import breakeven_json, mix_lines
    from costcalc.cost.break_even import break_even

    entry = _entry(tables, body.model, body.platform)
    mix = _mix(body)
    work = _workload(entry, body, None, None, 1, mix)
    when = as_of(body.as_of)
    answer = break_even(entry, work, when, batch=body.batch)
    return to_jsonable(breakeven_json(entry, work, when, answer, mix_lines(work, mix) if work.has_mix else None))


def recommend(tables: PriceTables, body: RecommendBody, limits: Limits) -> Any:
    """`costcalc recommend --rate R --for D --format json` (generated traffic; the page has no timeline upload)."""
    from costcalc.cost.implicit import parse_hit_rate
    from costcalc.timeline.generate import generate_timeline, parse_rate
    from costcalc.timeline.inputs import check_ttls
    from costcalc.timeline.recommend import recommend as run_recommend
    from costcalc.timeline.simulate import DEFAULT_TTLS, simulate
    from costcalc.timeline.traffic import Defaults

    entry = _entry(tables, body.model, body.platform)
    mix = _mix(body).tokens
    workload = Defaults(context_tokens=_count(body.context, "--context"),
                        prompt_tokens=_count(body.prompt, "--prompt") or 0,
                        output_tokens=_count(body.output, "--output") or 0,
                        context_audio_tokens=mix[0], context_video_tokens=mix[1], prompt_audio_tokens=mix[2],
                        prompt_video_tokens=mix[3])
    grid = DEFAULT_TTLS if body.ttls is None else check_ttls(tuple(parse_duration(part, "--ttls")
                                                                  for part in body.ttls.split(",") if part.strip()))
    per_hour = parse_rate(body.rate)
    lasts = parse_duration(body.duration, "--for (how long the generated traffic lasts)")
    expected = per_hour * lasts / 3600
    if expected > limits.generated_queries:
        raise CostcalcError(f"--rate x --for asks for about {expected:,.0f} queries; this server generates at most "
                            f"{limits.generated_queries:,} per request, so lower one of them (or use the CLI)")
    timeline = generate_timeline(per_hour, lasts, workload, arrivals=body.arrivals, seed=body.seed,
                                 profile=body.profile)
    simulation = simulate(entry, timeline, None if body.as_of is None else as_of(body.as_of), batch=body.batch,
                          hit_rate=parse_hit_rate(body.hit_rate), strategies=body.strategies, ttls=grid)
    return to_jsonable(run_recommend(simulation).to_json())


def models(tables: PriceTables, as_of_text: str | None, platform: str | None) -> Any:
    """`costcalc models --format json`."""
    from costcalc.cli.render import model_rows

    return to_jsonable(model_rows(tables, as_of(as_of_text), check_platform(platform) if platform else None))


def prices(tables: PriceTables, model: str, platform: str) -> Any:
    """`costcalc prices MODEL --history --format json`: every period, for the price history chart."""
    from costcalc.prices.confidence import confidence_by_figure, dated

    entry = _entry(tables, model, platform)
    periods = list(entry.model.periods)
    return to_jsonable({"model": entry.model, "platform": entry.platform, "source_file": entry.source_file,
                        "overrides": tables.overridden.get((entry.platform, entry.model.id)),
                        "periods_shown": periods,
                        "confidence_shown": [{"effective": dated(p.effective, p.effective_approximate),
                                              "figures": confidence_by_figure(p)} for p in periods]})
