"""Reading a timeline file: CSV (array reader for plain files, the `csv` module otherwise) or JSONL.

Every bad row stops with one line naming the file and line (docs/timelines.md, "The timeline").
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from costcalc.errors import CostcalcError
from costcalc.timeline.timestamps import TimestampError, parse_one, parse_timestamps
from costcalc.timeline.traffic import (
    COLUMNS,
    MAX_TOKENS,
    Defaults,
    Timeline,
    TokenDefaults,
    build_timeline,
    factorize_keys,
)


def read_timeline(path: Path | str, workload: TokenDefaults | None = None) -> Timeline:
    """A CSV (with a header) or JSONL file, one query per row; see docs/timelines.md for the columns."""
    from costcalc.timeline.traffic import check_defaults, with_mix

    if isinstance(path, bool) or not isinstance(path, (str, Path)):
        raise CostcalcError(f"path must be a file path (str or pathlib.Path), got {type(path).__name__} {path!r}")
    path = Path(path)
    workload = check_defaults(Defaults() if workload is None else workload)
    from costcalc.prices.files import open_regular_file

    # Refused before reading when not a regular file, and checked again on the open descriptor (docs/hardening.md).
    with open_regular_file(path, kind="timeline", error=CostcalcError) as handle:
        try:
            data = handle.read().removeprefix(b"\xef\xbb\xbf")
        except OSError as error:
            raise CostcalcError(f"{path}: cannot read the timeline ({error.strerror})") from None
    if not data or data.isspace():
        raise CostcalcError(f"{path}: the timeline is empty; give a header line and one row per query")
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson") or (
        path.suffix.lower() != ".csv" and data.lstrip().startswith(b"{"))
    if not jsonl:
        header = _header(path, data.partition(b"\n")[0].decode("utf-8", errors="replace").rstrip("\r"))
        fast = _read_plain_csv(path, data, header, workload)
        if fast is not None:
            return with_mix(fast, workload)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise CostcalcError(f"{path}: the timeline is not UTF-8 text ({error.reason} at byte {error.start})") from None
    columns, lines = _read_jsonl(path, text) if jsonl else _read_csv(path, text)
    return with_mix(_from_columns(path, columns, lines, workload), workload)


def _header(path: Path, line: str) -> list[str]:
    header = [name.strip() for name in next(csv.reader([line]), [])]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise CostcalcError(f"{path}: line 1: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}")
    if "timestamp" not in header:
        raise CostcalcError(f"{path}: line 1: no timestamp column; the header must name it (columns: "
                            f"{', '.join(COLUMNS)})")
    if len(set(header)) != len(header):
        raise CostcalcError(f"{path}: line 1: a column is named twice in the header")
    return header


def _read_plain_csv(path: Path, data: bytes, header: list[str], workload: TokenDefaults) -> Timeline | None:
    """The array reader of fastcsv.py; None sends the file to the `csv` module."""
    from costcalc.timeline import fastcsv

    columns = fastcsv.split_plain_csv(data, header)
    if columns is None:
        return None

    def line_of(index: int) -> str:
        return f"line {index + 2}"

    times, ok = fastcsv.parse_decimal(columns, "timestamp", 6)
    for index in np.flatnonzero(~ok).tolist():
        try:
            times[index] = parse_one(columns.text("timestamp", index), index)
        except TimestampError as error:
            raise CostcalcError(f"{path}: {line_of(index)}: {error}") from None
    counts = []
    for name, default in (("context_tokens", workload.context_tokens), ("prompt_tokens", workload.prompt_tokens),
                          ("output_tokens", workload.output_tokens)):
        fallback = -1 if default is None else default
        if name not in columns.spans:
            counts.append(np.full(columns.rows, fallback, dtype=np.int64))
            continue
        values, ok = fastcsv.parse_decimal(columns, name, 0)
        for index in np.flatnonzero(~ok | (values > MAX_TOKENS)).tolist():
            values[index] = _count_text(path, columns.text(name, index), name, fallback, line_of(index))
        counts.append(values)
    keys = None
    if "key" in columns.spans:
        keys = fastcsv.factorize(columns, "key") or factorize_keys(
            [columns.text("key", row) for row in range(columns.rows)])
    return build_timeline(times, keys, counts[0], counts[1], counts[2], str(path), line_of)


def _count_text(path: Path, text: str, name: str, default: int, where: str) -> int:
    """The grammar of --context and friends: 128k, 1.5M, 1_000 (costcalc/units.py parse_count)."""
    if not text.strip():
        return default
    from costcalc.units import parse_count

    return parse_count(text, f"{path}: {where}: {name}", maximum=MAX_TOKENS)


def _read_csv(path: Path, text: str) -> tuple[dict[str, list[str]], list[int] | None]:
    reader = csv.reader(io.StringIO(text))
    header = _header(path, ",".join(next(reader)))
    rows = [row for row in reader if row]
    if not rows:
        raise CostcalcError(f"{path}: the timeline has a header but no rows; give one row per query")
    width = len(header)
    if any(len(row) != width for row in rows):
        bad = next(index for index, row in enumerate(rows) if len(row) != width)
        raise CostcalcError(f"{path}: line {bad + 2}: {len(rows[bad])} fields where the header has {width}")
    # Data row i sits on line i + 2 unless blank lines or quoted line breaks intervene; count them only then.
    lines = None if text.count("\n") - text.endswith("\n") == len(rows) else _csv_lines(text)
    return {name: list(values) for name, values in zip(header, zip(*rows, strict=True), strict=True)}, lines


def _csv_lines(text: str) -> list[int]:
    reader = csv.reader(io.StringIO(text))
    next(reader)
    lines = []
    for row in reader:
        if row:
            lines.append(reader.line_num)
    return lines


def _read_jsonl(path: Path, text: str) -> tuple[dict[str, list[str]], list[int]]:
    columns: dict[str, list[str]] = {name: [] for name in COLUMNS}
    lines = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line, parse_float=str, object_pairs_hook=_no_repeats)  # exact digits
        except json.JSONDecodeError as error:
            raise CostcalcError(f"{path}: line {number}: not a JSON object ({error.msg})") from None
        except RecursionError:  # `[[[[…` a hundred thousand deep: a timeline row is one flat object
            raise CostcalcError(f"{path}: line {number}: nested too deeply to read (over about 1,000 levels); each "
                                "line must be one flat JSON object like {\"timestamp\": ...}") from None
        except _RepeatedField as repeated:
            raise CostcalcError(f"{path}: line {number}: field {repeated.name!r} is given twice; give each field "
                                "once") from None
        if not isinstance(record, dict):
            raise CostcalcError(f"{path}: line {number}: each line must be a JSON object like {{\"timestamp\": ...}}")
        unknown = [name for name in record if name not in COLUMNS]
        if unknown:
            raise CostcalcError(f"{path}: line {number}: unknown field {unknown[0]!r}; the fields are "
                                f"{', '.join(COLUMNS)}")
        for name in COLUMNS:
            value = record.get(name)
            columns[name].append("" if value is None else value if isinstance(value, str) else json.dumps(value))
        lines.append(number)
    if not lines:
        raise CostcalcError(f"{path}: the timeline has no rows; give one JSON object per query")
    present = {name: values for name, values in columns.items() if any(values)}
    present.setdefault("timestamp", columns["timestamp"])
    return present, lines


class _RepeatedField(Exception):
    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """json.loads keeps the last of repeated fields; a row saying two timestamps is refused instead."""
    record: dict[str, Any] = {}
    for name, value in pairs:
        if name in record:
            raise _RepeatedField(name)
        record[name] = value
    return record


def _from_columns(path: Path, columns: dict[str, list[str]], lines: list[int] | None,
                  workload: TokenDefaults) -> Timeline:
    def line_of(index: int) -> str:
        return f"line {lines[index] if lines is not None else index + 2}"

    try:
        times = parse_timestamps(columns["timestamp"])
    except TimestampError as error:
        raise CostcalcError(f"{path}: {line_of(error.index)}: {error}") from None
    count = len(times)
    default_context = -1 if workload.context_tokens is None else workload.context_tokens
    contexts = _counts(path, columns.get("context_tokens"), "context_tokens", default_context, count, line_of)
    prompts = _counts(path, columns.get("prompt_tokens"), "prompt_tokens", workload.prompt_tokens, count, line_of)
    outputs = _counts(path, columns.get("output_tokens"), "output_tokens", workload.output_tokens, count, line_of)
    keys = columns.get("key")
    return build_timeline(times, None if keys is None else factorize_keys(keys), contexts, prompts, outputs,
                          str(path), line_of)


def _counts(path: Path, texts: list[str] | None, name: str, default: int, count: int,
            line_of: Any) -> npt.NDArray[np.int64]:
    if texts is None:
        return np.full(count, default, dtype=np.int64)
    try:
        if all(texts):
            values = np.array(texts, dtype=str).astype(np.int64)
            if values.size and (values.min() < 0 or values.max() > MAX_TOKENS):
                raise ValueError
            return values
    except (ValueError, OverflowError):
        pass
    return np.array([_count_text(path, text, name, default, line_of(index)) for index, text in enumerate(texts)],
                    dtype=np.int64)
