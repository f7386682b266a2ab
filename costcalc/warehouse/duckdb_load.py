"""JSON Lines usage logs into the usage relation, inside DuckDB (plain or .gz, larger than memory).

Each line is parsed once by DuckDB. A line takes the fast path only when SQL can be sure of it under every
rule of docs/usage-billing.md (a JSON object; counts that are JSON integers from 0 to 10^12; times that are
RFC 3339 with a zone; a boolean `batch`; usage details as `duckdb_details` reads them; ...). Any other line,
including every bad one, is handed back to the Python parser of `costcalc bill`, which decides it exactly as
the default engine does; so the two engines cannot disagree about what a line means, and SQL never has to
spell a reason.
"""

from __future__ import annotations

from costcalc.usage.reader import MAX_LINE_BYTES
from costcalc.warehouse import duckdb_details as details

MAX_COUNT = 10**12
DEEP_BRACKETS = 800
"""A line with more `{` and `[` than this might nest deeper than `costcalc bill` reads (`too_deep`, about 1,000
levels): the reference reading decides it."""

_TOP = ("name", "usageMetadata", "usage_metadata", "modelVersion", "model_version", "model", "timestamp",
        "createTime", "create_time", "batch", "expireTime", "expire_time", "updateTime", "update_time",
        "deleteTime", "delete_time")
_COUNTS = (("prompt", "promptTokenCount", "prompt_token_count"),
           ("cached", "cachedContentTokenCount", "cached_content_token_count"),
           ("candidates", "candidatesTokenCount", "candidates_token_count"),
           ("thoughts", "thoughtsTokenCount", "thoughts_token_count"),
           ("tool", "toolUsePromptTokenCount", "tool_use_prompt_token_count"),
           ("total", "totalTokenCount", "total_token_count"))
_TIME = (r"^([1-9][0-9]{3})-([0-9]{2})-([0-9]{2})[Tt ]([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])"
         r"(?:[.]([0-9]{1,9}))?(?:[Zz]|([+-])([01][0-9]|2[0-3]):([0-5][0-9]))$")
_BLANK = r"[ \t\r\n\f\v]*"


def _top(name: str) -> str:
    return f"f[{_TOP.index(name) + 1}]"


def _present(value: str) -> str:
    return f"({value} IS NOT NULL AND json_type({value}) <> 'NULL')"


def _either(camel: str, snake: str) -> str:
    """camelCase first; the snake_case key only when the camelCase one is absent or null."""
    return f"CASE WHEN {_present(camel)} THEN {camel} ELSE {snake} END"


def _count(short: str) -> str:
    """A count as BIGINT: absent or null is 0 (NULL when not a number; such lines are not ok)."""
    return f"TRY_CAST(COALESCE(CASE WHEN {_present(f'{short}_json')} THEN {short}_json END, '0') AS BIGINT)"


def _parts(text: str) -> str:
    """The fields of an RFC 3339 time (all empty when it is not one the fast path takes)."""
    return f"regexp_extract({text}, '{_TIME}', ['y', 'mo', 'd', 'h', 'mi', 's', 'f', 'sign', 'oh', 'om'])"


def _ns(t: str) -> str:
    """Exact nanoseconds since the epoch from the fields `t` of `_parts` (NULL when there are none)."""
    day = f"TRY_CAST({t}.y || '-' || {t}.mo || '-' || {t}.d AS DATE)"
    return f"""CASE WHEN {t}.y <> '' AND {day} >= DATE '1970-01-01'
        THEN ((CAST({day} - DATE '1970-01-01' AS BIGINT) * 86400
               + CAST({t}.h AS BIGINT) * 3600 + CAST({t}.mi AS BIGINT) * 60 + CAST({t}.s AS BIGINT)
               - CASE {t}.sign WHEN '+' THEN 1 WHEN '-' THEN -1 ELSE 0 END
                 * (COALESCE(CAST(NULLIF({t}.oh, '') AS BIGINT), 0) * 3600
                    + COALESCE(CAST(NULLIF({t}.om, '') AS BIGINT), 0) * 60)))
              * 1000000000 + CAST(rpad({t}.f, 9, '0') AS BIGINT) END"""


