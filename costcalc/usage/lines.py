"""Lines of one block, and the words for a line that cannot be read: shared by the engines.

A block is `buffer[:end]`, whole lines joined by newlines (`reader.Block`). The fast path decodes a block in one
call, so it needs the raw text of only the few lines the reference reading must see (`lines_at`).
"""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from costcalc.usage.lookup import RecordError
from costcalc.usage.report import BadRecord


def split_lines(buffer: bytes | bytearray, end: int, newlines: int) -> Sequence[bytes | bytearray]:
    """The lines of `buffer[:end]` (`buffer[end]` is a newline, or `end` is the buffer's length).

    Split in place with a bounded count rather than copying the megabyte first: a large temporary is a fresh
    memory mapping each time, and its page faults cost as much as the split."""
    if end == len(buffer):
        return buffer.split(b"\n")
    lines = buffer.split(b"\n", newlines + 1)
    lines.pop()
    return lines


def lines_at(buffer: bytes | bytearray, end: int, newlines: int, positions: list[int]) -> list[bytes]:
    """Lines number `positions` (ascending, from 0) of `buffer[:end]`, which holds `newlines` newlines.

    The few lines the reference reading needs are found without splitting the block: jump to where the line
    would be at the average line length, count the newlines skipped (one C call), then step line by line."""
    found = []
    average = end / (newlines + 1)
    line, start = 0, 0  # `start` is where line number `line` begins
    for wanted in positions:
        guess = max(start, min(end, int(wanted * average)))
        skipped = buffer.count(b"\n", start, guess)
        if skipped:
            start = buffer.rfind(b"\n", start, guess) + 1
            line += skipped
        while line > wanted:
            start = buffer.rfind(b"\n", 0, start - 1) + 1
            line -= 1
        while line < wanted:
            start = buffer.find(b"\n", start, end) + 1
            line += 1
        stop = buffer.find(b"\n", start, end)
        found.append(bytes(buffer[start: end if stop < 0 else stop]))
    return found


TOO_DEEP = RecordError("too_deep", "nested too deeply to read (over about 1,000 levels); not a Gemini record")


def malformed(error: msgspec.DecodeError) -> RecordError:
    """`malformed_json`, saying so when the only problem is a number too big for a double (1e309)."""
    if str(error).startswith("Number out of range"):
        return RecordError("malformed_json", "not valid JSON: a number is out of range")
    return RecordError("malformed_json", "not valid JSON")


def strict_message(record: BadRecord) -> str:
    return (f"{record.file}:{record.line}: {record.reason} [{record.code}]; fix or remove the record, or bill "
            "without --strict to list every bad record")

