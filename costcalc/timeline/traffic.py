"""Timelines: queries with a time, a key (which context) and token counts, built in code or by reader.py.

A timeline is held as sorted integer arrays (times in microseconds), so every strategy counts with array
operations; see docs/timelines.md for the file format and the choices made where the billing rules are silent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
import numpy.typing as npt

from costcalc.errors import CostcalcError
from costcalc.timeline.timestamps import TimestampError, parse_one

if TYPE_CHECKING:
    from costcalc.timeline.models import TimelineRow

COLUMNS = ("timestamp", "key", "context_tokens", "prompt_tokens", "output_tokens")
MAX_TOKENS = 10**10
DEFAULT_KEY = ""


class TokenDefaults(Protocol):
    """Token counts for rows that do not give their own (a TrafficWorkload, or anything shaped like one)."""

    @property
    def context_tokens(self) -> int | None: ...
    @property
    def prompt_tokens(self) -> int: ...
    @property
    def output_tokens(self) -> int: ...


MIX_FIELDS = ("context_audio_tokens", "context_video_tokens", "prompt_audio_tokens", "prompt_video_tokens")
"""Audio and video tokens of every query, on top of the text counts (docs/timelines.md, "Audio and video")."""


@dataclass(frozen=True)
class Defaults:
    """The command line's --context/--prompt/--output (the CLI skips pydantic to start faster)."""

    context_tokens: int | None = None
    prompt_tokens: int = 0
    output_tokens: int = 0
    context_audio_tokens: int = 0
    context_video_tokens: int = 0
    prompt_audio_tokens: int = 0
    prompt_video_tokens: int = 0


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
    dated: bool = True
    """False for generated traffic, whose start (2026-01-01) is a convention rather than a date of use."""
    context_audio_tokens: int = 0
    """AUDIO tokens of every key's context, on top of its text `key_context`."""
    context_video_tokens: int = 0
    prompt_audio_tokens: int = 0
    """AUDIO tokens of every query's fresh prompt, on top of its text `prompt_tokens`."""
    prompt_video_tokens: int = 0

    @property
    def has_mix(self) -> bool:
        return any(getattr(self, name) for name in MIX_FIELDS)

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


def check_defaults(workload: object, name: str = "workload") -> TokenDefaults:
    """A TrafficWorkload (or anything shaped like one) whose counts are whole numbers in range."""
    from costcalc.checks import check_count

    for field in ("context_tokens", "prompt_tokens", "output_tokens"):
        if not hasattr(workload, field):
            raise CostcalcError(f"{name} must be a costcalc.TrafficWorkload(context_tokens=..., prompt_tokens=..., "
                                f"output_tokens=...), got {type(workload).__name__}")
        value = getattr(workload, field)
        if value is not None or field != "context_tokens":
            check_count(f"{name}.{field}", value, MAX_TOKENS)
    for field in MIX_FIELDS:  # optional: a workload written before audio and video has none
        check_count(f"{name}.{field}", getattr(workload, field, 0), MAX_TOKENS)
    return workload  # type: ignore[return-value]


def with_mix(timeline: Timeline, workload: object) -> Timeline:
    """The timeline with the workload's audio and video for every query (none: unchanged)."""
    mix = [int(getattr(workload, field, 0)) for field in MIX_FIELDS]
    if not any(mix):
        return timeline
    return replace(timeline, context_audio_tokens=mix[0], context_video_tokens=mix[1], prompt_audio_tokens=mix[2],
                   prompt_video_tokens=mix[3])


def factorize_keys(keys: Sequence[str]) -> tuple[npt.NDArray[np.int64], tuple[str, ...]]:
    seen: dict[str, int] = {}
    ids = np.fromiter((seen.setdefault(key, len(seen)) for key in keys), dtype=np.int64, count=len(keys))
    return ids, tuple(seen)


def build_timeline(times: npt.NDArray[np.int64], keys: tuple[npt.NDArray[np.int64], tuple[str, ...]] | None,
                   contexts: npt.NDArray[np.int64], prompts: npt.NDArray[np.int64],
                   outputs: npt.NDArray[np.int64], source: str, line_of: Any = None) -> Timeline:
    """Sort by key then time, and fix one context size per key (-1 in `contexts`: not given).

    `keys` is (key id per query, key names); `line_of(i)` names query i in errors.
    """
    name = line_of or (lambda index: f"row {index + 1}")
    count = int(times.size)
    if count == 0:
        raise CostcalcError(f"{source}: the timeline has no queries; give at least one row")
    key_ids, names = keys if keys is not None else (np.zeros(count, dtype=np.int64), (DEFAULT_KEY,))
    if (len(names) == 1 and int(contexts[0]) >= 0 and bool((times[1:] >= times[:-1]).all())
            and bool((contexts == contexts[0]).all())):  # one key, in time order, one context: nothing to move
        return Timeline(times, np.zeros(count, dtype=np.int64), prompts, outputs, names,
                        np.array([int(contexts[0])], dtype=np.int64), np.zeros(1, dtype=np.int64), source)
    order = _key_time_order(times, key_ids, len(names))
    key_ids = key_ids[order]
    starts = np.flatnonzero(np.r_[True, key_ids[1:] != key_ids[:-1]])
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


def _key_time_order(times: npt.NDArray[np.int64], key_ids: npt.NDArray[np.int64], keys: int) -> npt.NDArray[np.intp]:
    """Order by key, then time (equal times keep their file order); one int64 sort when key x time fits."""
    if keys == 1:
        return np.argsort(times, kind="stable")
    start = int(times.min())
    width = int(times.max()) - start + 1
    if keys * width < 2**62:
        # Unstable is fine: queries of one key at one instant cost the same in any order (docs/timelines.md).
        return np.argsort(key_ids * width + (times - start))
    return np.lexsort((times, key_ids))


def timeline_from_rows(rows: Iterable[TimelineRow | dict[str, Any]], workload: TokenDefaults | None = None,
                       source: str = "rows") -> Timeline:
    """A timeline from rows built in code (dicts are validated as TimelineRow)."""
    workload = check_defaults(Defaults() if workload is None else workload)
    from costcalc.timeline.models import TimelineRow

    if isinstance(rows, (str, bytes, dict)) or not isinstance(rows, Iterable):
        raise CostcalcError(f"rows must be a list of TimelineRow or dicts, got {type(rows).__name__}")
    checked = []
    for number, row in enumerate(rows, start=1):
        if isinstance(row, TimelineRow):
            checked.append(row)
            continue
        if not isinstance(row, dict):
            raise CostcalcError(f"{source}: row {number}: must be a TimelineRow or a dict, got {type(row).__name__}")
        checked.append(TimelineRow.checked(row, f"{source}: row {number}"))
    if not checked:
        raise CostcalcError(f"{source}: the timeline has no queries; give at least one row")
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
    return with_mix(build_timeline(times, None if all(key == DEFAULT_KEY for key in keys) else factorize_keys(keys),
                                   np.array(contexts, dtype=np.int64), prompts, outputs, source), workload)
