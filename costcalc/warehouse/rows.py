"""What the SQL engines share with `costcalc bill`'s own reading: usage rows, reasons, and the final report.

A SQL engine computes integer aggregates; the bill is then built by the very code of the default engine
(`costcalc.usage.report.build_report`), so the JSON is the same. Lines SQL is not sure of, and the reasons
of records SQL refuses, come from the reference reading of `costcalc.usage.records` and `.caches`
(docs/usage-billing.md; docs/warehouse.md, "Engines").
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.usage.caches import bill_cache, cache_version
from costcalc.usage.counts import AggregateKey, Counts, CountTable
from costcalc.usage.lookup import PriceLookup, RecordError
from costcalc.usage.notes import CacheVersionFacts, cache_conflict_notes, context_windows, window_notes
from costcalc.usage.records import RESPONSE_COUNTS, count, field, kind_of, model_name, response_facts, time_ns, usage_of
from costcalc.usage.report import BadRecord, RecordCounts, UsageBill, build_report, listed_bad_limit
from costcalc.usage.times import NS_PER_DAY, NS_PER_SECOND
from costcalc.warehouse.record_details import cache_details, response_details

RESPONSE_PARTS = ("fresh_audio_tokens", "fresh_image_tokens", "fresh_video_tokens", "cached_audio_tokens",
                  "cached_image_tokens", "cached_video_tokens", "output_audio_tokens", "output_image_tokens")
"""A response's modality parts, in `ResponseTokens` order after its three totals (Counts slots of these names)."""
MODALITY_COLUMNS = (*RESPONSE_PARTS, "cache_audio_tokens")
"""Optional in a Parquet usage file (absent: 0, all text)."""
USAGE_COLUMNS = ("file", "line", "seq", "platform", "kind", "model_name", "batch", "time_ns", "prompt_tokens",
                 "cached_tokens", "candidates_tokens", "thoughts_tokens", "tool_use_prompt_tokens", "cache_name",
                 "cache_tokens", "expire_ns", "update_ns", "delete_ns", *MODALITY_COLUMNS)
"""The usage relation (see `costcalc.warehouse.sql.USAGE_DDL`)."""
_NO_PARTS = (0,) * len(RESPONSE_PARTS)
UsageRow = tuple[Any, ...]
SEQ_LINES = 1 << 50
"""`seq` = input index x 2^50 + position (the line of a JSONL log; the stored `seq` of a Parquet usage file):
read order across inputs (a later record wins a tie of updateTime; bad records are listed in this order)."""
_EPOCH = date(1970, 1, 1).toordinal()

TRUNCATED = RecordError("truncated_last_line", "truncated last line (the log is still being written?); not billed")
MALFORMED = RecordError("malformed_json", "not valid JSON")


@dataclass(frozen=True)
class Refused:
    """A record not billed: where it was read and why; `late` when only the winner of a cache failed."""

    order: int
    """`seq`: where the record was read (input, then position)."""
    record: BadRecord
    late: bool = False


def seq_of(source: int, line: int) -> int:
    return source * SEQ_LINES + line


def reference_row(record: Any, lookup: PriceLookup, file: str, source: int, line: int) -> UsageRow:
    """A parsed record as a usage row, after every check the default engine makes on it; else RecordError."""
    platform = lookup.platform
    if kind_of(record) == "response":
        tokens = response_facts(record, lookup)[1]
        usage = usage_of(record)
        counts = [count(usage, camel, snake) for camel, snake in RESPONSE_COUNTS]
        name = model_name(record, ("modelVersion", "model_version"), ("model", None))
        when = time_ns(record, (("timestamp", None), ("createTime", "create_time")), "")
        return (file, line, seq_of(source, line), platform, "response", name, record.get("batch") is True, when,
                *counts, None, None, None, None, None, *tokens[3:], 0)
    version = cache_version(record, lookup, source, line)
    expires = time_ns(record, (("expireTime", "expire_time"),), "")
    deleted = None
    if field(record, "deleteTime", "delete_time")[1] is not None:
        deleted = time_ns(record, (("deleteTime", "delete_time"),), "")
    return (file, line, seq_of(source, line), platform, "cache", record["model"], False, version.created_ns,
            0, 0, 0, 0, 0, version.name, version.tokens, expires, version.updated_ns, deleted, *_NO_PARTS,
            version.audio_tokens)


