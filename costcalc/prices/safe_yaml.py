"""Reading a YAML price file that may be hostile, in one pass over libyaml's event stream.

Why events and not `yaml.safe_load`: PyYAML composes a node tree and resolves every plain scalar in Python,
which took 13 s and 800 MB for a 4.8 MB table; walking the events builds the data directly, in time and memory
proportional to the file. The same pass refuses what a price table never needs and what makes YAML dangerous:

- aliases are kept (a table may share a `sources` list), but an alias to an anchor that is still open (a cycle,
  `a: &a [*a]`) is refused at once, and so is a file whose aliases would expand past `MAX_ALIAS_NODES`
  nodes (billion laughs); the expansion is counted from each anchor's memoised size, never by expanding;
- nesting deeper than `MAX_DEPTH` (aliases included), merge keys (`<<`), tags other than YAML's plain types,
  more than one document, and duplicate keys (PyYAML silently keeps the last one) are errors with their line.

Each value's line is kept beside the data, so a problem found later (schema, invariants) points at its line.
See docs/hardening.md.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

from costcalc.errors import PricingFileError

MAX_ALIAS_NODES = 100_000
"""Nodes that aliases may add by repetition; a real table needs a few hundred at most."""
MAX_NODES = 50_000
"""Values (scalars, lists, mappings, aliases) in one file. The bundled gemini-api table has 4,256 in 110 KB (28
models); 50,000 is room for about 330 such models, a dozen times any real table. Past it the file is refused
while it is being read, so a 5 MB file is judged in a fraction of a second (docs/hardening.md, Round 3)."""
MAX_TYPED_VALUES = 5_000
"""Distinct plain scalars that are not text (numbers, dates, booleans) in one file. Each is built once by PyYAML's
constructors (a timestamp costs about 30 us); the bundled tables have 74 and 38. A file of 50,000 distinct
timestamps would take seconds to build, and is refused at this count instead."""
MAX_DEPTH = 64
"""A price table is about 6 levels deep; past this it is an attack or a mistake."""

_Parser: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_STR = f"{_TAG}str"
_CONSTRUCTOR = SafeConstructor()
_SCALARS: dict[str, Callable[[Any, yaml.ScalarNode], Any]] = {
    f"{_TAG}{name}": SafeConstructor.yaml_constructors[f"{_TAG}{name}"]
    for name in ("null", "bool", "int", "float", "timestamp")
}
_RESOLVERS = Resolver.yaml_implicit_resolvers

Lines = Any
"""Where each value sits: for a mapping `{key: (key line, lines of the value)}`, for a sequence
`[(item line, lines of the item)]`, for a scalar None."""


class _Open:
    """A mapping or sequence whose end event has not come yet."""

    __slots__ = ("anchor", "data", "height", "key", "key_line", "line", "lines", "size")

    def __init__(self, data: Any, lines: Any, anchor: str | None, line: int) -> None:
        self.data, self.lines, self.anchor, self.line = data, lines, anchor, line
        self.key: Any = _NO_KEY
        self.key_line = 0
        self.size = 1  # nodes after alias expansion, this one included
        self.height = 1


_NO_KEY = object()


def _fail(path: Path, line: int, message: str) -> PricingFileError:
    return PricingFileError(f"{path}:{line}: {message}")


def _resolve_plain(value: str) -> str:
    """The tag YAML 1.1 gives a plain scalar, by PyYAML's own rules (so `2024-05-14` is a date, `10` an int)."""
    for tag, pattern in _RESOLVERS.get(value[:1] if value else "", []) + _RESOLVERS.get(None, []):
        if pattern.match(value):
            return str(tag)
    return _STR


def _scalar(path: Path, event: Any) -> Any:
    line = event.start_mark.line + 1
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolve_plain(event.value) if event.implicit[0] and tag is None else _STR
    if tag == _STR:
        return event.value
    if tag == f"{_TAG}merge":
        raise _fail(path, line, "YAML merge keys (<<) are not supported in price tables; write the fields out")
    build = _SCALARS.get(tag)
    if build is None:
        raise _fail(path, line, f"cannot load YAML: tag {tag!r} is not allowed in a price table")
    try:
        return build(_CONSTRUCTOR, yaml.ScalarNode(tag, event.value))
    except (ValueError, OverflowError, yaml.YAMLError) as error:  # e.g. an integer of thousands of digits
        problem = getattr(error, "problem", None) or str(error)
        raise _fail(path, line, f"cannot load YAML: {problem}") from None


def _collection_tag(path: Path, event: Any, kind: str) -> None:
    if event.tag not in (None, "!", f"{_TAG}{kind}"):
        raise _fail(path, event.start_mark.line + 1, f"cannot load YAML: tag {event.tag!r} is not allowed in a "
                    "price table")


def load_with_lines(path: Path, text: str) -> tuple[Any, tuple[int, Lines]]:
    """The document's data (None when empty) and (its line, where each value sits); errors are `file:line: …`."""
    parser = _Parser(text.encode("utf-8"))
    try:
        return _build(path, iter(parser.get_event, None))  # like yaml.parse, without a generator per event
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        problem = getattr(error, "problem", None) or str(error).splitlines()[0]
        raise _fail(path, mark.line + 1 if mark is not None else 1, f"YAML syntax error: {problem}") from None
    finally:
        parser.dispose()


