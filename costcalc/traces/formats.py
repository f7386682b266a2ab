"""OpenTelemetry span files -> plain spans (name, attributes, times), whichever way they were written.

Two writers are read, exactly as they write (docs/sdk-and-traces.md):
- OTLP/JSON: `ExportTraceServiceRequest` objects (`resourceSpans` -> `scopeSpans` -> `spans`, attributes as
  `{key, value: {stringValue | intValue | ...}}`, intValue a JSON string or number, times in ns as strings);
  one per line (the collector's file exporter) or one pretty-printed document. snake_case names are accepted too.
- The Python SDK's ConsoleSpanExporter: pretty-printed span objects one after another (not JSON Lines), with
  attributes as a plain object and ISO times to the microsecond.
Nothing from OpenTelemetry is imported: the files are plain JSON.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from costcalc.errors import CostcalcError
from costcalc.usage.times import parse_time

SpanFormat = Literal["otlp", "console"]
InputFormat = Literal["auto", "jsonl", "otlp", "console"]
INPUT_FORMATS = ("auto", "jsonl", "otlp", "console")
MAX_SPAN_FILE_BYTES = 1 << 30
"""Span files are read whole (they are JSON documents, not lines); a bigger one is refused, not swapped."""

_OTLP_START = re.compile(r'\A\s*\{\s*"(?:resourceSpans|resource_spans)"\s*:')
_CONSOLE_START = re.compile(r'\A\s*\{\s*"name"\s*:\s*"(?:[^"\\]|\\.)*"\s*,\s*"context"\s*:')


@dataclass(frozen=True)
class Span:
    """What billing reads of one span."""

    number: int
    """Its position in the file, from 1 (bad records name it as their `line`)."""
    name: str
    attributes: Mapping[str, Any]
    start_ns: int | None
    end_ns: int | None


def sniff(head: str) -> SpanFormat | None:
    """The span format the start of a file shows, or None (a JSON Lines log of responses)."""
    if _OTLP_START.match(head):
        return "otlp"
    if _CONSOLE_START.match(head):
        return "console"
    return None


def json_values(text: str, name: str) -> Iterator[Any]:
    """Consecutive JSON values separated by whitespace (JSON Lines, or pretty-printed objects in a row)."""
    decoder = json.JSONDecoder()
    position = 0
    length = len(text)
    while True:
        while position < length and text[position] in " \t\r\n":
            position += 1
        if position == length:
            return
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise CostcalcError(f"{name}:{error.lineno}: not valid JSON ({error.msg}); is it a complete span "
                                "file?") from None
        yield value


def read_spans(text: str, name: str, kind: SpanFormat) -> Iterator[Span]:
    """Every span of a file's text, in order."""
    number = 0
    for value in json_values(text, name):
        if not isinstance(value, dict):
            raise CostcalcError(f"{name}: a JSON {type(value).__name__} among the spans; expected "
                                f"{'OTLP/JSON requests' if kind == 'otlp' else 'span objects'}")
        for found in (_otlp_spans(value, name) if kind == "otlp" else (value,)):
            number += 1
            yield _otlp_span(found, number) if kind == "otlp" else _console_span(found, number, name)


def _get(mapping: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = mapping.get(camel)
    return mapping.get(snake) if value is None else value


def _list(mapping: Any, camel: str, snake: str, name: str) -> list[Any]:
    found = _get(mapping, camel, snake) if isinstance(mapping, dict) else None
    if found is None:
        return []
    if not isinstance(found, list):
        raise CostcalcError(f"{name}: {camel} is not a list; is this an OTLP/JSON trace file?")
    return found


def _otlp_spans(request: dict[str, Any], name: str) -> Iterator[dict[str, Any]]:
    if _get(request, "resourceSpans", "resource_spans") is None:
        raise CostcalcError(f"{name}: an object without resourceSpans; OTLP/JSON trace files hold "
                            "ExportTraceServiceRequest objects")
    for resource in _list(request, "resourceSpans", "resource_spans", name):
        for scope in _list(resource, "scopeSpans", "scope_spans", name):
            for span in _list(scope, "spans", "spans", name):
                if isinstance(span, dict):
                    yield span


def otlp_value(value: Any) -> Any:
    """An OTLP AnyValue as a plain value: intValue (a JSON string or number) as an int when it is one."""
    if not isinstance(value, dict):
        return None
    for camel, snake in (("stringValue", "string_value"), ("boolValue", "bool_value"),
                         ("doubleValue", "double_value")):
        if _get(value, camel, snake) is not None:
            return _get(value, camel, snake)
    number = _get(value, "intValue", "int_value")
    if isinstance(number, str) and re.fullmatch(r"-?\d{1,19}", number):
        return int(number)
    if number is not None:
        return number
    array = _get(value, "arrayValue", "array_value")
    if isinstance(array, dict):
        return [otlp_value(item) for item in array.get("values") or []]
    return None


def _otlp_span(span: dict[str, Any], number: int) -> Span:
    attributes = {}
    for entry in span.get("attributes") or []:
        if isinstance(entry, dict) and isinstance(entry.get("key"), str):
            attributes[entry["key"]] = otlp_value(entry.get("value"))
    return Span(number, str(span.get("name", "")), attributes,
                _ns(_get(span, "startTimeUnixNano", "start_time_unix_nano")),
                _ns(_get(span, "endTimeUnixNano", "end_time_unix_nano")))


def _ns(value: Any) -> int | None:
    if isinstance(value, str) and value.isdigit():
        return int(value)
    if type(value) is int and value >= 0:
        return value
    return None


def _console_span(span: dict[str, Any], number: int, name: str) -> Span:
    attributes = span.get("attributes")
    if not isinstance(attributes, dict) or "context" not in span:
        raise CostcalcError(f"{name}: span {number} has no attributes object; is this the console exporter's "
                            "output?")

    def when(key: str) -> int | None:
        value = span.get(key)
        return parse_time(value) if isinstance(value, str) else None

    return Span(number, str(span.get("name", "")), attributes, when("start_time"), when("end_time"))
