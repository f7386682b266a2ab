"""`costcalc bill` inputs that may be span files: which are (`--input-format`, or sniffed), and billing them."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import cast

from costcalc.errors import CostcalcError
from costcalc.traces.formats import INPUT_FORMATS, MAX_SPAN_FILE_BYTES, SpanFormat, sniff
from costcalc.traces.spans import SpanTally, read_span_file, span_records
from costcalc.usage.engine import UsageBiller
from costcalc.usage.reader import STDIN, open_log
from costcalc.usage.report import UsageBill

SNIFF_BYTES = 1 << 16


def span_inputs(files: Sequence[str], input_format: str) -> dict[str, SpanFormat]:
    """The span files among `files` and their format: all of them under `otlp`/`console`, none under `jsonl`;
    under `auto`, the files whose start shows one (standard input is JSON Lines unless the option says)."""
    if input_format not in INPUT_FORMATS:
        raise CostcalcError(f"--input-format must be auto, jsonl, otlp or console, got {input_format!r}")
    if input_format == "jsonl":
        return {}
    if input_format != "auto":
        return {name: cast(SpanFormat, input_format) for name in files}
    found: dict[str, SpanFormat] = {}
    for name in files:
        if name == STDIN:
            continue
        try:
            with open_log(Path(name)) as stream:
                head = stream.read(SNIFF_BYTES)
        except (OSError, EOFError, ValueError):
            continue  # not gzip after all, or unreadable: the JSON Lines reader says what is wrong
        kind = sniff(head.decode("utf-8-sig", errors="replace"))
        if kind is not None:
            found[name] = kind
    return found


def refuse_span_engine(spans: dict[str, SpanFormat], engine: str) -> None:
    if spans and engine != "python":
        raise CostcalcError(f"{next(iter(spans))} is an OpenTelemetry span file; span files bill with the python "
                            "engine (drop --engine)")


def bill_files(biller: UsageBiller, files: Sequence[str], spans: dict[str, SpanFormat]) -> UsageBill:
    """Every file into `biller`, span files as their generate_content responses; the bill, with notes on what
    the spans could not carry when there were any."""
    if not spans:
        for name in files:
            biller.read(name if name == STDIN else Path(name))
        return biller.result()
    tally = SpanTally()
    for name in files:
        kind = spans.get(name)
        if kind is None:
            biller.read(name if name == STDIN else Path(name))
            continue
        if name == STDIN:
            data = sys.stdin.buffer.read(MAX_SPAN_FILE_BYTES + 1)
            if len(data) > MAX_SPAN_FILE_BYTES:
                raise CostcalcError("standard input is over 1024 MB of spans; split it into span files")
            text = data.decode("utf-8-sig", errors="replace")
        else:
            text = read_span_file(Path(name), MAX_SPAN_FILE_BYTES)
        shown = "<stdin>" if name == STDIN else name
        for number, record in span_records(text, shown, kind, biller.platform, tally):
            biller.add(record, source=shown, line=number)
    result = biller.result()
    names = ", ".join("<stdin>" if name == STDIN else name for name in spans)
    return replace(result, notes=(*result.notes, *tally.notes(names)))
