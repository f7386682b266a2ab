"""`costcalc bill --engine duckdb`: the SQL billing rule run by embedded DuckDB, for logs larger than memory.

JSON Lines (plain or .gz) are parsed inside DuckDB (`duckdb_load`); Parquet files hold the usage relation
itself (docs/warehouse.md). DuckDB computes the integer aggregates with the views of `billing.sql`, and the
bill is built by the default engine's report code, so the JSON is the same (`rows`).
"""

from __future__ import annotations

import gzip
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.text import one_line
from costcalc.usage.lookup import PriceLookup
from costcalc.usage.report import BadRecord, UsageBill, listed_bad_limit
from costcalc.warehouse import duckdb_load, relation, sql
from costcalc.warehouse import parquet_contract as contract
from costcalc.warehouse.inputs import resolve_inputs
from costcalc.warehouse.rows import (
    MODALITY_COLUMNS,
    SEQ_LINES,
    USAGE_COLUMNS,
    Refused,
    UsageRow,
    assemble,
    collect,
    line_row,
    parquet_columns,
    parquet_order,
    seq_of,
)
from costcalc.warehouse.scan import scan_log
from costcalc.warehouse.workdir import private_folder


def connect() -> Any:
    try:
        import duckdb
    except ImportError:
        raise CostcalcError("--engine duckdb needs DuckDB: pip install 'costcalc[duckdb]'") from None
    return duckdb.connect()


def load_prices(con: Any, tables: PriceTables) -> None:
    """The price relation, model names and day offsets, then the billing views (DuckDB dialect)."""
    script = sql.table_statements(relation.price_rows(tables), relation.name_rows(tables))
    for statement in script.split(";\n"):
        if statement.strip():
            con.execute(statement)


MATERIALIZED = ("costcalc_cache_versions",)
"""Cache records, read by several of the engine's queries: computed once (they are few)."""


def create_views(con: Any, materialize: tuple[str, ...] = ()) -> None:
    for statement in sql.view_statements("duckdb", money=False):
        name = statement.split()[2]
        con.execute(statement.replace("CREATE VIEW", "CREATE TABLE", 1) if name in materialize else statement)


def _parquet_select(con: Any, index: int, name: str, path: str, platform: str) -> tuple[str, int]:
    """The usage relation of one Parquet file, and its number of records."""
    source = f"read_parquet({duckdb_load._quote(path)})"
    try:
        present = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        largest = con.execute(f"SELECT MAX({parquet_order(present)}) FROM {source}").fetchone()[0] \
            if "line" in present else 0
        count = con.execute(f"SELECT COUNT(*) FROM {source}").fetchone()[0]
    except Exception as error:  # DuckDB's own errors: not Parquet, empty, truncated
        raise CostcalcError(f"{name}: not a readable Parquet file ({_first_line(error)}); give Parquet written by "
                            "--write-usage, or name a JSON Lines log *.jsonl") from None
    contract.check_types(present, name)
    columns = parquet_columns(present, index, name, platform, int(largest or 0))
    if {"kind", "line", "time_ns", "model_name"} <= present.keys():
        contract.refuse(name, con.execute(contract.problem_query(source, present)).fetchone(),
                        con.execute(contract.duplicate_query(source)).fetchone() if "seq" in present else None)
    return f"SELECT {', '.join(columns)} FROM {source}", int(count)


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


PARQUET_MAGIC = b"PAR1"


def refuse_parquet_content(name: str, path: str) -> None:
    """Parquet gzipped under a log's name would be read as lines of binary (plain Parquet is refused by
    `resolve_inputs`): say what it is instead."""
    if not path.endswith(".gz"):
        return
    try:
        with gzip.open(path, "rb") as stream:
            start = stream.read(len(PARQUET_MAGIC))
    except (OSError, EOFError):
        return  # unreadable gzip: the engine's reading reports it
    if start == PARQUET_MAGIC:
        raise CostcalcError(f"{name} is gzipped Parquet, not JSON Lines; gunzip it and name it *.parquet to bill it "
                            "with --engine duckdb or --engine spark")


