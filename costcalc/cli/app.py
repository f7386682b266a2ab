"""The `costcalc` command: a thin typer shell over the library. Rich is imported only to draw tables."""

from __future__ import annotations

import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from costcalc.cli.bill import register as register_bill_command
from costcalc.cli.common import (
    AsOfOpt,
    BatchOpt,
    ContextAudioOpt,
    ContextCharsOpt,
    ContextOpt,
    ContextVideoOpt,
    FormatOpt,
    GivenMix,
    ModelOpt,
    OutputCharsOpt,
    PlatformOpt,
    PricingOpt,
    PromptAudioOpt,
    PromptCharsOpt,
    PromptOpt,
    PromptVideoOpt,
    RatioOpt,
    TtlOpt,
    as_of,
    check_format,
    check_platform,
    load,
    parse_mix,
    print_json,
    user_errors,
    warn_if_stale,
)
from costcalc.cli.pricing import pricing_app
from costcalc.cli.serve import register as register_serve_command
from costcalc.cli.simulate import register as register_timeline_commands
from costcalc.cost.results import Estimate, Workload, to_jsonable, workload_json
from costcalc.errors import CostcalcError
from costcalc.text import one_line
from costcalc.units import MAX_QUERIES, parse_count, parse_duration

app = typer.Typer(
    name="costcalc",
    help="What Gemini context caching costs, and after how many queries it pays off.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

app.add_typer(pricing_app, name="pricing")


def _print_version(wanted: bool) -> None:
    if wanted:
        from costcalc import __version__

        sys.stdout.write(f"costcalc {__version__}\n")
        raise typer.Exit(0)


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", help="Print costcalc's version and exit.",
                                                   callback=_print_version, is_eager=True)] = False) -> None:
    pass

MAX_CHARS = 10**11


def _count(text: str | None, what: str, maximum: int = 10**10) -> int | None:
    return None if text is None else parse_count(text, what, maximum=maximum)


def _workload(entry: Any, counts: tuple[str | None, str | None, str | None],
              chars: tuple[str | None, str | None, str | None], ratio: str | None, queries: str,
              ttl: str | None, mix: GivenMix) -> Workload:
    from costcalc.cost.workload import build_workload, parse_ratio

    names = ("--context", "--prompt", "--output")
    return build_workload(
        tokens=tuple(_count(text, name) for text, name in zip(counts, names, strict=True)),  # type: ignore[arg-type]
        chars=tuple(_count(text, f"{name}-chars", MAX_CHARS)  # type: ignore[arg-type]
                    for text, name in zip(chars, names, strict=True)),
        chars_per_token=parse_ratio(ratio) if ratio is not None else None,
        queries=parse_count(queries, "--queries", allow_zero=False, maximum=MAX_QUERIES),
        ttl_seconds=parse_duration(ttl) if ttl is not None else entry.default_ttl_seconds,
        mix=mix.tokens,
    )


def mix_lines(work: Workload, mix: GivenMix) -> tuple[str, str]:
    """The working of the token sums, with the durations the user gave."""
    from costcalc.cost.modal import context_parts, mix_line, prompt_parts

    return (mix_line("context", context_parts(work), mix.seconds["context"]),
            mix_line("prompt", prompt_parts(work), mix.seconds["prompt"]))


def estimate_answer(entry: Any, work: Workload, mix: GivenMix, when: date, batch: bool,
                    hit_rate: Decimal | None) -> Estimate:
    """`estimate`'s answer with the working of the modality sums (shared with `costcalc serve`)."""
    from costcalc.cost.estimate import estimate as run_estimate

    answer = run_estimate(entry, work, when, batch=batch, hit_rate=hit_rate)
    if answer.modalities is not None:
        from dataclasses import replace

        context_line, prompt_line = mix_lines(work, mix)
        answer = replace(answer, modalities=replace(answer.modalities, context=context_line, prompt=prompt_line))
    return answer


