"""`costcalc pricing …`: the commands maintainers run when prices change."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from costcalc.cli.common import (
    AsOfOpt,
    FormatOpt,
    PricingOpt,
    as_of,
    check_format,
    check_platform,
    given_path,
    load,
    print_json,
    user_errors,
)
from costcalc.text import one_line

pricing_app = typer.Typer(help="Validate, compare and cross-check price tables.", no_args_is_help=True)


def _files(locations: list[str] | None) -> list[Path]:
    from costcalc.prices.tables import bundled_pricing_dir, pricing_files

    given = [given_path(location, "path") for location in locations] if locations else [bundled_pricing_dir()]
    return [path for location in given for path in pricing_files(location)]


@pricing_app.command()
@user_errors
def validate(paths: Annotated[Optional[list[str]], typer.Argument(metavar="[PATHS]...",
        help="Files or folders. \\[default: the bundled tables]")] = None) -> None:
    """Check schema and invariants; every problem is printed as file:line: message."""
    from costcalc.prices.validation import validate_files

    files = _files(paths)
    price_files, messages = validate_files(files)
    for message in messages:
        sys.stdout.write(one_line(message) + "\n")
    if messages:
        sys.stderr.write(f"costcalc: {len(messages)} problem(s) in {len(files)} file(s)\n")
        raise typer.Exit(1)
    periods = sum(len(m.periods) for f in price_files for m in f.models)
    models = sum(len(f.models) for f in price_files)
    sys.stdout.write(f"ok: {len(files)} file(s), {models} models, {periods} price periods\n")


@pricing_app.command()
@user_errors
def diff(old: Annotated[str, typer.Argument(metavar="OLD", help="Old table file or folder.")],
         new: Annotated[str, typer.Argument(metavar="NEW", help="New table file or folder.")],
         format: FormatOpt = "table") -> None:
    """What changed between two versions of the tables: models, periods, prices (old -> new, percent)."""
    from costcalc.cli.diff_render import render_diff
    from costcalc.prices.diff import diff_tables
    from costcalc.prices.tables import load_tables

    shape = check_format(format)
    before, after = given_path(old, "OLD"), given_path(new, "NEW")
    changes = diff_tables(load_tables(before, bundled=False), load_tables(after, bundled=False))
    if shape == "json":
        print_json(changes)
    else:
        render_diff(changes)


@pricing_app.command()
@user_errors
def check(against: Annotated[str, typer.Option("--against", metavar="PATH", help="A peer's feed: LiteLLM's "
                                                "model_prices_and_context_window.json or genai-prices' data JSON.")],
          as_of_text: AsOfOpt = None,
          platform: Annotated[Optional[str], typer.Option("--platform", help="Only this platform.")] = None,
          every_figure: Annotated[bool, typer.Option("--all", help="List every compared figure, not only "
                                                     "those that differ or that one side lacks.")] = False,
          format: FormatOpt = "table", pricing: PricingOpt = None) -> None:
    """Compare the figures in force with a peer's published feed (a local file); exit 1 unless all agree.

    Compared: standard, cached and batch prices (batch cached included), the peer's reasoning-token price, context
    window and minimum cache size; `--format json` lists every compared figure in `compared_figures`."""
    from costcalc.cli.peer_render import render_check
    from costcalc.prices.peer_check import check_against, load_feed

    shape = check_format(format)
    report = check_against(load(pricing), load_feed(given_path(against, "--against")), as_of(as_of_text),
                           check_platform(platform) if platform else None)
    if shape == "json":
        print_json(report)
    else:
        render_check(report, every_figure)
    if not report.ok:
        raise typer.Exit(1)


@pricing_app.command()
@user_errors
def schema() -> None:
    """Print the JSON Schema of a price table file (field descriptions included), for editors and validators."""
    from costcalc.prices.json_schema import schema_text

    sys.stdout.write(schema_text())


from costcalc.cli.pricing_export import register as _register_export  # noqa: E402

_register_export(pricing_app)