def lines_sql(files: list[tuple[int, str, str]]) -> str:
    """Every line of every (index, name, path) file with its line number (from 1); blank lines included."""
    parts = []
    for index, name, path in files:
        compression = "gzip" if path.endswith(".gz") else "none"
        parts.append(
            f"SELECT {_quote(name)} AS file, {index} AS file_index, ROW_NUMBER() OVER () AS line, j "
            f"FROM read_csv({_quote(path)}, columns = {{'j': 'VARCHAR'}}, delim = chr(1), quote = '', escape = '', "
            f"header = false, auto_detect = false, strict_mode = false, compression = '{compression}', "
            f"max_line_size = {2 * MAX_LINE_BYTES + 2})")
    return "\nUNION ALL\n".join(parts)


def _quote(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def parsed_sql(files: list[tuple[int, str, str]], platform: str) -> str:
    """One row per line: `blank`, `ok` (the fast path is sure of it), the usage-relation columns, the raw line
    when not ok."""
    paths_list = ", ".join(f"'$.{name}'" for name in _TOP)
    count_paths = ", ".join(f"'$.{key}'" for _, camel, snake in _COUNTS for key in (camel, snake))
    detail_paths = ", ".join(f"'$.{key}'" for key in details.KEYS)
    count = {short: _count(short) for short, _, _ in _COUNTS}
    counts = []
    for index, (short, _, _) in enumerate(_COUNTS):
        value = _either(f"c[{2 * index + 1}]", f"c[{2 * index + 2}]")
        counts.append(f"{value} AS {short}_json")
    return f"""
WITH lines AS ({lines_sql(files)}),
objects AS (
  SELECT file, file_index, line, j,
    CASE WHEN json_valid(j) AND json_type(j) = 'OBJECT' THEN json_extract(j, [{paths_list}]) END AS f
  FROM lines
),
fields AS (
  SELECT *,
    {_either(_top("usageMetadata"), _top("usage_metadata"))} AS meta,
    json_type({_top("name")}) = 'VARCHAR' AND strpos('/' || ({_top("name")} ->> '$'), '/cachedContents/') > 0
      AS is_cache,
    CASE WHEN json_type({_top("name")}) = 'VARCHAR' THEN substr('/' || ({_top("name")} ->> '$'),
      strpos('/' || ({_top("name")} ->> '$'), '/cachedContents/') + 16, 1) END AS cache_id_start,
    {_either(_top("modelVersion"), _top("model_version"))} AS version_json,
    {_either(_top("createTime"), _top("create_time"))} AS create_json,
    {_either(_top("expireTime"), _top("expire_time"))} AS expire_json,
    {_either(_top("updateTime"), _top("update_time"))} AS update_json,
    {_either(_top("deleteTime"), _top("delete_time"))} AS delete_json
  FROM objects
),
meta_counts AS (
  SELECT *, CASE WHEN json_type(meta) = 'OBJECT' THEN json_extract(meta, [{count_paths}]) END AS c,
    CASE WHEN json_type(meta) = 'OBJECT' THEN json_extract(meta, [{detail_paths}]) END AS details
  FROM fields
),
typed AS (
  SELECT *,
    CASE WHEN is_cache THEN 'cache' WHEN {_present("meta")} THEN 'response' END AS kind,
    CASE WHEN is_cache THEN {_top("model")}
         WHEN {_present("version_json")} THEN version_json ELSE {_top("model")} END AS model_json,
    CASE WHEN is_cache THEN create_json
         WHEN {_present(_top("timestamp"))} THEN {_top("timestamp")} ELSE create_json END AS time_json,
    {", ".join(counts)}
  FROM meta_counts
),
times AS (
  SELECT *,
    {_parts("time_json ->> '$'")} AS time_parts,
    {_parts("expire_json ->> '$'")} AS expire_parts,
    {_parts("update_json ->> '$'")} AS update_parts,
    {_parts("delete_json ->> '$'")} AS delete_parts
  FROM typed
),
checked AS (
  SELECT *,
    {_ns("time_parts")} AS time_ns_value,
    CASE WHEN {_present("expire_json")} THEN {_ns("expire_parts")} END AS expire_value,
    CASE WHEN {_present("update_json")} THEN {_ns("update_parts")} END AS update_value,
    CASE WHEN {_present("delete_json")} THEN {_ns("delete_parts")} END AS delete_value
  FROM times
),
entries AS (SELECT *, {details.entries_sql()} FROM checked),
sums AS (SELECT *, {details.sums_sql()} FROM entries),
modal AS (SELECT *, {details.by_modality_sql(count)} FROM sums),
cached_modal AS (SELECT *, {details.cached_sql(count["cached"])} FROM modal)
SELECT
  file, file_index, line, j IS NULL OR regexp_full_match(j, '{_BLANK}') AS blank,
  COALESCE(kind IS NOT NULL AND json_type(meta) = 'OBJECT'
    AND NOT (length(j) > {DEEP_BRACKETS}
             AND length(j) - length(replace(replace(j, '{{', ''), '[', '')) > {DEEP_BRACKETS})
    AND json_type(model_json) = 'VARCHAR' AND regexp_full_match(model_json ->> '$', '[!-~]+')
    AND json_type(time_json) = 'VARCHAR'
    AND time_ns_value IS NOT NULL
    AND ({_top("batch")} IS NULL OR json_type({_top("batch")}) IN ('NULL', 'BOOLEAN'))
    AND {" AND ".join(f"({short}_json IS NULL OR json_type({short}_json) = 'NULL' OR "
                      f"(json_type({short}_json) = 'UBIGINT' AND TRY_CAST({short}_json AS UBIGINT) <= {MAX_COUNT}))"
                      for short, _, _ in _COUNTS)}
    AND {_count("cached")} <= {_count("prompt")}
    AND CASE WHEN kind = 'response' THEN {details.sure_sql(count)} ELSE {details.cache_sure_sql(count["total"])} END
    AND (kind = 'cache' OR {_present("prompt_json")})
    AND (kind = 'response' OR (
      cache_id_start NOT IN ('', '/') AND {_count("total")} > 0
      AND {_present("total_json")} AND expire_value IS NOT NULL AND expire_value >= time_ns_value
      AND (update_value IS NULL OR update_value >= time_ns_value)
      AND ({_present("update_json")} = (update_value IS NOT NULL))
      AND (NOT {_present("delete_json")} OR (delete_value IS NOT NULL AND delete_value >= time_ns_value)))),
    FALSE) AS ok,
  {_quote(platform)} AS platform, kind, model_json ->> '$' AS model_name,
  COALESCE(TRY_CAST({_top("batch")} AS BOOLEAN), FALSE) AS batch,
  time_ns_value AS time_ns,
  {", ".join(f"{_count(short)} AS {short}" for short, _, _ in _COUNTS)},
  CASE WHEN kind = 'cache' THEN {_top("name")} ->> '$' END AS cache_name,
  expire_value AS expire_ns, COALESCE(update_value, time_ns_value) AS update_ns, delete_value AS delete_ns,
  {", ".join(f"CAST(CASE WHEN kind = 'response' THEN {part} ELSE 0 END AS BIGINT) AS {name}"
             for name, part in details.PART_COLUMNS.items())},
  CAST(CASE WHEN kind = 'cache' THEN {details.cache_audio_sql()} ELSE 0 END AS BIGINT) AS cache_audio_tokens,
  CASE WHEN NOT ok THEN j END AS j
FROM cached_modal
"""