def breakeven_json(entry: Any, work: Workload, when: date, answer: Any, lines: tuple[str, str] | None) -> Any:
    """`breakeven --format json`'s payload (shared with `costcalc serve`)."""
    mixed = {"modalities": {"context": lines[0], "prompt": lines[1]}} if lines else {}
    return {"model": entry.model.id, "platform": entry.platform, "as_of": when, "workload": workload_json(work),
            **mixed, **to_jsonable(answer)}


@app.command()
@user_errors
def estimate(
    model: ModelOpt,
    context: ContextOpt = None,
    prompt: PromptOpt = None,
    output: Annotated[str | None, typer.Option("--output", "-o", help="Output tokens per query, thinking "
                                                "included. \\[default: 0]")] = None,
    queries: Annotated[str, typer.Option("--queries", "-n", help="Queries that reuse the context.")] = "1",
    ttl: TtlOpt = None,
    as_of_text: AsOfOpt = None,
    batch: BatchOpt = False,
    platform: PlatformOpt = "gemini-api",
    context_chars: ContextCharsOpt = None,
    prompt_chars: PromptCharsOpt = None,
    output_chars: OutputCharsOpt = None,
    chars_per_token: RatioOpt = None,
    hit_rate: Annotated[str | None, typer.Option("--hit-rate", help="Add an implicit-caching column at this "
                                                 "share of cache hits: 0.4 or 40%.")] = None,
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
    context_audio: ContextAudioOpt = None,
    context_video: ContextVideoOpt = None,
    prompt_audio: PromptAudioOpt = None,
    prompt_video: PromptVideoOpt = None,
    plot: Annotated[Optional[Path], typer.Option("--plot", help="Draw cost against queries to a .png or .svg file.")]
    = None,
) -> None:
    """Cost without caching and with an explicit cache, side by side, with the break-even."""
    shape = check_format(format)
    if plot is not None:
        from costcalc.timeline.plot import check_plot_target

        check_plot_target(plot)
    entry = load(pricing).find_model(model, check_platform(platform))
    mix = parse_mix(context_audio, context_video, prompt_audio, prompt_video)
    work = _workload(entry, (context, prompt, output), (context_chars, prompt_chars, output_chars),
                     chars_per_token, queries, ttl, mix)
    rate = None
    if hit_rate is not None:
        from costcalc.cost.implicit import parse_hit_rate

        rate = parse_hit_rate(hit_rate)
    answer = estimate_answer(entry, work, mix, as_of(as_of_text), batch, rate)
    if plot is not None:
        from costcalc.timeline.plot import plot_estimate

        plot_estimate(answer, plot)
    if shape == "json":
        print_json(answer.to_json())
    else:
        from costcalc.cli.render import render_estimate

        render_estimate(answer)


@app.command()
@user_errors
def breakeven(
    model: ModelOpt,
    context: ContextOpt = None,
    prompt: PromptOpt = None,
    ttl: TtlOpt = None,
    as_of_text: AsOfOpt = None,
    batch: BatchOpt = False,
    platform: PlatformOpt = "gemini-api",
    context_chars: ContextCharsOpt = None,
    prompt_chars: PromptCharsOpt = None,
    chars_per_token: RatioOpt = None,
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
    context_audio: ContextAudioOpt = None,
    context_video: ContextVideoOpt = None,
    prompt_audio: PromptAudioOpt = None,
    prompt_video: PromptVideoOpt = None,
) -> None:
    """Queries after which an explicit cache is cheaper, and the read rate that pays its storage."""
    from costcalc.cost.break_even import break_even

    shape = check_format(format)
    entry = load(pricing).find_model(model, check_platform(platform))
    mix = parse_mix(context_audio, context_video, prompt_audio, prompt_video)
    work = _workload(entry, (context, prompt, None), (context_chars, prompt_chars, None), chars_per_token, "1", ttl,
                     mix)
    when = as_of(as_of_text)
    answer = break_even(entry, work, when, batch=batch)
    lines = mix_lines(work, mix) if work.has_mix else None
    if shape == "json":
        print_json(breakeven_json(entry, work, when, answer, lines))
    else:
        from costcalc.cli.render import render_break_even

        render_break_even(entry, work, when, answer, lines)


