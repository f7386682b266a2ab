"""A Parquet usage file is checked against the usage relation's contract before it is billed, on every engine.

Rows that `--write-usage` never writes (an unknown `kind`, a NULL where a record always has a value, a negative
or absurd count, a `seq` given twice, a column of the wrong type) would otherwise abort the engine or be billed
as 0. One SQL predicate names the first problem of a row; DuckDB and Spark run the same text.
"""

from __future__ import annotations

from collections.abc import Mapping

from costcalc.errors import CostcalcError
from costcalc.usage.details import MAX_COUNT
from costcalc.warehouse.rows import INTEGER_TYPES

TEXT_TYPES = frozenset({"varchar", "string"})
_COUNTS = ("prompt_tokens", "cached_tokens", "candidates_tokens", "thoughts_tokens", "tool_use_prompt_tokens")
_WHOLE = ("line", "seq", "time_ns", *_COUNTS, "cache_tokens", "expire_ns", "update_ns", "delete_ns")
_TEXT = ("file", "platform", "kind", "model_name", "cache_name")


def check_types(present: Mapping[str, str], name: str) -> None:
    """Each known column holds the type the usage relation gives it."""
    for column, kind in present.items():
        kind = kind.lower()
        wanted = ("whole numbers (BIGINT)", INTEGER_TYPES) if column in _WHOLE else \
            ("text (VARCHAR)", TEXT_TYPES) if column in _TEXT else \
            ("true/false (BOOLEAN)", frozenset({"boolean"})) if column == "batch" else None
        if wanted is not None and kind not in wanted[1]:
            raise CostcalcError(f"{name}: column {column} holds {kind}, not {wanted[0]}; write the usage relation "
                                "as --write-usage does (docs/warehouse.md)")


def row_problem(present: Mapping[str, str]) -> str:
    """A SQL CASE naming the first way a row breaks the contract, NULL for a good row."""
    counts = [column for column in (*_COUNTS, "cache_tokens") if column in present]
    out_of_range = " OR ".join(f"{column} < 0 OR {column} > {MAX_COUNT}" for column in counts) or "FALSE"
    return f"""CASE
  WHEN kind IS NULL OR kind NOT IN ('response', 'cache') THEN 'kind must be response or cache'
  WHEN line IS NULL OR time_ns IS NULL OR model_name IS NULL THEN 'line, time_ns and model_name cannot be NULL'
  WHEN kind = 'response' AND (batch IS NULL OR {' OR '.join(f'{c} IS NULL' for c in _COUNTS)})
    THEN 'a response needs batch and every token count'
  WHEN kind = 'cache' AND (cache_name IS NULL OR cache_tokens IS NULL OR expire_ns IS NULL)
    THEN 'a cache needs cache_name, cache_tokens and expire_ns'
  WHEN {out_of_range} THEN 'token counts must be whole numbers from 0 to 1,000,000,000,000'
END"""


def problem_query(source: str, present: Mapping[str, str]) -> str:
    """The first bad row of `source` (line, problem), or none."""
    return (f"SELECT line, problem FROM (SELECT line, {row_problem(present)} AS problem FROM {source}) "
            "WHERE problem IS NOT NULL ORDER BY line LIMIT 1")


def duplicate_query(source: str) -> str:
    """A `seq` that two rows share (read order would be ambiguous), or none."""
    return f"SELECT seq FROM {source} WHERE seq IS NOT NULL GROUP BY seq HAVING COUNT(*) > 1 LIMIT 1"


def refuse(name: str, found: tuple[object, ...] | None, duplicate: tuple[object, ...] | None) -> None:
    """One line for the first problem found, if any."""
    if found is not None:
        raise CostcalcError(f"{name}: row with line {found[0]}: {found[1]}; write the usage relation as "
                            "--write-usage does (docs/warehouse.md)")
    if duplicate is not None:
        raise CostcalcError(f"{name}: seq {duplicate[0]} is given to more than one row; each record needs its own "
                            "seq (its read order)")
