"""The pure-Python billing engine: blocks of lines -> integer aggregates, with a fast path for typical records.

Most lines are camelCase responses with UTC times. A block of them is decoded in one call into small typed
structs (msgspec reads only the fields billing needs and skips the rest without building objects), the times
of a whole block are
checked by one regular-expression call, and each record then costs a few integer additions into a per-key
cell. Anything unusual (snake_case, a cache, a zone offset, a bad count, an unknown
model...) is handed to the reference reading in `records`/`caches`, which decides and explains.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

import msgspec

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.usage.caches import CacheLedger, CacheVersion, StorageDays, bill_cache, cache_version
from costcalc.usage.counts import CountTable
from costcalc.usage.details import unpriced_slots
from costcalc.usage.fast import FastPrices, PriceMemo, bill_typed
from costcalc.usage.lines import TOO_DEEP, lines_at, malformed, split_lines, strict_message
from costcalc.usage.lookup import NO_THRESHOLD, PriceLookup, RecordError
from costcalc.usage.notes import CacheVersionFacts, cache_conflict_notes, context_windows, window_notes
from costcalc.usage.reader import STDIN, Block, blocks, display_name, file_identity
from costcalc.usage.records import kind_of, response_facts
from costcalc.usage.report import BadRecord, RecordCounts, UsageBill, build_report, listed_bad_limit
from costcalc.usage.structs import decode_any, decode_line, decode_lines
from costcalc.usage.times import LAST_FAST_DAY


@dataclass(frozen=True)
class BillPart:
    """What one biller read from a byte range of a file, before cache pricing."""

    counts: CountTable
    lines: int
    """Non-empty lines read."""
    bad: list[BadRecord]
    """In line order, numbered from 1 at the range's start."""
    cache_versions: list[CacheVersion]
    """Every well-formed cache record, in line order, numbered likewise."""
    unlisted: dict[str, int] = field(default_factory=dict)
    """Bad records past the listed ones (`report.listed_bad_limit`), counted per code."""
    over_window: dict[str, int] = field(default_factory=dict)
    """Responses billed with prompts above their model's context window, per model id."""


class BadUsageRecord(CostcalcError):
    """Raised under `strict`: the first record that cannot be billed."""