def _build(path: Path, events: Any) -> tuple[Any, tuple[int, Lines]]:
    stack: list[_Open] = []
    anchors: dict[str, tuple[Any, Lines, int, int] | None] = {}  # None: still open
    expanded_by_aliases = 0
    root: tuple[Any, tuple[int, Lines]] | None = None
    documents = 0
    scalar_event, alias_event = yaml.ScalarEvent, yaml.AliasEvent
    starts = {yaml.MappingStartEvent: True, yaml.SequenceStartEvent: False}
    ends = (yaml.MappingEndEvent, yaml.SequenceEndEvent)
    resolved: dict[str, str] = {}  # plain scalar -> tag, for this file
    constructed: dict[str, Any] = {}  # plain scalar -> its value, when not text
    values = 0  # scalars, aliases and finished collections so far
    for event in events:
        kind = type(event)
        if kind is scalar_event:
            line = event.start_mark.line + 1
            lines, size, height = None, 1, 1
            if event.tag is None and event.anchor is None:  # the common case, inline: most scalars are text
                value = event.value
                if event.implicit[0]:
                    tag = resolved.get(value)
                    if tag is None:
                        tag = resolved[value] = _resolve_plain(value)
                    if tag != _STR:  # dates, numbers, booleans: immutable, and the same ones recur
                        known = constructed.get(value, _NO_KEY)
                        if known is _NO_KEY:
                            if len(constructed) >= MAX_TYPED_VALUES:
                                raise _fail(path, line, f"more than {MAX_TYPED_VALUES:,} distinct numbers, dates "
                                            "and booleans; a price table has a few hundred, so this is not one: "
                                            "split it or remove what is not prices")
                            known = constructed[value] = _scalar(path, event)
                        value = known
            else:
                value = _scalar(path, event)
                if event.anchor is not None:
                    anchors[event.anchor] = (value, None, 1, 1)
        elif kind in starts:
            line = event.start_mark.line + 1
            _collection_tag(path, event, "map" if starts[kind] else "seq")
            if len(stack) >= MAX_DEPTH:
                raise _fail(path, line, f"YAML is nested too deeply to be a price table (more than {MAX_DEPTH} "
                            "levels)")
            if event.anchor is not None:
                anchors[event.anchor] = None
            stack.append(_Open({} if starts[kind] else [], {} if starts[kind] else [], event.anchor, line))
            continue
        elif kind in ends:
            done = stack.pop()
            line, value, lines, size, height = done.line, done.data, done.lines, done.size, done.height
            if done.anchor is not None:
                anchors[done.anchor] = (value, lines, size, height)
        elif kind is alias_event:
            line = event.start_mark.line + 1
            if event.anchor not in anchors:
                raise _fail(path, line, f"YAML alias *{event.anchor} has no anchor &{event.anchor} before it")
            known = anchors[event.anchor]
            if known is None:
                raise _fail(path, line, f"YAML alias *{event.anchor} is inside its own anchor &{event.anchor} "
                            "(a recursive structure); a price table cannot contain itself")
            value, lines, size, height = known
            expanded_by_aliases += size
            if expanded_by_aliases > MAX_ALIAS_NODES:
                raise _fail(path, line, f"YAML anchors/aliases expand to more than {MAX_ALIAS_NODES:,} nodes; "
                            "write the values out instead of aliasing them")
            if len(stack) + height > MAX_DEPTH:
                raise _fail(path, line, f"YAML is nested too deeply to be a price table (more than {MAX_DEPTH} "
                            "levels)")
        else:
            if kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise _fail(path, event.start_mark.line + 1, "a price table is one YAML document; remove the "
                                "second `---` and what follows it")
            continue  # stream and document boundaries
        values += 1
        if values > MAX_NODES:
            raise _fail(path, line, f"more than {MAX_NODES:,} YAML values; a price table has a few thousand (the "
                        "bundled ones 1,306 and 4,256), so this is not one: split it or remove what is not prices")
        if not stack:
            root = (value, (line, lines))
            continue
        parent = stack[-1]
        parent.size += size
        if height >= parent.height:
            parent.height = height + 1
        if type(parent.data) is list:
            parent.data.append(value)
            parent.lines.append((line, lines))
        elif parent.key is _NO_KEY:
            if lines is not None or value in parent.data:
                _refuse_key(path, parent, value, lines, line)
            parent.key, parent.key_line = value, line
        else:
            parent.data[parent.key] = value
            parent.lines[parent.key] = (parent.key_line, lines)
            parent.key = _NO_KEY
    return root if root is not None else (None, (1, None))


def _refuse_key(path: Path, parent: _Open, key: Any, lines: Lines, line: int) -> None:
    """A key that is a list or mapping (an alias to one), or one the mapping already has."""
    if lines is not None:
        raise _fail(path, line, "a mapping key must be a plain value, not a list or mapping")
    if key in parent.data:
        first = parent.lines[key][0]
        raise _fail(path, line, f"duplicate key {key!r}: it is also on line {first}; YAML would keep only the "
                    "last one, so remove one of them")


def line_of(located: tuple[int, Lines], path: tuple[Any, ...]) -> int:
    """Line (1-based) of the deepest value along `path` from (root line, lines); for a key, the key's line."""
    line, lines = located
    for step in path:
        found = (isinstance(lines, dict) and step in lines) or (
            isinstance(lines, list) and isinstance(step, int) and 0 <= step < len(lines))
        if not found:
            break
        line, lines = lines[step]
    return line
