"""The `costcalc` command: a thin typer shell over the library. Rich is imported only to draw tables."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar, cast

import typer

from costcalc.errors import CostcalcError
from costcalc.results import Workload, to_jsonable
from costcalc.units import MAX_QUERIES, parse_count, parse_date, parse_duration

app = typer.Typer(
    name="costcalc",
    help="What Gemini context caching costs, and after how many queries it pays off.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

ModelOpt = Annotated[str, typer.Option("--model", "-m", help="Model id or alias, e.g. gemini-2.5-pro.")]
ContextOpt = Annotated[str, typer.Option("--context", "-c", help="Reused context tokens: 1M, 128k, 1_000_000.")]
PromptOpt = Annotated[str, typer.Option("--prompt", "-p", help="Fresh prompt tokens per query.")]
OutputOpt = Annotated[str, typer.Option("--output", "-o", help="Output tokens per query, thinking included.")]
TtlOpt = Annotated[Optional[str], typer.Option("--ttl", help="Cache lifetime: 90s, 30m, 1h, 1.5h, 2d [default: 1h].")]
AsOfOpt = Annotated[Optional[str], typer.Option("--as-of", help="Prices in force on this date [default: today].")]
BatchOpt = Annotated[bool, typer.Option("--batch", help="Use Batch-mode prices.")]
FormatOpt = Annotated[str, typer.Option("--format", "-f", help="table or json.")]
PricingOpt = Annotated[Optional[Path], typer.Option("--pricing", help="Price table file or folder to use.")]


F = TypeVar("F", bound=Callable[..., None])


def _user_errors(command: F) -> F:
    """A CostcalcError becomes one line on stderr and its exit code, under any runner."""

    @functools.wraps(command)
    def run(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except CostcalcError as error:
            sys.stderr.write(f"costcalc: error: {error}\n")
            raise typer.Exit(error.exit_code) from None

    return cast(F, run)


def _tables(pricing: Path | None) -> Any:
    from costcalc.tables import load_tables

    return load_tables(pricing)


def _as_of(text: str | None) -> date:
    return parse_date(text) if text else date.today()


def _format(text: str) -> str:
    if text not in ("table", "json"):
        raise CostcalcError(f"--format must be table or json, got {text!r}")
    return text


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(to_jsonable(data), indent=2, ensure_ascii=False) + "\n")


def _workload(entry: Any, context: str, prompt: str, output: str, queries: str, ttl: str | None) -> Workload:
    return Workload(
        context_tokens=parse_count(context, "--context"),
        prompt_tokens=parse_count(prompt, "--prompt"),
        output_tokens=parse_count(output, "--output"),
        queries=parse_count(queries, "--queries", allow_zero=False, maximum=MAX_QUERIES),
        ttl_seconds=parse_duration(ttl) if ttl else entry.default_ttl_seconds,
    )


@app.command()
@_user_errors
def estimate(
    model: ModelOpt,
    context: ContextOpt,
    prompt: PromptOpt = "0",
    output: OutputOpt = "0",
    queries: Annotated[str, typer.Option("--queries", "-n", help="Queries that reuse the context.")] = "1",
    ttl: TtlOpt = None,
    as_of: AsOfOpt = None,
    batch: BatchOpt = False,
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
) -> None:
    """Cost without caching and with an explicit cache, side by side, with the break-even."""
    from costcalc.compare import estimate as run_estimate

    shape = _format(format)
    entry = _tables(pricing).find_model(model)
    answer = run_estimate(entry, _workload(entry, context, prompt, output, queries, ttl), _as_of(as_of), batch=batch)
    if shape == "json":
        _print_json(answer.to_json())
    else:
        from costcalc.render import render_estimate

        render_estimate(answer)


@app.command()
@_user_errors
def breakeven(
    model: ModelOpt,
    context: ContextOpt,
    prompt: PromptOpt = "0",
    ttl: TtlOpt = None,
    as_of: AsOfOpt = None,
    batch: BatchOpt = False,
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
) -> None:
    """Queries after which an explicit cache is cheaper, and the read rate that pays its storage."""
    from costcalc.api import break_even

    shape = _format(format)
    entry = _tables(pricing).find_model(model)
    workload = _workload(entry, context, prompt, "0", "1", ttl)
    when = _as_of(as_of)
    answer = break_even(entry, workload, when, batch=batch)
    if shape == "json":
        _print_json({"model": entry.model.id, "as_of": when, "workload": workload, **to_jsonable(answer)})
    else:
        from costcalc.render import render_break_even

        render_break_even(entry, workload, when, answer)


@app.command()
@_user_errors
def models(as_of: AsOfOpt = None, format: FormatOpt = "table", pricing: PricingOpt = None) -> None:
    """Every model with the prices in force on a date."""
    from costcalc.render import model_rows, render_models

    shape = _format(format)
    rows = model_rows(_tables(pricing), _as_of(as_of))
    if shape == "json":
        _print_json(rows)
    else:
        render_models(rows, _as_of(as_of))


@app.command()
@_user_errors
def prices(
    model: Annotated[str, typer.Argument(help="Model id or alias.")],
    history: Annotated[bool, typer.Option("--history", help="Show every price period, not just today's.")] = False,
    as_of: AsOfOpt = None,
    format: FormatOpt = "table",
    pricing: PricingOpt = None,
) -> None:
    """One model's prices: the period in force, or its whole history."""
    from costcalc.calc import find_period
    from costcalc.render import render_prices

    shape = _format(format)
    entry = _tables(pricing).find_model(model)
    periods = list(entry.model.periods) if history else [find_period(entry.model, _as_of(as_of))]
    if shape == "json":
        _print_json({"model": entry.model, "platform": entry.platform, "source_file": entry.source_file,
                     "periods_shown": periods})
    else:
        render_prices(entry, periods)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; user errors become one line on stderr and a non-zero exit code, never a traceback."""
    try:
        # Without standalone mode, typer.Exit comes back as the return value instead of sys.exit.
        code = app(args=argv, prog_name="costcalc", standalone_mode=False)
    except CostcalcError as error:
        sys.stderr.write(f"costcalc: error: {error}\n")
        return error.exit_code
    except (typer.Exit, typer.Abort) as stop:
        return getattr(stop, "exit_code", 1)
    except Exception as error:  # usage errors of the vendored click, which typer does not re-export
        if hasattr(error, "format_message") and hasattr(error, "exit_code"):
            if not error.format_message():  # bare `costcalc`: the help was already printed
                return int(error.exit_code)
            context = getattr(error, "ctx", None)
            command = f"{context.command_path} --help" if context is not None else "costcalc --help"
            sys.stderr.write(f"costcalc: error: {error.format_message()} (see `{command}`)\n")
            return int(error.exit_code) or 2
        if os.environ.get("COSTCALC_DEBUG"):
            raise
        sys.stderr.write(f"costcalc: internal error: {type(error).__name__}: {error} "
                         "(set COSTCALC_DEBUG=1 for the traceback, and please report it)\n")
        return 70
    return code if isinstance(code, int) else 0
