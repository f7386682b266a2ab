"""Timelines: queries with a time, a key (which context) and token counts, from a file or built in code.

A timeline is held as sorted integer arrays (times in microseconds), so every strategy counts with array
operations; see docs/timelines.md for the file format and the choices made where the billing rules are silent.
"""

from __future__ import annotations

import csv
import io
import json
import stat
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Union

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field

from costcalc.errors import CostcalcError
from costcalc.timeline.timestamps import TimestampError, parse_one, parse_timestamps

COLUMNS = ("timestamp", "key", "context_tokens", "prompt_tokens", "output_tokens")
MAX_TOKENS = 10**10
DEFAULT_KEY = ""


class TrafficWorkload(BaseModel):
    """Token counts for queries whose timeline rows do not give their own."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    context_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Reused context tokens of every key (one key is one context); None: every row must say."""
    prompt_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    """Fresh prompt tokens per query."""
    output_tokens: int = Field(default=0, ge=0, le=MAX_TOKENS)
    """Output tokens per query, thinking included."""


class TimelineRow(BaseModel):
    """One query of a timeline, as a user builds it in code."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timestamp: Union[datetime, int, str]
    """When the query was sent: an aware datetime, epoch seconds, or their text (ISO 8601 with a zone)."""
    key: str = DEFAULT_KEY
    """Which context the query reuses; each key has its own caches."""
    context_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Reused context tokens (fixed per key); None: the workload's."""
    prompt_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Fresh prompt tokens; None: the workload's."""
    output_tokens: int | None = Field(default=None, ge=0, le=MAX_TOKENS)
    """Output tokens; None: the workload's."""


@dataclass(frozen=True)
class Timeline:
    """Queries sorted by key, then time. Arrays are per query unless named per key."""

    times: npt.NDArray[np.int64]
    """Microseconds since 1970-01-01 UTC."""
    key_index: npt.NDArray[np.int64]
    """Which key (an index into `keys`)."""
    prompt_tokens: npt.NDArray[np.int64]
    output_tokens: npt.NDArray[np.int64]
    keys: tuple[str, ...]
    key_context: npt.NDArray[np.int64]
    """Context tokens of each key."""
    key_starts: npt.NDArray[np.int64]
    """Index of each key's first query."""
    source: str
    """Where the queries came from, for the report."""

    @property
    def queries(self) -> int:
        return int(self.times.size)

    @property
    def context_tokens(self) -> npt.NDArray[np.int64]:
        """Context tokens of each query's key."""
        return self.key_context[self.key_index]

    @property
    def first_of_key(self) -> npt.NDArray[np.bool_]:
        first = np.zeros(self.queries, dtype=bool)
        first[self.key_starts] = True
        return first

    @property
    def span_seconds(self) -> float:
        return float(self.times.max() - self.times.min()) / 1e6 if self.queries else 0.0


def build_timeline(times: npt.NDArray[np.int64], keys: Sequence[str] | None,
                   contexts: Sequence[int | None] | None, prompts: npt.NDArray[np.int64],
                   outputs: npt.NDArray[np.int64], source: str, line_of: Any = None) -> Timeline:
    """Sort by key then time, and fix one context size per key. `line_of(i)` names row i in errors."""
    name = line_of or (lambda index: f"row {index + 1}")
    count = int(times.size)
    if count == 0:
        raise CostcalcError(f"{source}: the timeline has no queries; give at least one row")
    if keys is None:
        key_ids = np.zeros(count, dtype=np.int64)
        names: tuple[str, ...] = (DEFAULT_KEY,)
    else:
        seen: dict[str, int] = {}
        key_ids = np.fromiter((seen.setdefault(key, len(seen)) for key in keys), dtype=np.int64, count=count)
        names = tuple(seen)
    order = np.argsort(times, kind="stable") if len(names) == 1 else np.lexsort((times, key_ids))
    key_ids = key_ids[order]
    starts = np.flatnonzero(np.r_[True, key_ids[1:] != key_ids[:-1]])
    if contexts is None:
        raise CostcalcError(f"{source}: no context size; give --context or a context_tokens column")
    context_row = np.asarray(contexts, dtype=np.int64)[order]
    low = np.minimum.reduceat(context_row, starts)
    high = np.maximum.reduceat(context_row, starts)
    if (low < 0).any():
        key_at = int(np.flatnonzero(low < 0)[0])
        index = int(order[starts[key_at] + np.flatnonzero(context_row[starts[key_at]:] < 0)[0]])
        raise CostcalcError(f"{source}: {name(index)}: no context size for this query; give --context or fill its "
                            "context_tokens")
    if (low != high).any():
        key_at = int(np.flatnonzero(low != high)[0])
        segment = context_row[starts[key_at]:starts[key_at + 1] if key_at + 1 < starts.size else count]
        first_index = int(order[starts[key_at]])
        position = int(starts[key_at] + np.flatnonzero(segment != segment[0])[0])
        other = int(order[position])
        label = names[int(key_ids[starts[key_at]])] or "(default)"
        raise CostcalcError(
            f"{source}: {name(other)}: key {label!r} has context_tokens {int(context_row[position]):,} "
            f"but {name(first_index)} says {int(segment[0]):,}; a key is one context, so give each size its own key")
    ordered_names = tuple(names[int(key_ids[start])] for start in starts)
    return Timeline(times[order], np.repeat(np.arange(starts.size, dtype=np.int64), np.diff(np.r_[starts, count])),
                    prompts[order], outputs[order], ordered_names, low.astype(np.int64), starts.astype(np.int64),
                    source)