def damaged_gzip(paths: Sequence[tuple[str, str]]) -> tuple[str, str] | None:
    """The name of the first (name, path) .gz file that does not decompress to its end, and why; if any."""
    for name, path in paths:
        if not path.endswith(".gz"):
            continue
        try:
            with gzip.open(path, "rb") as stream:
                while stream.read(1 << 20):
                    pass
        except (OSError, EOFError, ValueError) as error:
            return name, _first_line(error)
    return None


def read_failure(error: BaseException, paths: Sequence[tuple[str, str]], engine: str,
                 reason: str | None = None) -> CostcalcError:
    """A log the engine could not read, with advice that fits: a damaged .gz cannot be billed by any engine."""
    damaged = damaged_gzip(paths)
    if damaged is not None:
        return CostcalcError(f"{damaged[0]}: the .gz file is damaged or truncated ({damaged[1]}); "
                             "copy it again, or decompress what is left (zcat) and bill that")
    return CostcalcError(f"{engine} could not read the logs ({reason or _first_line(error)}); "
                         "bill them with --engine python")


class _Inputs:
    """The files to bill, standard input spooled to a temporary file (DuckDB reads files); each log checked by
    the default engine's line reader first (`scan`)."""

    def __init__(self, files: Sequence[str | Path], workdir: str) -> None:
        given = resolve_inputs(files, workdir)
        self.parquet = [(item.index, item.name, item.path) for item in given if item.parquet]
        self.jsonl: list[tuple[int, str, str]] = []
        self.originals: list[tuple[str, str]] = []
        self.unterminated: dict[int, bool] = {}
        for item in given:
            if item.parquet:
                continue
            refuse_parquet_content(item.name, item.path)
            scanned = scan_log(item.name, item.path, workdir)
            self.jsonl.append((item.index, item.name, scanned.path))
            self.originals.append((item.name, item.path))
            self.unterminated[item.index] = scanned.unterminated


def bill_duckdb(files: Sequence[str | Path], tables: PriceTables, platform: str = "gemini-api",
                strict: bool = False, write_usage: Path | None = None) -> UsageBill:
    """The bill of JSONL (plain, .gz, `-`) and Parquet usage files, computed by DuckDB.

    `write_usage`: also write the usage relation (every billable record, parsed) to this Parquet file, ready
    to load into a warehouse next to `costcalc pricing export --format sql`.
    """
    con = connect()
    tables.models(platform)
    lookup = PriceLookup(tables, platform)
    with private_folder("costcalc-duckdb-") as workdir:
        con.execute(f"SET temp_directory = {duckdb_load._quote(workdir)}")
        inputs = _Inputs(files, workdir)
        load_prices(con, tables)
        con.execute(sql.USAGE_DDL.replace(sql.USAGE_TABLE, "costcalc_extra", 1))
        refused: list[Refused] = []
        lines = 0
        overflow: dict[str, int] = {}
        parts = ["SELECT * FROM costcalc_extra"]
        if inputs.jsonl:
            try:
                con.execute("CREATE TABLE costcalc_parsed AS " + duckdb_load.parsed_sql(inputs.jsonl, platform))
            except Exception as error:  # DuckDB's own errors: a damaged .gz, an unreadable or non-UTF-8 file
                raise read_failure(error, inputs.originals, "DuckDB") from None
            lines += con.execute("SELECT COUNT(*) FROM costcalc_parsed WHERE NOT blank").fetchone()[0]
            unsure, overflow = _read_unsure(con, inputs, lookup, strict)
            refused += unsure
            parts.append(
                "SELECT file, line, file_index * " + str(SEQ_LINES) + " + line AS seq, platform, kind, model_name, "
                "batch, time_ns, prompt AS prompt_tokens, cached AS cached_tokens, candidates AS candidates_tokens, "
                "thoughts AS thoughts_tokens, tool AS tool_use_prompt_tokens, cache_name, "
                "CASE WHEN kind = 'cache' THEN total END AS cache_tokens, expire_ns, update_ns, delete_ns, "
                + ", ".join(MODALITY_COLUMNS)
                + " FROM costcalc_parsed WHERE ok")
        for index, name, path in inputs.parquet:
            select, count = _parquet_select(con, index, name, path, platform)
            parts.append(select)
            lines += count
        con.execute("CREATE VIEW costcalc_usage AS " + " UNION ALL ".join(parts))
        if write_usage is not None:
            _write_usage(con, write_usage)
        create_views(con, MATERIALIZED)
        return _bill(con, tables, platform, lookup, refused, lines, strict, overflow)


