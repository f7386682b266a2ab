"""`costcalc bill FILE...`: what logged traffic actually cost (rules: docs/usage-billing.md)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from costcalc.cli.common import PlatformOpt, PricingOpt, check_platform, given_path, load, print_json, user_errors
from costcalc.errors import CostcalcError
from costcalc.text import one_line

FORMATS = ("table", "json", "csv")


@user_errors
def bill_command(
    files: Annotated[list[str], typer.Argument(help="JSONL logs of responses and cachedContents records: plain, "
                                               ".gz, or - for standard input.", show_default=False)],
    format: Annotated[str, typer.Option("--format", "-f", help="table, json or csv.")] = "table",
    platform: PlatformOpt = "gemini-api",
    strict: Annotated[bool, typer.Option("--strict", help="Stop at the first record that cannot be billed "
                                         "(exit code 2).")] = False,
    pricing: PricingOpt = None,
    engine: Annotated[str, typer.Option("--engine", help="python; or duckdb (logs larger than memory, Parquet) or "
                                        "spark (local or a cluster): same result (docs/warehouse.md).")] = "python",
    write_usage: Annotated[Optional[Path], typer.Option("--write-usage", help="With --engine duckdb: also write "
                                                        "the parsed usage relation to this Parquet file.")] = None,
    input_format: Annotated[str, typer.Option("--input-format", help="auto (JSON Lines, or OpenTelemetry spans "
                                              "recognised by their start), jsonl, otlp (OTLP/JSON) or console (the "
                                              "console exporter's JSON); docs/sdk-and-traces.md.")] = "auto",
) -> None:
    """Bill usage logs exactly: by model, by UTC day and by bucket, with the cost without caching."""
    from costcalc.usage.engine import UsageBiller
    from costcalc.warehouse.engines import bill_with, check_engine

    if format not in FORMATS:
        raise CostcalcError(f"--format must be table, json or csv, got {format!r}")
    if files.count("-") > 1:
        raise CostcalcError("standard input (-) can be read only once")
    from costcalc.usage.reader import check_regular_file, refuse_repeats

    for name in files:  # refuse a FIFO, a typo or a file given twice before billing anything
        if name != "-":
            check_regular_file(given_path(name, "FILE"))
    refuse_repeats(files)
    # OpenTelemetry span files (costcalc/traces): python engine only, billed as their generate_content responses.
    from costcalc.traces.bill_input import bill_files, refuse_span_engine, span_inputs

    spans = span_inputs(files, input_format)
    refuse_span_engine(spans, engine)
    if write_usage is not None:
        from costcalc.prices.files import check_output_file

        check_output_file(write_usage, option="--write-usage", suffix=".parquet",
                          inputs=tuple(Path(name) for name in files if name != "-"))
    if check_engine(engine, write_usage) != "python":
        result = bill_with(engine, [name if name == "-" else Path(name) for name in files], load(pricing),
                           check_platform(platform), strict, write_usage)
    else:
        import gc

        # A short-lived process of ours that allocates millions of acyclic objects: the collector's default
        # threshold (700) makes it walk them hundreds of times per million records for nothing.
        gc.set_threshold(100_000, 50, 100)
        biller = UsageBiller(load(pricing), check_platform(platform), strict=strict, workers=None)
        result = bill_files(biller, files, spans)
    if format == "json":
        print_json(result.to_json())
    elif format == "csv":
        sys.stdout.write(result.to_csv())
    else:
        from costcalc.cli.bill_render import render_bill

        render_bill(result, files)
    if not result.records.lines:
        sys.stderr.write(f"costcalc: warning: no records in {one_line(', '.join(files))}; nothing was billed\n")
    if result.records.bad:
        sys.stderr.write(f"costcalc: warning: {result.records.bad:,} record(s) could not be billed and are not in "
                         "the totals (listed under bad records; --strict stops at the first)\n")


def register(app: typer.Typer) -> None:
    app.command("bill")(bill_command)