@app.command()
@user_errors
def models(as_of_text: AsOfOpt = None, platform: Annotated[str | None, typer.Option(
        "--platform", help="Only this platform. \\[default: all]")] = None,
        format: FormatOpt = "table", pricing: PricingOpt = None) -> None:
    """Every model with the prices in force on a date, and when each was last checked."""
    from datetime import date

    from costcalc.cli.render import model_rows, render_models

    shape = check_format(format)
    tables = load(pricing)
    when = as_of(as_of_text)
    rows = model_rows(tables, when, check_platform(platform) if platform else None)
    warn_if_stale(tables, date.today())
    if shape == "json":
        print_json(rows)
    else:
        render_models(rows, when)


@app.command()
@user_errors
def prices(
    model: Annotated[str, typer.Argument(help="Model id or alias.")],
    history: Annotated[bool, typer.Option("--history", help="Show every price period, not just today's.")] = False,
    as_of_text: AsOfOpt = None,
    platform: PlatformOpt = "gemini-api",
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
) -> None:
    """One model's prices, the file they come from, and their history."""
    from costcalc.cli.render import render_prices
    from costcalc.cost.request import find_period

    shape = check_format(format)
    tables = load(pricing)
    entry = tables.find_model(model, check_platform(platform))
    periods = list(entry.model.periods) if history else [find_period(entry.model, as_of(as_of_text))]
    replaced = tables.overridden.get((entry.platform, entry.model.id))
    if shape == "json":
        from costcalc.prices.confidence import confidence_by_figure, dated

        print_json({"model": entry.model, "platform": entry.platform, "source_file": entry.source_file,
                    "overrides": replaced, "periods_shown": periods,
                    "confidence_shown": [{"effective": dated(p.effective, p.effective_approximate),
                                          "figures": confidence_by_figure(p)} for p in periods]})
    else:
        render_prices(entry, periods, replaced)


register_timeline_commands(app)  # simulate, recommend: listed after the one-workload commands
register_bill_command(app)  # bill: logged traffic (docs/usage-billing.md)
register_serve_command(app)  # serve: the web page and JSON API (docs/web.md)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr and a non-zero exit code, never a traceback."""
    args = sys.argv[1:] if argv is None else argv
    if any("\x00" in arg for arg in args):
        # A real command line cannot carry NUL; typer's path options would crash on it (os.stat).
        sys.stderr.write("costcalc: error: an argument contains a NUL byte, which no option value or file name "
                         "can; retype the command\n")
        return 2
    try:
        # Without standalone mode, typer.Exit comes back as the return value instead of sys.exit.
        code = app(args=args, prog_name="costcalc", standalone_mode=False)
    except CostcalcError as error:
        sys.stderr.write(f"costcalc: error: {one_line(str(error))}\n")
        return error.exit_code
    except (typer.Exit, typer.Abort) as stop:
        return getattr(stop, "exit_code", 1)
    except Exception as error:  # usage errors of the vendored click, which typer does not re-export
        if hasattr(error, "format_message") and hasattr(error, "exit_code"):
            if not error.format_message():  # bare `costcalc`: the help was already printed
                return int(error.exit_code)
            context = getattr(error, "ctx", None)
            command = f"{context.command_path} --help" if context is not None else "costcalc --help"
            sys.stderr.write(f"costcalc: error: {one_line(error.format_message())} (see `{command}`)\n")
            return int(error.exit_code) or 2
        if os.environ.get("COSTCALC_DEBUG"):
            raise
        sys.stderr.write(f"costcalc: internal error: {type(error).__name__}: {one_line(str(error))} "
                         "(set COSTCALC_DEBUG=1 for the traceback, and please report it)\n")
        return 70
    return code if isinstance(code, int) else 0