class UsageBiller:
    """Bills records as they come (`add`, `add_line`, `read`); `result()` prices what was added so far.

        biller = UsageBiller(load_tables())
        biller.read("traffic.jsonl.gz")       # or biller.add(response_dict) as a service logs
        print(biller.result().total)
    """

    def __init__(self, tables: PriceTables | None = None, platform: str = "gemini-api", strict: bool = False,
                 workers: int | None = 1) -> None:
        """`workers`: processes for a big plain file; None chooses (COSTCALC_BILL_WORKERS, else one per idle core).
        The default is 1 because forking a process that runs other threads (a service) is not safe."""
        if tables is None:
            from costcalc.prices.tables import load_tables

            tables = load_tables()
        tables.models(platform)  # an unknown platform is an error now, not a bad record per line
        self.tables = tables
        self.platform = platform
        self.strict = strict
        self.workers = workers
        self.lookup = PriceLookup(tables, platform)
        self._counts = CountTable()
        self._ledger = CacheLedger()
        self._bad: list[tuple[int, BadRecord]] = []
        self._unlisted: dict[str, int] = {}  # bad records past the first `_listed`, per code (bounded memory)
        self._listed = listed_bad_limit()
        self._files: list[str] = []
        self._identities: dict[tuple[int, int], str] = {}
        self._lines = 0
        self._fast_prices: dict[PriceMemo, FastPrices | None] = {}
        self._windows = context_windows(tables, platform)
        self._over_window: dict[str, int] = {}  # responses above their model's context window, per model id

    # ----------------------------------------------------------------- input
    def read(self, source: str | Path, *, name: str | None = None) -> None:
        """Every line of a log file (plain or .gz) or of standard input (`-`); a big plain file is cut into
        byte ranges billed on several CPU cores (`costcalc.usage.parallel`), with the same result.
        `name`: what bad records call the file (default: its path), e.g. the name a web upload was given."""
        if str(source) != STDIN:
            self._once(Path(source))
        index = self._source(display_name(source) if name is None else name)
        if str(source) != STDIN:
            from costcalc.usage.parallel import read_in_parallel, workers_for

            workers = workers_for(Path(source), self.workers)
            if workers > 1:
                read_in_parallel(self, Path(source), index, workers)
                return
        self.read_range(source, index)

    def read_range(self, source: str | Path, index: int, start: int = 0, stop: int | None = None) -> int:
        """Bytes [start, stop) of a log (the whole log by default); returns how many lines they hold."""
        lines = 0
        for block in blocks(source, start=start, stop=stop):
            self.add_block(block, index)
            lines += block.newlines + 1
        return lines

    def part(self) -> BillPart:
        """What this biller read, for a biller that merges parts of one file (see `merge`)."""
        return BillPart(self._counts, self._lines, [record for _, record in self._bad], self._ledger.versions,
                        dict(self._unlisted), dict(self._over_window))

    def merge(self, part: BillPart, source: int, line_offset: int) -> None:
        """Add a part read from later bytes of source `source`; its line numbers are shifted by `line_offset`.
        Parts merged in file order give exactly the bill of one pass (sums, ordered bad records and versions)."""
        self._counts.merge(part.counts)
        self._lines += part.lines
        for record in part.bad:
            self._record_bad(source, record.line + line_offset, RecordError(record.code, record.reason))
        for version in part.cache_versions:
            self._ledger.add(replace(version, source=source, line=version.line + line_offset))
        for code, number in part.unlisted.items():
            self._unlisted[code] = self._unlisted.get(code, 0) + number
        for model, number in part.over_window.items():
            self._over_window[model] = self._over_window.get(model, 0) + number

    def add(self, record: Mapping[str, Any], *, source: str = "<records>", line: int | None = None) -> None:
        """One record as parsed JSON (a dict)."""
        index = self._source(source)
        self._lines += 1
        self._add_object(record, index, self._lines if line is None else line)

    def add_line(self, raw: bytes | str, *, source: str = "<records>", line: int | None = None) -> None:
        """One line of JSON text (a blank line is skipped)."""
        index = self._source(source)
        self._slow_line(raw.encode() if isinstance(raw, str) else raw, index, self._lines + 1 if line is None else line)

    def add_block(self, block: Block, source: int) -> None:
        if not block.unterminated_last:
            self._add_data(block.buffer, block.end, source, block.first_line, block.newlines, block.aligned)
            return
        last = block.data
        if not last.strip():
            return
        try:
            parsed = decode_any(last)
        except RecursionError:
            self._lines += 1
            self._record_bad(source, block.first_line, TOO_DEEP)
            return
        except msgspec.DecodeError:
            self._lines += 1
            # Reported, not fatal (the logger is probably still writing it); --strict stops here like anywhere.
            self._record_bad(source, block.first_line, RecordError(
                "truncated_last_line", "truncated last line (the log is still being written?); not billed"))
            return
        self._lines += 1
        self._add_object(parsed, source, block.first_line)

    # ----------------------------------------------------------------- result
    def result(self) -> UsageBill:
        """The bill of everything added so far (caches are billed from their latest version seen)."""
        counts = self._counts.copy()
        bad = list(self._bad)
        unlisted = dict(self._unlisted)
        billed = 0
        full_days = StorageDays()
        for version in sorted(self._ledger.latest.values(), key=lambda v: (v.source, v.line)):
            try:
                bill_cache(version, self.lookup, counts, self._ledger.deleted.get(version.name), full_days)
                billed += 1
            except RecordError as error:
                record = BadRecord(self._files[version.source], version.line, error.code, error.reason)
                if self.strict:
                    raise BadUsageRecord(strict_message(record)) from None
                if len(bad) < self._listed:
                    bad.append((version.source, record))
                else:
                    unlisted[record.code] = unlisted.get(record.code, 0) + 1
        full_days.flush(self.lookup, counts)
        bad.sort(key=lambda item: (item[0], item[1].line))
        aggregates = counts.freeze()
        records = RecordCounts(
            lines=self._lines, responses=sum(c.responses for c in aggregates.values()),
            cache_records=self._ledger.records, caches=billed, superseded=self._ledger.superseded,
            bad=len(bad) + sum(unlisted.values()))
        facts = (CacheVersionFacts(v.name, v.entry.model.id, v.created_ns, v.updated_ns, (v.source, v.line),
                                   self._files[v.source], v.line) for v in self._ledger.versions)
        notes = (*window_notes(self._over_window, self.tables, self.platform), *cache_conflict_notes(facts))
        return build_report(self.platform, aggregates, self.tables, [record for _, record in bad], records,
                            unlisted_bad=unlisted, notes=notes)

    # ----------------------------------------------------------------- internals
    def _once(self, path: Path) -> None:
        """Refuse a file read before (under any name): it would be billed twice."""
        try:
            identity = file_identity(path)
        except OSError:
            return  # the reader says what is wrong with it
        earlier = self._identities.get(identity)
        if earlier is not None:
            same = "" if earlier == str(path) else f" (the same file as {earlier})"
            raise CostcalcError(f"{path} is given twice{same}; each log is billed once, give it once")
        self._identities[identity] = str(path)

    def _source(self, name: str) -> int:
        if name not in self._files:
            self._files.append(name)
        return self._files.index(name)

    def _add_data(self, buffer: bytes | bytearray, end: int, source: int, first_line: int, newlines: int,
                  aligned: bool) -> None:
        """Whole lines `buffer[:end]`. One decode call when every line is a single object on its own line
        (`aligned`, see `reader.Block`)."""
        if aligned:
            try:
                with memoryview(buffer) as view, view[:end] as lines_view:
                    records = decode_lines(lines_view)
            except (msgspec.DecodeError, RecursionError):
                records = []
            if len(records) == newlines + 1:
                self._lines += len(records)
                slow = bill_typed(records, self._fast_prices.get, self._prices_for, self._over_window)
                for position, raw in zip(slow, lines_at(buffer, end, newlines, slow), strict=True):
                    self._slow_line(raw, source, first_line + position, counted=True)
                return
        self._add_lines(split_lines(buffer, end, newlines), source, first_line)

    def _add_lines(self, lines: Sequence[bytes | bytearray], source: int, first_line: int) -> None:
        """Line by line, in order: typed where possible, else the reference reading."""
        for offset, raw in enumerate(lines):
            try:
                typed = decode_line(raw)
            except (msgspec.DecodeError, RecursionError):
                self._slow_line(raw, source, first_line + offset)
                continue
            self._lines += 1
            if bill_typed([typed], self._fast_prices.get, self._prices_for, self._over_window):
                self._slow_line(raw, source, first_line + offset, counted=True)

    def _prices_for(self, memo: PriceMemo) -> FastPrices | None:
        """Cells for (model, day, batch), or None when the reference reading must explain a problem."""
        if memo in self._fast_prices:
            return self._fast_prices[memo]
        name, day_text, batch = memo
        found: FastPrices | None = None
        if name is not None and "1970-01-01" <= day_text <= LAST_FAST_DAY:  # else the reference reading decides
            try:
                prices = self.lookup.response(name, date.fromisoformat(day_text), batch is True)
                slots = unpriced_slots(prices.unpriced)  # fresh AUDIO is item 3 of `details.flat`, cached AUDIO 6
                window = self._windows.get(prices.lower.model, NO_THRESHOLD)
                found = (min(prices.threshold, window), self._counts.cell(prices.lower),
                         self._counts.cell(prices.upper), prices.cached_problem is None, slots, 3 not in slots,
                         6 not in slots, window, prices.threshold, prices.lower.model)
            except (RecordError, ValueError):
                pass
        self._fast_prices[memo] = found
        return found

    def _slow_line(self, raw: bytes | bytearray, source: int, line: int, counted: bool = False) -> None:
        if not counted:
            if not raw.strip():
                return
            self._lines += 1
        try:
            parsed = decode_any(raw)
        except RecursionError:
            self._record_bad(source, line, TOO_DEEP)
            return
        except msgspec.DecodeError as error:
            self._record_bad(source, line, malformed(error))
            return
        self._add_object(parsed, source, line)

    def _add_object(self, record: Any, source: int, line: int) -> None:
        try:
            if kind_of(record) == "response":
                key, tokens = response_facts(record, self.lookup)
                self._counts.add_response(key, tokens)
                window = self._windows.get(key.model)
                if window is not None and tokens[0] + tokens[1] > window:  # fresh + cached = prompt + tool use
                    self._over_window[key.model] = self._over_window.get(key.model, 0) + 1
            else:
                self._ledger.add(cache_version(record, self.lookup, source, line))
        except RecordError as error:
            self._record_bad(source, line, error)

    def _record_bad(self, source: int, line: int, error: RecordError) -> None:
        if self.strict:
            raise BadUsageRecord(strict_message(BadRecord(self._files[source], line, error.code, error.reason)))
        if len(self._bad) < self._listed:
            self._bad.append((source, BadRecord(self._files[source], line, error.code, error.reason)))
        else:  # a log of millions of bad lines: count them, keep memory bounded (docs/usage-billing.md)
            self._unlisted[error.code] = self._unlisted.get(error.code, 0) + 1
