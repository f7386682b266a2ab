"""Turning a YAML file into a validated PriceFile, or into `file:line: message` problems."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from costcalc.errors import PricingFileError
from costcalc.prices import safe_yaml as yamlsafe
from costcalc.prices import schema
from costcalc.prices.confidence import check_confidence
from costcalc.prices.files import read_text
from costcalc.prices.invariants import DataPath, check_file, check_unique
from costcalc.prices.schema import PriceFile
from costcalc.text import CONTROL_CHARACTERS

_FIELD_NAMES = {
    f.name
    for cls in (schema.TieredPrice, schema.Source, schema.FigureConfidence, schema.ImageOutputSize, schema.PricePeriod,
                schema.CacheMinimum,
                schema.ModelPrices, schema.PriceFile)
    for f in dataclasses.fields(cls)
}


def format_path(path: DataPath) -> str:
    text = ""
    for step in path:
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else str(step))
    return text


def validate_text(path: Path, text: str, today: date | None = None) -> tuple[PriceFile | None, list[str]]:
    """The validated file (None if the schema fails) and every problem as `file:line: message`."""
    data, lines = yamlsafe.load_with_lines(path, text)
    problems: list[tuple[DataPath, str]] = []
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise PricingFileError(f"{path}:{lines[0]}: a price table is a mapping with `platform` and `models`; this "
                               f"document is {kind}")
    problems.extend(_raw_problems(data, ()))
    _accept_old_names(data, lines[1])
    price_file = None
    if not problems:
        price_file, schema_problems = _validate_schema(data)
        problems.extend(schema_problems)
    if price_file is not None:
        problems.extend((p.path, p.message) for p in check_file(price_file, today))
        problems.extend(check_confidence(price_file))
    messages = [f"{path}:{yamlsafe.line_of(lines, where)}: {format_path(where) + ': ' if where else ''}{message}"
                for where, message in problems]
    return (price_file if not messages else None), messages


def validate_files(paths: Sequence[Path], today: date | None = None) -> tuple[list[PriceFile], list[str]]:
    """Each file on its own, then ids and aliases across the files of one platform."""
    messages: list[str] = []
    loaded: list[tuple[Path, str, PriceFile]] = []
    for path in paths:
        try:
            text = read_text(path)
            price_file, problems = validate_text(path, text, today)
        except PricingFileError as error:
            messages.append(str(error))
            continue
        messages.extend(problems)
        if price_file is not None:
            loaded.append((path, text, price_file))
    for platform in sorted({f.platform for _, _, f in loaded}):
        members = [(index, item) for index, item in enumerate(loaded) if item[2].platform == platform]
        models = [((index, "models", m_index), model) for index, (_, _, f) in members
                  for m_index, model in enumerate(f.models)]
        for problem in check_unique(models):
            if problem.other is not None and problem.other[0] != problem.path[0]:
                path, text, _ = loaded[problem.path[0]]
                first_path, _, _ = loaded[problem.other[0]]
                line = yamlsafe.line_of(yamlsafe.load_with_lines(path, text)[1], problem.path[1:])
                first_line = yamlsafe.line_of(yamlsafe.load_with_lines(first_path, loaded[problem.other[0]][1])[1],
                                              problem.other[1:])
                messages.append(f"{path}:{line}: {format_path(problem.path[1:])}: {problem.message} "
                                f"(in {first_path}:{first_line})")
    return [f for _, _, f in loaded], messages


def _accept_old_names(data: dict[str, Any], lines: Any) -> None:
    """Tables written before `context_window` became `context_window_tokens` still load (docs/billing-rules.md)."""
    models = data.get("models")
    model_lines = lines.get("models", (0, None))[1] if isinstance(lines, dict) else None
    for index, model in enumerate(models if isinstance(models, list) else ()):
        if isinstance(model, dict) and "context_window" in model and "context_window_tokens" not in model:
            model["context_window_tokens"] = model.pop("context_window")
            where = model_lines[index][1] if isinstance(model_lines, list) and index < len(model_lines) else None
            if isinstance(where, dict) and "context_window" in where:  # errors still point at the line
                where["context_window_tokens"] = where.pop("context_window")


def _raw_problems(value: Any, path: DataPath) -> Iterator[tuple[DataPath, str]]:
    """Before the schema: bare YAML floats (a binary float cannot hold a price like 0.1 exactly) and control
    characters in text (escape sequences would rewrite the terminal of whoever prints the table)."""
    if isinstance(value, float):
        yield path, (f"write {value!r} as a quoted decimal string (\"{value!r}\"); bare YAML numbers with a "
                     "decimal point become binary floats, which costcalc refuses for prices")
    elif isinstance(value, str):
        found = CONTROL_CHARACTERS.search(value)
        if found:
            yield path, (f"text contains the control character {found.group()!r} at position {found.start() + 1}; "
                         "remove it (terminal escape sequences and bidi overrides are not allowed in tables)")
    elif isinstance(value, dict):
        for key, item in value.items():
            if isinstance(key, str) and CONTROL_CHARACTERS.search(key):
                yield (*path, key), f"key {key!r} contains a control character; remove it"
            yield from _raw_problems(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _raw_problems(item, (*path, index))


@functools.cache
def _adapter() -> Any:
    """pydantic's validator of a price file, built once per process (building it costs tens of milliseconds)."""
    import pydantic  # only here: validation runs once per file content, the hot path uses the cache

    return pydantic.TypeAdapter(PriceFile)


def _validate_schema(data: dict[str, Any]) -> tuple[PriceFile | None, list[tuple[DataPath, str]]]:
    import pydantic

    try:
        return _adapter().validate_python(data), []
    except pydantic.ValidationError as error:
        found: dict[DataPath, str] = {}
        for item in error.errors():
            loc = item["loc"]
            where = tuple(step for step in loc if isinstance(step, int) or step in _FIELD_NAMES)
            union = len(where) != len(loc)
            if item["type"] == "unexpected_keyword_argument":
                where, union = (*where, loc[-1]), False  # the unknown key itself, for its line
            message = _explain(item, union)
            found.setdefault(where, message)
        return None, list(found.items())


def _explain(item: Any, union: bool) -> str:
    kind = item["type"]
    loc = item["loc"]
    name = loc[-1] if loc else "value"
    if kind == "unexpected_keyword_argument":
        return f"unknown field {name!r}; remove it or fix its spelling"
    if kind == "missing_argument" or kind == "missing":
        return f"missing required field {name!r}"
    if union and kind.startswith(("decimal", "dataclass", "model")):
        return "a price is a quoted decimal string (\"1.25\") or a mapping {lower: \"1.25\", upper: \"2.50\"}"
    if name == "min_cache_tokens" and kind == "tuple_type":
        return ("min_cache_tokens is a list of dated entries: - {tokens: 4096, doc_date: 2025-11-18, source: URL} "
                f"(got {item.get('input')!r})")
    return f"{item['msg']} (got {item.get('input')!r})"
