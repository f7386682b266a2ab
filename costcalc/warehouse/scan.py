"""A JSON Lines log checked by the default engine's own line reader before an SQL engine reads it.

DuckDB's and Spark's line readers differ from `costcalc bill`'s where a hostile file lives: DuckDB dropped a last
line of 2 GiB and called 3 GB of `[` "no records", counted a CRLF as two line breaks once a file mixed CRLF and
LF, and both read a 4 GB gzip bomb of newlines for minutes. One pass of `costcalc.usage.reader.blocks` refuses
what the default engine refuses, with its words (a line over `MAX_LINE_BYTES`, too many blank lines), and says
whether the last line is unterminated. A log with a carriage return is copied, CRLF as LF, into the engine's
private folder, so SQL line numbers are the default engine's (docs/hardening.md, Round 3 (engines)).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from costcalc.errors import CostcalcError
from costcalc.usage import reader


@dataclass(frozen=True)
class ScannedLog:
    """What an engine needs to know of a log before reading it."""

    path: str
    """The file the engine reads: the log, or its copy with CRLF as LF."""
    unterminated: bool
    """The last line has no newline (a log still being written): if it is not JSON, it is `truncated_last_line`."""


def scan_log(name: str, path: str, workdir: str, copy_crlf: bool = True) -> ScannedLog:
    """Check the log at `path` (reported as `name`) line by line as `costcalc bill` reads it; CostcalcError if
    the default engine would refuse it. `copy_crlf`: a log with a carriage return is read from a copy in
    `workdir` where each CRLF is LF (DuckDB's reader counts lines wrongly in a file that mixes both)."""
    unterminated = carriage_return = False
    try:
        for block in reader.blocks(path):  # refuses what the default engine refuses: long lines, blank floods
            carriage_return = carriage_return or block.buffer.find(b"\r", 0, block.end) >= 0
            unterminated = block.unterminated_last
    except CostcalcError as error:
        raise CostcalcError(str(error).replace(path, name, 1)) from None
    if not (carriage_return and copy_crlf):
        return ScannedLog(path, unterminated)
    copy = os.path.join(workdir, f"crlf-{len(os.listdir(workdir))}.jsonl")
    with open(copy, "wb") as out:
        for block in reader.blocks(path):
            if block.unterminated_last:
                out.write(bytes(block.buffer[:block.end]))
            else:
                out.write(bytes(block.buffer[:block.end + 1]).replace(b"\r\n", b"\n"))
    return ScannedLog(copy, unterminated)