SHORT_LINE = 64
"""Lines up to this many characters have their reason remembered (a record this short is never billable)."""


def _write_usage(con: Any, target: Path) -> None:
    """The usage relation to `target`, written in a private folder beside it and renamed over it.

    DuckDB's own COPY onto an existing file writes `tmp_<name>` next to it first (destroying a file of that name,
    following a symlink planted there); a rename replaces a symlink at `target` instead of writing through it.
    """
    try:
        with private_folder(".costcalc-usage-", str(target.parent)) as folder:
            part = os.path.join(folder, "usage.parquet")
            con.execute(f"COPY (SELECT * REPLACE (ROW_NUMBER() OVER (ORDER BY seq) AS seq) FROM costcalc_usage "
                        f"ORDER BY seq) TO {duckdb_load._quote(part)} (FORMAT parquet)")
            os.replace(part, target)
    except Exception as error:  # DuckDB's errors, and the OS's (a folder that cannot be written)
        raise CostcalcError(f"{one_line(str(target))}: cannot write the usage Parquet file "
                            f"({one_line(_first_line(error))}); give a file in a folder you can write") from None


def _read_unsure(con: Any, inputs: _Inputs, lookup: PriceLookup, strict: bool
                 ) -> tuple[list[Refused], dict[str, int]]:
    """Lines the fast path was not sure of, read by the reference reading: rows into costcalc_extra, or refused.

    Under `strict` the first refused line ends the reading (lines are read in order, so no later one can be the
    first bad record). A short line's reason is computed once per distinct text: 5.6 million `{}` lines are one
    decision, not 5.6 million (docs/hardening.md, Round 3 (engines)). Past the number of bad records a bill lists,
    refused lines are only counted per code (the second item returned), so memory stays bounded.
    """
    limit = listed_bad_limit()
    overflow: dict[str, int] = {}
    last_lines = dict(con.execute("SELECT file_index, MAX(line) FROM costcalc_parsed GROUP BY file_index").fetchall())
    names = {index: name for index, name, _ in inputs.jsonl}
    unterminated = inputs.unterminated
    extra: list[UsageRow] = []
    refused: list[Refused] = []
    reasons: dict[str, tuple[str, str]] = {}
    cursor = con.execute("SELECT file_index, line, j FROM costcalc_parsed WHERE NOT ok AND NOT blank "
                         "ORDER BY file_index, line")
    while batch := cursor.fetchmany(10_000):
        for index, line, text in batch:
            name = names[index]
            last = line == last_lines[index]
            known = reasons.get(text) if not last and line > 1 else None
            if known is not None:
                if len(refused) < limit:
                    refused.append(Refused(seq_of(index, line), BadRecord(name, line, *known)))
                else:
                    overflow[known[0]] = overflow.get(known[0], 0) + 1
                continue
            found = line_row(text.encode(), lookup, name, index, line, last and unterminated[index])
            if isinstance(found, Refused):
                if strict:
                    return [*refused, found], overflow
                if len(refused) < limit:
                    refused.append(found)
                else:
                    overflow[found.record.code] = overflow.get(found.record.code, 0) + 1
                if len(text) <= SHORT_LINE and not last and line > 1:
                    reasons[text] = (found.record.code, found.record.reason)
            else:
                extra.append(found)
    if extra:
        placeholders = ", ".join("?" for _ in USAGE_COLUMNS)
        con.executemany(f"INSERT INTO costcalc_extra VALUES ({placeholders})", extra)
    return refused, overflow


def _bill(con: Any, tables: PriceTables, platform: str, lookup: PriceLookup, refused: list[Refused], lines: int,
          strict: bool, overflow: dict[str, int]) -> UsageBill:
    found = collect(lambda query: con.execute(query).fetchall(), lookup)
    return assemble(platform, tables, found, refused, lines, strict, overflow)
