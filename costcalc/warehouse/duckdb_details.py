"""Usage details (tokens per modality) read inside DuckDB, for the lines the fast path can be sure of.

The reading rules are docs/usage-billing.md's ("Modality details"; `costcalc.usage.details` is the reference).
SQL takes the typical case: camelCase lists (`promptTokensDetails`, ...) of `{"modality": M, "tokenCount": N}`
objects with M one of the five and N a JSON integer from 0 to 10^12 (or absent / null: 0), each present list
adding up to its count, no modality cached above its prompt tokens, no VIDEO or DOCUMENT output, cached tokens
without cache details only when the prompt has no AUDIO; a cache's camelCase `audioDurationSeconds` x 32 up to its
total. Anything else (snake_case lists, `token_count`, a list that is not a list...) is not sure: the line takes
the reference reading, which decides it and gives its reason.
"""

from __future__ import annotations

from costcalc.prices.modality import AUDIO_TOKENS_PER_SECOND

MAX_COUNT = 10**12
MODALITIES = ("TEXT", "IMAGE", "VIDEO", "AUDIO", "DOCUMENT")
KEYS = ("promptTokensDetails", "prompt_tokens_details", "cacheTokensDetails", "cache_tokens_details",
        "candidatesTokensDetails", "candidates_tokens_details", "toolUsePromptTokensDetails",
        "tool_use_prompt_tokens_details", "audioDurationSeconds", "audio_duration_seconds")
"""The paths extracted from usageMetadata into the list `details` (1-based in SQL)."""
LISTS = (("prompt", "prompt"), ("cache", "cached"), ("output", "candidates"), ("tool", "tool"))
"""Each detail list (in KEYS order, camelCase then snake_case) and the count (of `duckdb_load._COUNTS`) it adds
up to."""


def _present(value: str) -> str:
    return f"({value} IS NOT NULL AND json_type({value}) <> 'NULL')"


def _camel(position: int) -> str:
    return f"details[{2 * position + 1}]"


def _snake(position: int) -> str:
    return f"details[{2 * position + 2}]"


def entries_sql() -> str:
    """Select items: each camelCase list as a list of structs of its entries' JSON fields (one parse per list;
    NULL when not an array; an entry that is not an object has no fields, so it is not sure)."""
    shape = '[{"modality": "JSON", "tokenCount": "JSON", "token_count": "JSON"}]'
    return ",\n    ".join(f"CASE WHEN json_type({_camel(position)}) = 'ARRAY' THEN "
                          f"json_transform({_camel(position)}, '{shape}') END AS {name}_entries"
                          for position, (name, _) in enumerate(LISTS))


def sums_sql() -> str:
    """Select items: `{list}_sure` (absent, or a well-formed camelCase list), `{list}_listed` and the
    `{list}_{modality}` sums."""
    names = ", ".join(f"'\"{modality}\"'" for modality in MODALITIES)  # JSON strings, as json_transform gives them
    good_entry = (f"COALESCE(y.modality IN ({names}) AND (y.tokenCount IS NULL OR y.tokenCount = 'null' OR "
                  f"(regexp_full_match(y.tokenCount, '0|[1-9][0-9]{{0,12}}') AND "
                  f"CAST(y.tokenCount AS BIGINT) <= {MAX_COUNT})) AND "
                  "(y.token_count IS NULL OR y.token_count = 'null'), FALSE)")
    items = []
    for position, (name, _) in enumerate(LISTS):
        camel, snake = _camel(position), _snake(position)
        items.append(f"CASE WHEN {_present(camel)} THEN {name}_entries IS NOT NULL AND "
                     f"len(list_filter({name}_entries, lambda y: NOT {good_entry})) = 0 "
                     f"ELSE NOT {_present(snake)} END AS {name}_sure")
        items.append(f"{_present(camel)} AS {name}_listed")
        for modality in MODALITIES:
            items.append(f"COALESCE(list_sum(list_transform({name}_entries, lambda y: CASE WHEN y.modality = "
                         f"'\"{modality}\"' THEN COALESCE(TRY_CAST(y.tokenCount AS BIGINT), 0) ELSE 0 END)), 0) "
                         f"AS {name}_{modality.lower()}")
    return ",\n    ".join(items)