def line_row(raw: bytes, lookup: PriceLookup, file: str, source: int, line: int,
             unterminated_last: bool) -> UsageRow | Refused:
    """One line of a log, read exactly as `costcalc bill` reads it: a usage row, or why it is refused."""
    import msgspec

    if line == 1 and raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    from costcalc.usage.lines import TOO_DEEP, malformed

    try:
        record = msgspec.json.decode(raw)
    except RecursionError:
        return Refused(seq_of(source, line), BadRecord(file, line, TOO_DEEP.code, TOO_DEEP.reason))
    except msgspec.DecodeError as problem:
        error = TRUNCATED if unterminated_last else malformed(problem)
        return Refused(seq_of(source, line), BadRecord(file, line, error.code, error.reason))
    try:
        return reference_row(record, lookup, file, source, line)
    except RecordError as error:
        return Refused(seq_of(source, line), BadRecord(file, line, error.code, error.reason))


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parquet_order(present: Collection[str]) -> str:
    """The column that orders a Parquet usage file's records: its `seq`, else its `line`."""
    return "seq" if "seq" in present else "line"


INTEGER_TYPES = frozenset({"bigint", "integer", "int", "smallint", "tinyint", "hugeint", "ubigint", "uinteger",
                           "usmallint", "utinyint", "long", "short", "byte"})
"""Column types (DuckDB's and Spark's names, lower case) that hold the whole numbers of a count."""


def parquet_columns(present: Mapping[str, str], index: int, name: str, platform: str, largest: int) -> list[str]:
    """SQL select list reading a Parquet usage file (as `--write-usage` writes it) as the usage relation.

    `present`: its columns and their types. Its `file` and `line` name the original records (the Parquet file
    itself when it has no `file`); `seq` keeps their order (`parquet_order`, whose largest value is `largest`)
    after the inputs given before it. The modality columns are optional: absent or NULL is 0 (all text).
    """
    optional = ("file", "seq", "platform", *MODALITY_COLUMNS)
    missing = [column for column in USAGE_COLUMNS if column not in present and column not in optional]
    if missing:
        raise CostcalcError(f"{name}: a Parquet usage file needs the columns of the usage relation "
                            f"(docs/warehouse.md); missing: {', '.join(missing)}")
    for column in MODALITY_COLUMNS:
        if column in present and present[column].lower() not in INTEGER_TYPES:
            raise CostcalcError(f"{name}: column {column} holds {present[column]}, not whole numbers; write it "
                                "as BIGINT (docs/warehouse.md)")
    order = parquet_order(present)
    # Renumbering (a sort) only when the stored order does not fit below 2^50.
    position = order if 0 <= largest < SEQ_LINES else f"ROW_NUMBER() OVER (ORDER BY {order})"
    modalities = [f"CAST(COALESCE({column}, 0) AS BIGINT) AS {column}" if column in present
                  else f"CAST(0 AS BIGINT) AS {column}" for column in MODALITY_COLUMNS]
    return ["file" if "file" in present else f"{_quote(name)} AS file", "line",
            f"{index} * {SEQ_LINES} + {position} AS seq", f"{_quote(platform)} AS platform",
            *(column for column in USAGE_COLUMNS
              if column not in ("file", "line", "seq", "platform", *MODALITY_COLUMNS)), *modalities]


def rfc3339(ns: int) -> str:
    day, rest = divmod(ns, NS_PER_DAY)
    seconds, fraction = divmod(rest, NS_PER_SECOND)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    return (f"{date.fromordinal(_EPOCH + day).isoformat()}T{hours:02d}:{minutes:02d}:{seconds:02d}"
            f".{fraction:09d}Z")


def record_of(row: Mapping[str, Any]) -> dict[str, Any]:
    """The record a usage row stands for, as the API would log it (for the reference reading's reasons); its
    modality columns as usage details (`record_details`)."""
    def times(**names: int | None) -> dict[str, str]:
        return {name: rfc3339(value) for name, value in names.items() if value is not None}

    if row["kind"] == "response":
        counts = (row["prompt_tokens"], row["cached_tokens"], row["candidates_tokens"], row["thoughts_tokens"],
                  row["tool_use_prompt_tokens"])
        usage = {camel: value for (camel, _), value in zip(RESPONSE_COUNTS, counts, strict=True) if value is not None}
        return {"modelVersion": row["model_name"], **times(timestamp=row["time_ns"]), "batch": bool(row["batch"]),
                "usageMetadata": {**usage, **response_details(row)}}
    record: dict[str, Any] = {"name": row["cache_name"], "model": row["model_name"],
                              **times(createTime=row["time_ns"], expireTime=row["expire_ns"],
                                      updateTime=row["update_ns"], deleteTime=row["delete_ns"])}
    if row["cache_tokens"] is not None:
        record["usageMetadata"] = {"totalTokenCount": row["cache_tokens"], **cache_details(row)}
    return record


