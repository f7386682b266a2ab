"""The pure-Python billing engine: blocks of lines -> integer aggregates, with a fast path for typical records.

Most lines are camelCase responses with UTC times. A whole block of them is decoded in one call into small
typed structs (msgspec reads only the fields billing needs and skips the rest without building objects), the
times of the block are checked by one regular-expression call, and each record then costs a few integer
additions into a per-key cell. Anything unusual (snake_case, a cache, a zone offset, a bad count, an unknown
model...) is handed to the reference reading in `records`/`caches`, which decides and explains.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Optional

import msgspec

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.usage.caches import CacheLedger, bill_cache, cache_version
from costcalc.usage.counts import CACHED, FRESH, OUTPUT, RESPONSES, AggregateKey, CountTable
from costcalc.usage.lookup import PriceLookup, RecordError
from costcalc.usage.reader import Block, blocks, display_name
from costcalc.usage.records import MAX_COUNT, kind_of, response_facts
from costcalc.usage.report import BadRecord, RecordCounts, UsageBill, build_report
from costcalc.usage.times import UTC_TIME, UTC_TIMES

_Count = Optional[Annotated[int, msgspec.Meta(ge=0, le=MAX_COUNT)]]


class _Usage(msgspec.Struct):
    prompt: _Count = msgspec.field(default=None, name="promptTokenCount")
    cached: _Count = msgspec.field(default=None, name="cachedContentTokenCount")
    candidates: _Count = msgspec.field(default=None, name="candidatesTokenCount")
    thoughts: _Count = msgspec.field(default=None, name="thoughtsTokenCount")
    tool_use: _Count = msgspec.field(default=None, name="toolUsePromptTokenCount")
    # A snake_case count counts when its camelCase twin is absent: such records take the reference path
    # (typed `None`, any value fails this decoder and the block is re-read line by line).
    prompt_snake: None = msgspec.field(default=None, name="prompt_token_count")
    cached_snake: None = msgspec.field(default=None, name="cached_content_token_count")
    candidates_snake: None = msgspec.field(default=None, name="candidates_token_count")
    thoughts_snake: None = msgspec.field(default=None, name="thoughts_token_count")
    tool_use_snake: None = msgspec.field(default=None, name="tool_use_prompt_token_count")


class _Line(msgspec.Struct):
    name: Optional[str] = None
    model_version: Optional[str] = msgspec.field(default=None, name="modelVersion")
    timestamp: Optional[str] = None
    create_time: Optional[str] = msgspec.field(default=None, name="createTime")
    usage: Optional[_Usage] = msgspec.field(default=None, name="usageMetadata")
    batch: Optional[bool] = None


_decode_block = msgspec.json.Decoder(list[_Line]).decode
_decode_line = msgspec.json.Decoder(_Line).decode
_decode_any = msgspec.json.decode
_FastPrices = tuple[int, AggregateKey, AggregateKey, bool]  # threshold, lower key, upper key, cached priced


class BadUsageRecord(CostcalcError):
    """Raised under `strict`: the first record that cannot be billed."""


class UsageBiller:
    """Bills records as they come (`add`, `add_line`, `read`); `result()` prices what was added so far.

        biller = UsageBiller(load_tables())
        biller.read("traffic.jsonl.gz")       # or biller.add(response_dict) as a service logs
        print(biller.result().total)
    """

    def __init__(self, tables: PriceTables | None = None, platform: str = "gemini-api", strict: bool = False) -> None:
        if tables is None:
            from costcalc.prices.tables import load_tables

            tables = load_tables()
        tables.models(platform)  # an unknown platform is an error now, not a bad record per line
        self.tables = tables
        self.platform = platform
        self.strict = strict
        self.lookup = PriceLookup(tables, platform)
        self._counts = CountTable()
        self._ledger = CacheLedger()
        self._bad: list[tuple[int, BadRecord]] = []
        self._files: list[str] = []
        self._lines = 0
        self._fast_prices: dict[tuple[str, str, bool], _FastPrices | None] = {}

    # ----------------------------------------------------------------- input
    def read(self, source: str | Path) -> None:
        """Every line of a log file (plain or .gz) or of standard input (`-`)."""
        index = self._source(display_name(source))
        for block in blocks(source):
            self.add_block(block, index)

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
        lines = block.lines
        last = None
        if block.unterminated_last:
            lines, last = lines[:-1], lines[-1]
        if lines:
            self._add_lines(lines, source, block.first_line)
        if last is not None and last.strip():
            number = block.first_line + len(lines)
            try:
                parsed = _decode_any(last)
            except msgspec.DecodeError:
                self._lines += 1
                # Not fatal even under strict: the logger is probably still writing this line.
                self._bad.append((source, BadRecord(self._files[source], number, "truncated_last_line",
                                                    "truncated last line (the log is still being written?); "
                                                    "not billed")))
                return
            self._lines += 1
            self._add_object(parsed, source, number)

    # ----------------------------------------------------------------- result
    def result(self) -> UsageBill:
        """The bill of everything added so far (caches are billed from their latest version seen)."""
        counts = self._counts.copy()
        bad = list(self._bad)
        billed = 0
        for version in sorted(self._ledger.latest.values(), key=lambda v: (v.source, v.line)):
            try:
                bill_cache(version, self.lookup, counts)
                billed += 1
            except RecordError as error:
                record = BadRecord(self._files[version.source], version.line, error.code, error.reason)
                if self.strict:
                    raise BadUsageRecord(_strict_message(record)) from None
                bad.append((version.source, record))
        bad.sort(key=lambda item: (item[0], item[1].line))
        aggregates = counts.freeze()
        records = RecordCounts(
            lines=self._lines, responses=sum(c.responses for c in aggregates.values()),
            cache_records=self._ledger.records, caches=billed, superseded=self._ledger.superseded, bad=len(bad))
        return build_report(self.platform, aggregates, self.tables, [record for _, record in bad], records)

    # ----------------------------------------------------------------- internals
    def _source(self, name: str) -> int:
        if name not in self._files:
            self._files.append(name)
        return self._files.index(name)

    def _add_lines(self, lines: list[bytes], source: int, first_line: int) -> None:
        try:
            records = _decode_block(b"[" + b",".join(lines) + b"]")
        except msgspec.DecodeError:  # a bad or unusual line somewhere: line by line, in order
            for offset, raw in enumerate(lines):
                try:
                    typed = _decode_line(raw)
                except msgspec.DecodeError:
                    self._slow_line(raw, source, first_line + offset)
                    continue
                self._lines += 1
                if self._fast([typed]):
                    self._slow_line(raw, source, first_line + offset, counted=True)
            return
        self._lines += len(records)
        for position in self._fast(records):
            self._slow_line(lines[position], source, first_line + position, counted=True)

    def _fast(self, records: list[_Line]) -> list[int]:
        """Bill the typical records; return the positions of the others (for the reference reading)."""
        slow = []
        cells = self._counts.cells
        known = self._fast_prices
        try:
            stamps = [r.timestamp if r.timestamp is not None else r.create_time for r in records]
            all_utc = UTC_TIMES.fullmatch("\n".join(stamps) + "\n") is not None  # type: ignore[arg-type]
        except TypeError:  # a record without a time
            all_utc = False
        for position, record in enumerate(records):
            usage = record.usage
            name = record.model_version
            stamp = record.timestamp
            if stamp is None:
                stamp = record.create_time
            if (usage is None or name is None or stamp is None or record.name is not None
                    or not (all_utc or UTC_TIME.fullmatch(stamp))):
                slow.append(position)
                continue
            batch = record.batch is True
            prices = known.get((name, stamp[:10], batch))
            if prices is None:
                prices = self._prices_for(name, stamp[:10], batch)
                if prices is None:
                    slow.append(position)
                    continue
            prompt = usage.prompt or 0
            cached = usage.cached or 0
            if cached and (cached > prompt or not prices[3]):
                slow.append(position)
                continue
            tool_use = usage.tool_use or 0
            cell = cells[prices[2] if prompt + tool_use > prices[0] else prices[1]]
            cell[RESPONSES] += 1
            cell[FRESH] += prompt - cached + tool_use
            cell[CACHED] += cached
            cell[OUTPUT] += (usage.candidates or 0) + (usage.thoughts or 0)
        return slow

    def _prices_for(self, name: str, day_text: str, batch: bool) -> _FastPrices | None:
        """Keys for (model, day, batch), or None when the reference reading must explain a problem."""
        memo = (name, day_text, batch)
        if memo in self._fast_prices:
            return self._fast_prices[memo]
        found: _FastPrices | None = None
        try:
            prices = self.lookup.response(name, date.fromisoformat(day_text), batch)
            self._counts.cell(prices.lower), self._counts.cell(prices.upper)  # the hot loop indexes them
            found = (prices.threshold, prices.lower, prices.upper, prices.cached_problem is None)
        except (RecordError, ValueError):
            pass
        self._fast_prices[memo] = found
        return found

    def _slow_line(self, raw: bytes, source: int, line: int, counted: bool = False) -> None:
        if not counted:
            if not raw.strip():
                return
            self._lines += 1
        try:
            parsed = _decode_any(raw)
        except msgspec.DecodeError:
            self._record_bad(source, line, RecordError("malformed_json", "not valid JSON"))
            return
        self._add_object(parsed, source, line)

    def _add_object(self, record: Any, source: int, line: int) -> None:
        try:
            if kind_of(record) == "response":
                key, fresh, cached, output = response_facts(record, self.lookup)
                self._counts.add_response(key, fresh, cached, output)
            else:
                self._ledger.add(cache_version(record, self.lookup, source, line))
        except RecordError as error:
            self._record_bad(source, line, error)

    def _record_bad(self, source: int, line: int, error: RecordError) -> None:
        record = BadRecord(self._files[source], line, error.code, error.reason)
        if self.strict:
            raise BadUsageRecord(_strict_message(record))
        self._bad.append((source, record))


def _strict_message(record: BadRecord) -> str:
    return (f"{record.file}:{record.line}: {record.reason} [{record.code}]; fix or remove the record, or bill "
            "without --strict to list every bad record")


def bill(records_or_paths: Iterable[Mapping[str, Any] | str | Path] | str | Path, tables: PriceTables | None = None,
         platform: str = "gemini-api", strict: bool = False) -> UsageBill:
    """The bill of log files (paths, `-` for stdin) and/or parsed records (dicts), in the order given."""
    biller = UsageBiller(tables, platform, strict)
    items = [records_or_paths] if isinstance(records_or_paths, (str, Path)) else records_or_paths
    for item in items:
        if isinstance(item, (str, Path)):
            biller.read(item)
        else:
            biller.add(item)
    return biller.result()
