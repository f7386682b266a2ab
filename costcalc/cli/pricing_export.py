"""`costcalc pricing export`: the price tables as a relation for a warehouse (docs/warehouse.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from costcalc.cli.common import PricingOpt, load, user_errors


@user_errors
def export_command(
    format: Annotated[str, typer.Option("--format", "-f", help="csv, parquet or sql.")] = "csv",
    dialect: Annotated[str, typer.Option("--dialect",
                                         help="For sql: duckdb, bigquery, spark or snowflake.")] = "duckdb",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write to this file \\[default: "
                                                   "standard output; parquet needs a file].")] = None,
    pricing: PricingOpt = None,
) -> None:
    """Price periods as one row per platform, model, period, tier and batch flag; sql adds the billing views."""
    from costcalc.warehouse.export import export

    text = export(load(pricing), format, dialect, output)
    if text is not None:
        sys.stdout.write(text)


def register(app: typer.Typer) -> None:
    app.command("export")(export_command)