def explain(row: Mapping[str, Any], code: str, late: bool, lookup: PriceLookup) -> Refused:
    """The reason the default engine gives for a record SQL refused with `code`; they must agree."""
    record = record_of(row)
    line = int(row["line"])
    error: RecordError | None = None
    try:
        if row["kind"] == "response":
            response_facts(record, lookup)
        else:
            version = cache_version(record, lookup, int(row["seq"]) // SEQ_LINES, line)
            if late:
                bill_cache(version, lookup, CountTable())
    except RecordError as found:
        error = found
    if error is None or error.code != code:
        raise CostcalcError(f"internal: {row['file']}:{line}: the SQL engine refused the record ({code}) but the "
                            f"reference reading says {error.code if error else 'it is fine'}; bill it with "
                            "--engine python and please report this")
    return Refused(int(row["seq"]), BadRecord(str(row["file"]), line, error.code, error.reason), late)


_RECORD = ("file", "line", "seq", "kind", "model_name", "batch", "time_ns", "prompt_tokens", "cached_tokens",
           "candidates_tokens", "thoughts_tokens", "tool_use_prompt_tokens", *RESPONSE_PARTS)
_RESPONSE_SUMS = ("fresh_input_tokens", "cached_input_tokens", "output_tokens", *RESPONSE_PARTS)
_CACHE_SUMS = ("caches", "creation_tokens", "storage_token_ns", "creation_audio_tokens")
_KEY = ("model", "effective_from", "tier", "batch", "day_number")
RESPONSES_QUERY = f"""
SELECT {", ".join(_KEY)}, bad_code,
  {", ".join(f"CASE WHEN bad_code IS NULL THEN NULL ELSE {name} END AS bad_{name}" for name in _RECORD)},
  COUNT(*) AS responses,
  {", ".join(f"SUM(CAST({name} AS DECIMAL(38, 0))) AS {name}" for name in _RESPONSE_SUMS)}
FROM costcalc_response_checked
GROUP BY {", ".join(str(position) for position in range(1, len(_KEY) + len(_RECORD) + 2))}
"""
"""One pass over the responses: integer sums per key for the good ones, one group per bad one (they are rare)."""
CACHES_QUERY = f"SELECT {', '.join(_KEY)}, {', '.join(_CACHE_SUMS)} FROM costcalc_cache_aggregates"
BAD_CACHES_QUERY = f"""
SELECT {", ".join("v." + name for name in USAGE_COLUMNS)}, b.code, b.late
FROM (
  SELECT seq, bad_code AS code, FALSE AS late FROM costcalc_cache_versions WHERE bad_code IS NOT NULL
  UNION ALL
  SELECT seq, bad_code AS code, TRUE AS late FROM costcalc_cache_checked WHERE bad_code IS NOT NULL
) AS b
JOIN costcalc_cache_versions AS v ON v.seq = b.seq
"""
COUNTS_QUERY = "SELECT cache_records, distinct_caches, caches FROM costcalc_cache_counts"
CONFLICTS_QUERY = """
SELECT cache_name, model, time_ns, COALESCE(update_ns, time_ns), seq, file, line FROM costcalc_cache_versions
WHERE bad_code IS NULL AND cache_name IN (
  SELECT cache_name FROM costcalc_cache_versions WHERE bad_code IS NULL GROUP BY cache_name
  HAVING COUNT(DISTINCT model) > 1 OR COUNT(DISTINCT time_ns) > 1)
"""
"""Every good record of a cache whose good records disagree on the model or createTime (rare; `notes`)."""


def window_query(windows: Mapping[str, int]) -> str:
    """Billed responses whose prompt + tool use exceed their model's context window, per model (`notes`)."""
    cases = " ".join(f"WHEN {_quote(model)} THEN {window}" for model, window in sorted(windows.items()))
    return (f"SELECT model, COUNT(*) FROM costcalc_response_checked WHERE bad_code IS NULL AND "
            f"prompt_tokens + tool_use_prompt_tokens > CASE model {cases} END GROUP BY model")


@dataclass
class SqlResult:
    """What a SQL engine found: integer aggregates, refused records, and the cache counts."""

    aggregates: dict[AggregateKey, Counts]
    refused: list[Refused]
    cache_records: int
    caches: int
    superseded: int
    notes: tuple[str, ...] = ()
    """Prompts above the context window, caches with conflicting records (`costcalc.usage.notes`)."""


def _key(model: str, period: date, tier: str, batch: Any, day_number: Any) -> AggregateKey:
    return AggregateKey(model, period, tier, bool(batch), date.fromordinal(_EPOCH + int(day_number)))  # type: ignore[arg-type]


def collect(run: Callable[[str], Sequence[Sequence[Any]]], lookup: PriceLookup) -> SqlResult:
    """Run the engine queries (DuckDB dialect; `run` transpiles them if need be) and read their rows."""
    sums: dict[AggregateKey, dict[str, int]] = {}

    def add(key: Sequence[Any], names: Sequence[str], values: Sequence[Any]) -> None:
        cell = sums.setdefault(_key(*key), {})
        for name, value in zip(names, values, strict=True):
            cell[name] = cell.get(name, 0) + int(value)

    refused: list[Refused] = []
    for row in run(RESPONSES_QUERY):
        key, code = row[:len(_KEY)], row[len(_KEY)]
        if code is None:
            add(key, ("responses", *_RESPONSE_SUMS), row[len(_KEY) + 1 + len(_RECORD):])
        else:
            record = dict(zip(_RECORD, row[len(_KEY) + 1:len(_KEY) + 1 + len(_RECORD)], strict=True))
            refused.append(explain(record, code, False, lookup))
    for row in run(CACHES_QUERY):
        add(row[:len(_KEY)], _CACHE_SUMS, row[len(_KEY):])
    for found in run(BAD_CACHES_QUERY):
        cache = dict(zip([*USAGE_COLUMNS, "code", "late"], found, strict=True))
        refused.append(explain(cache, cache["code"], bool(cache["late"]), lookup))
    counts = run(COUNTS_QUERY)
    cache_records, distinct, caches = (int(value) for value in counts[0]) if counts else (0, 0, 0)
    aggregates = {key: Counts(**cell) for key, cell in sorted(sums.items())}
    return SqlResult(aggregates, refused, cache_records, caches, cache_records - distinct, _notes(run, lookup))


def _notes(run: Callable[[str], Sequence[Sequence[Any]]], lookup: PriceLookup) -> tuple[str, ...]:
    windows = context_windows(lookup.tables, lookup.platform)
    over = {str(model): int(number) for model, number in run(window_query(windows))} if windows else {}
    facts = [CacheVersionFacts(str(name), str(model), int(created), int(updated),
                               divmod(int(seq), SEQ_LINES), str(file), int(line))
             for name, model, created, updated, seq, file, line in run(CONFLICTS_QUERY)]
    return (*window_notes(over, lookup.tables, lookup.platform), *cache_conflict_notes(facts))


def assemble(platform: str, tables: PriceTables, found: SqlResult, refused: list[Refused], lines: int,
             strict: bool, overflow: Mapping[str, int] | None = None) -> UsageBill:
    """The bill, built by the default engine's report; under `strict`, the error it would have stopped with.
    `overflow`: refused records past the listed ones, already counted per code (they all come after them)."""
    refused = [*refused, *found.refused]
    aggregates = found.aggregates
    if strict:
        from costcalc.usage.engine import BadUsageRecord
        from costcalc.usage.lines import strict_message

        early = [item for item in refused if not item.late]  # a truncated last line stops it too
        for group in (early, [item for item in refused if item.late]):
            if group:
                first = min(group, key=lambda item: item.order)
                raise BadUsageRecord(strict_message(first.record))
    # As the default engine lists them: records refused while reading first, in read order, then the refused
    # winners of caches while room is left; the rest are counted per code (docs/usage-billing.md, Bad records).
    limit = listed_bad_limit()
    queue = [*sorted((item for item in refused if not item.late), key=lambda item: item.order),
             *sorted((item for item in refused if item.late), key=lambda item: item.order)]
    listed = sorted(queue[:limit], key=lambda item: item.order)
    unlisted: dict[str, int] = dict(overflow or {})
    for item in queue[limit:]:
        unlisted[item.record.code] = unlisted.get(item.record.code, 0) + 1
    counts = RecordCounts(lines=lines, responses=sum(c.responses for c in aggregates.values()),
                          cache_records=found.cache_records, caches=found.caches, superseded=found.superseded,
                          bad=len(queue) + sum((overflow or {}).values()))
    return build_report(platform, aggregates, tables, [item.record for item in listed], counts,
                        unlisted_bad=unlisted, notes=found.notes)
