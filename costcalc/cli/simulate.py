"""`costcalc simulate` and `costcalc recommend`: a timeline (a file or a rate) under every caching strategy.

numpy and the timeline wing load only when one of these commands runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer

from costcalc.cli.common import (
    AsOfOpt,
    BatchOpt,
    ContextAudioOpt,
    ContextOpt,
    ContextVideoOpt,
    ModelOpt,
    PlatformOpt,
    PricingOpt,
    PromptAudioOpt,
    PromptOpt,
    PromptVideoOpt,
    as_of,
    check_platform,
    load,
    parse_mix,
    print_json,
    user_errors,
)
from costcalc.errors import CostcalcError
from costcalc.units import parse_count, parse_duration

if TYPE_CHECKING:
    from costcalc.timeline.results import Simulation

OutputOpt = Annotated[Optional[str], typer.Option("--output", "-o", help="Output tokens per query. \\[default: 0]")]
TimelineOpt = Annotated[Optional[Path], typer.Option(
    "--timeline", help="CSV (with a header) or JSONL, one query per row: timestamp, and optionally key, "
    "context_tokens, prompt_tokens, output_tokens.")]
RateOpt = Annotated[Optional[str], typer.Option("--rate", help="Generate queries instead: 20/h, 0.5/min, 1000/d.")]
ForOpt = Annotated[Optional[str], typer.Option("--for", help="How long to generate for: 30d, 12h.")]
ArrivalsOpt = Annotated[str, typer.Option("--arrivals", help="poisson or even.")]
SeedOpt = Annotated[Optional[int], typer.Option("--seed", help="Seed for poisson arrivals (same seed, same queries).")]
ProfileOpt = Annotated[Optional[str], typer.Option(
    "--profile", help="Hour-of-day shape (UTC): office (= 9-17), 9-17, or 24 comma-separated weights.")]
StrategiesOpt = Annotated[Optional[str], typer.Option(
    "--strategies", help="Comma-separated: none, implicit, explicit[:TTL], refresh[:TTL|:auto], optimal "
    "\\[default: all over the TTL grid]")]
TtlsOpt = Annotated[Optional[str], typer.Option("--ttls", help="TTL grid: 5m,15m,30m,1h,2h,6h,24h (the default).")]
HitRateOpt = Annotated[str, typer.Option("--hit-rate", help="Implicit caching's share of hits: 0.5 or 50%.")]
PlotOpt = Annotated[Optional[Path], typer.Option("--plot", help="Draw total cost against TTL to a .png or .svg file.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")]


def _run(model: str, context: str | None, prompt: str | None, output: str | None, as_of_text: str | None,
         batch: bool, platform: str, pricing: list[str] | None, timeline_path: Path | None, rate: str | None,
         duration: str | None, arrivals: str, seed: int | None, profile: str | None, strategies: str | None,
         ttls: str | None, hit_rate: str, mix_texts: tuple[str | None, ...]) -> Simulation:
    from costcalc.cost.implicit import parse_hit_rate
    from costcalc.timeline.inputs import check_ttls
    from costcalc.timeline.reader import read_timeline
    from costcalc.timeline.simulate import DEFAULT_TTLS, simulate
    from costcalc.timeline.traffic import Defaults

    entry = load(pricing).find_model(model, check_platform(platform))
    mix = parse_mix(*mix_texts).tokens
    # Audio or video alone is a context of no text: --context defaults to 0 then, as in estimate.
    context_tokens = parse_count(context, "--context") if context is not None else 0 if mix[0] or mix[1] else None
    workload = Defaults(
        context_tokens=context_tokens,
        prompt_tokens=0 if prompt is None else parse_count(prompt, "--prompt"),
        output_tokens=0 if output is None else parse_count(output, "--output"),
        context_audio_tokens=mix[0], context_video_tokens=mix[1], prompt_audio_tokens=mix[2],
        prompt_video_tokens=mix[3])
    # The grid is read (and its size checked) before any traffic is read or generated.
    grid = DEFAULT_TTLS if ttls is None else check_ttls(tuple(parse_duration(part, "--ttls")
                                                              for part in ttls.split(",") if part.strip()))
    if (timeline_path is None) == (rate is None):
        raise CostcalcError("give the traffic: --timeline FILE, or --rate (like 20/h) with --for (like 30d)")
    if timeline_path is not None:
        if duration is not None or profile is not None or seed is not None:
            raise CostcalcError("--for, --profile and --seed shape generated traffic; drop them with --timeline")
        timeline = read_timeline(timeline_path, workload)
    else:
        from costcalc.timeline.generate import generate_timeline, parse_rate

        if duration is None:
            raise CostcalcError("--rate needs --for, how long to generate: e.g. --for 30d")
        lasts = parse_duration(duration, "--for (how long the generated traffic lasts)")
        timeline = generate_timeline(parse_rate(rate or ""), lasts, workload,
                                     arrivals=arrivals, seed=seed, profile=profile)
    # No --as-of: the library prices at today's rates and notes it when the timeline is dated (docs/timelines.md).
    return simulate(entry, timeline, None if as_of_text is None else as_of(as_of_text), batch=batch,
                    hit_rate=parse_hit_rate(hit_rate), strategies=strategies, ttls=grid)


def _shape(text: str) -> str:
    if text not in ("table", "json", "csv"):
        raise CostcalcError(f"--format must be table, json or csv, got {text!r}")
    return text


@user_errors
def simulate_command(
    model: ModelOpt,
    context: ContextOpt = None,
    prompt: PromptOpt = None,
    output: OutputOpt = None,
    timeline: TimelineOpt = None,
    rate: RateOpt = None,
    duration: ForOpt = None,
    arrivals: ArrivalsOpt = "poisson",
    seed: SeedOpt = None,
    profile: ProfileOpt = None,
    strategies: StrategiesOpt = None,
    ttls: TtlsOpt = None,
    hit_rate: HitRateOpt = "0.5",
    as_of_text: AsOfOpt = None,
    batch: BatchOpt = False,
    platform: PlatformOpt = "gemini-api",
    plot: PlotOpt = None,
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
    context_audio: ContextAudioOpt = None,
    context_video: ContextVideoOpt = None,
    prompt_audio: PromptAudioOpt = None,
    prompt_video: PromptVideoOpt = None,
) -> None:
    """Price a timeline of queries under every caching strategy and TTL, against the best possible schedule."""
    shape = _shape(format)
    if plot is not None:
        from costcalc.timeline.plot import check_plot_target

        check_plot_target(plot)
    answer = _run(model, context, prompt, output, as_of_text, batch, platform, pricing, timeline, rate, duration,
                  arrivals, seed, profile, strategies, ttls, hit_rate,
                  (context_audio, context_video, prompt_audio, prompt_video))
    if plot is not None:
        from costcalc.timeline.plot import plot_simulation

        plot_simulation(answer, plot)
    from costcalc.cli import render_timeline

    if shape == "json":
        print_json(answer.to_json())
    elif shape == "csv":
        render_timeline.print_csv(answer)
    else:
        render_timeline.render_simulation(answer)


@user_errors
def recommend_command(
    model: ModelOpt,
    context: ContextOpt = None,
    prompt: PromptOpt = None,
    output: OutputOpt = None,
    timeline: TimelineOpt = None,
    rate: RateOpt = None,
    duration: ForOpt = None,
    arrivals: ArrivalsOpt = "poisson",
    seed: SeedOpt = None,
    profile: ProfileOpt = None,
    strategies: StrategiesOpt = None,
    ttls: TtlsOpt = None,
    hit_rate: HitRateOpt = "0.5",
    as_of_text: AsOfOpt = None,
    batch: BatchOpt = False,
    platform: PlatformOpt = "gemini-api",
    format: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
    pricing: PricingOpt = None,
    context_audio: ContextAudioOpt = None,
    context_video: ContextVideoOpt = None,
    prompt_audio: PromptAudioOpt = None,
    prompt_video: PromptVideoOpt = None,
) -> None:
    """The caching strategy to use for a timeline, what it saves, and how close it is to the best possible."""
    from costcalc.timeline.recommend import recommend

    if format not in ("table", "json"):
        raise CostcalcError(f"--format must be table or json, got {format!r}")
    answer = recommend(_run(model, context, prompt, output, as_of_text, batch, platform, pricing, timeline, rate,
                            duration, arrivals, seed, profile, strategies, ttls, hit_rate,
                            (context_audio, context_video, prompt_audio, prompt_video)))
    if format == "json":
        print_json(answer.to_json())
    else:
        from costcalc.cli.render_timeline import render_recommendation

        render_recommendation(answer)


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate_command)
    app.command("recommend")(recommend_command)