def timeline_from_rows(rows: Iterable[TimelineRow | dict[str, Any]], workload: TrafficWorkload | None = None,
                       source: str = "rows") -> Timeline:
    """A timeline from rows built in code (dicts are validated as TimelineRow)."""
    workload = workload or TrafficWorkload()
    checked = [row if isinstance(row, TimelineRow) else TimelineRow.model_validate(row) for row in rows]
    times = np.empty(len(checked), dtype=np.int64)
    for index, row in enumerate(checked):
        stamp = row.timestamp
        try:
            times[index] = parse_one(stamp.isoformat() if isinstance(stamp, datetime) else stamp, index)
        except TimestampError as error:
            raise CostcalcError(f"{source}: row {index + 1}: {error}") from None
    default_context = -1 if workload.context_tokens is None else workload.context_tokens
    contexts = [default_context if row.context_tokens is None else row.context_tokens for row in checked]
    prompts = np.array([workload.prompt_tokens if row.prompt_tokens is None else row.prompt_tokens
                        for row in checked], dtype=np.int64)
    outputs = np.array([workload.output_tokens if row.output_tokens is None else row.output_tokens
                        for row in checked], dtype=np.int64)
    keys = [row.key for row in checked]
    return build_timeline(times, None if all(key == DEFAULT_KEY for key in keys) else keys, contexts, prompts,
                          outputs, source)


def read_timeline(path: Path | str, workload: TrafficWorkload | None = None) -> Timeline:
    """A CSV (with a header) or JSONL file, one query per row; see docs/timelines.md for the columns."""
    path = Path(path)
    workload = workload or TrafficWorkload()
    try:
        mode = path.stat().st_mode
    except OSError as error:
        raise CostcalcError(f"{path}: cannot read the timeline ({error.strerror}); check the path") from None
    if not stat.S_ISREG(mode):
        raise CostcalcError(f"{path}: not a regular file (a pipe or a folder?); save the timeline to a file first")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise CostcalcError(f"{path}: cannot read the timeline as UTF-8 text ({error})") from None
    if not text.strip():
        raise CostcalcError(f"{path}: the timeline is empty; give a header line and one row per query")
    jsonl = path.suffix.lower() in (".jsonl", ".ndjson") or (
        path.suffix.lower() != ".csv" and text.lstrip().startswith("{"))
    columns, lines = _read_jsonl(path, text) if jsonl else _read_csv(path, text)
    return _from_columns(path, columns, lines, workload)


def _read_csv(path: Path, text: str) -> tuple[dict[str, list[str]], list[int] | None]:
    reader = csv.reader(io.StringIO(text))
    header = [name.strip() for name in next(reader)]
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise CostcalcError(f"{path}:1: unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}")
    if "timestamp" not in header:
        raise CostcalcError(f"{path}:1: no timestamp column; the header must name it (columns: {', '.join(COLUMNS)})")
    if len(set(header)) != len(header):
        raise CostcalcError(f"{path}:1: a column is named twice in the header")
    rows = [row for row in reader if row]
    if not rows:
        raise CostcalcError(f"{path}: the timeline has a header but no rows; give one row per query")
    width = len(header)
    if any(len(row) != width for row in rows):
        bad = next(index for index, row in enumerate(rows) if len(row) != width)
        raise CostcalcError(f"{path}:{bad + 2}: {len(rows[bad])} fields where the header has {width}")
    # Data row i sits on line i + 2 unless blank lines or quoted line breaks intervene; count them only then.
    lines = None if text.count("\n") - text.endswith("\n") == len(rows) else _csv_lines(text)
    return {name: list(values) for name, values in zip(header, zip(*rows), strict=True)}, lines


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
            record = json.loads(line, parse_float=str)  # exact: the timestamp parser reads the digits
        except json.JSONDecodeError as error:
            raise CostcalcError(f"{path}:{number}: not a JSON object ({error.msg})") from None
        if not isinstance(record, dict):
            raise CostcalcError(f"{path}:{number}: each line must be a JSON object like {{\"timestamp\": ...}}")
        unknown = [name for name in record if name not in COLUMNS]
        if unknown:
            raise CostcalcError(f"{path}:{number}: unknown field {unknown[0]!r}; the fields are {', '.join(COLUMNS)}")
        for name in COLUMNS:
            value = record.get(name)
            columns[name].append("" if value is None else value if isinstance(value, str) else json.dumps(value))
        lines.append(number)
    if not lines:
        raise CostcalcError(f"{path}: the timeline has no rows; give one JSON object per query")
    present = {name: values for name, values in columns.items() if any(values)}
    present.setdefault("timestamp", columns["timestamp"])
    return present, lines


def _from_columns(path: Path, columns: dict[str, list[str]], lines: list[int] | None,
                  workload: TrafficWorkload) -> Timeline:
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
    return build_timeline(times, columns.get("key"), contexts.tolist(), prompts, outputs, str(path), line_of)


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
    values = np.empty(count, dtype=np.int64)
    for index, text in enumerate(texts):
        raw = text.strip().replace("_", "")
        if not raw:
            values[index] = default
            continue
        if not raw.isdigit() or not raw.isascii():
            raise CostcalcError(f"{path}: {line_of(index)}: {name} {text!r} is not a whole number of tokens")
        if int(raw) > MAX_TOKENS:
            raise CostcalcError(f"{path}: {line_of(index)}: {name} {text!r} is larger than {MAX_TOKENS:,}; "
                                "check the number")
        values[index] = int(raw)
    return values