def by_modality_sql(count: dict[str, str]) -> str:
    """Select items: tokens per modality of each list (`p_`, `c_`, `o_`, `t_` + modality), an absent list being
    its count in TEXT; absent cache details take cached tokens from TEXT, DOCUMENT, IMAGE, VIDEO in turn.
    `count`: the SQL of each count by its short name."""
    items = []
    for prefix, (name, short) in zip("pcot", LISTS, strict=True):
        if name == "cache":
            continue
        for modality in MODALITIES:
            absent = count[short] if modality == "TEXT" else "0"
            items.append(f"CASE WHEN {name}_listed THEN {name}_{modality.lower()} ELSE {absent} END "
                         f"AS {prefix}_{modality.lower()}")
    return ",\n    ".join(items)


def cached_sql(cached: str) -> str:
    """Select items: cached tokens per modality (`c_` + modality), from `p_` columns when not listed."""
    taken = []
    before = "0"
    items = []
    for modality in ("text", "document", "image", "video"):
        part = f"LEAST(GREATEST({cached} - ({before}), 0), p_{modality})"
        items.append(f"CASE WHEN cache_listed THEN cache_{modality} ELSE {part} END AS c_{modality}")
        taken.append(f"p_{modality}")
        before = " + ".join(taken)
    items.append("CASE WHEN cache_listed THEN cache_audio ELSE 0 END AS c_audio")
    return ",\n    ".join(items)


def sure_sql(count: dict[str, str]) -> str:
    """The condition under which SQL reads a response's details as the reference reading would."""
    sums = [f"(NOT {name}_listed OR {' + '.join(f'{name}_{m.lower()}' for m in MODALITIES)} = {count[short]})"
            for name, short in LISTS]
    return " AND ".join([
        *(f"{name}_sure" for name, _ in LISTS), *sums,
        f"(cache_listed OR {count['cached']} = 0 OR p_audio = 0)",
        *(f"c_{m.lower()} <= p_{m.lower()}" for m in MODALITIES),
        "o_video = 0", "o_document = 0"])


PART_COLUMNS = {
    "fresh_audio_tokens": "p_audio - c_audio + t_audio", "fresh_image_tokens": "p_image - c_image + t_image",
    "fresh_video_tokens": "p_video - c_video + t_video", "cached_audio_tokens": "c_audio",
    "cached_image_tokens": "c_image", "cached_video_tokens": "c_video", "output_audio_tokens": "o_audio",
    "output_image_tokens": "o_image"}
"""The response parts of the usage relation from the per-modality columns (rows.RESPONSE_PARTS order)."""

AUDIO_SECONDS = "details[9]"


def cache_sure_sql(total: str) -> str:
    """The condition under which SQL reads a cache's audio as the reference reading would."""
    return (f"(CASE WHEN {_present(AUDIO_SECONDS)} THEN json_type({AUDIO_SECONDS}) = 'UBIGINT' "
            f"AND TRY_CAST({AUDIO_SECONDS} AS UBIGINT) <= {MAX_COUNT} "
            f"AND TRY_CAST({AUDIO_SECONDS} AS BIGINT) * {AUDIO_TOKENS_PER_SECOND} <= {total} "
            f"ELSE NOT {_present('details[10]')} END)")


def cache_audio_sql() -> str:
    seconds = f"CASE WHEN {_present(AUDIO_SECONDS)} THEN {AUDIO_SECONDS} END"
    return f"COALESCE(TRY_CAST({seconds} AS BIGINT), 0) * {AUDIO_TOKENS_PER_SECOND}"
