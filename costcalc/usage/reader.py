"""Lines of JSONL logs (plain, gzip, or standard input) in big blocks, with their line numbers.

Only regular files are opened (a FIFO or a device could block or never end). The last line of a file
without a newline is flagged so the engine can call it truncated rather than malformed.
"""

from __future__ import annotations

import gzip
import os
import stat
import sys
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from costcalc.errors import CostcalcError

BLOCK_BYTES = 1 << 20
MAX_LINE_BYTES = 64 << 20
"""A longer "line" means the file is not JSON Lines; refusing it keeps memory bounded."""
STDIN = "-"


@dataclass(frozen=True)
class Block:
    """Consecutive lines of one file."""

    lines: list[bytes]
    """Without their newlines; may include empty ones."""
    first_line: int
    """Line number (from 1) of lines[0]."""
    unterminated_last: bool
    """lines[-1] is the file's last line and has no newline: a log still being written."""


def display_name(source: str | Path) -> str:
    return "<stdin>" if str(source) == STDIN else str(source)


def check_regular_file(path: Path) -> None:
    """Refuse what is not a regular file before opening it (a FIFO would block the open itself)."""
    try:
        mode = os.stat(path).st_mode
    except OSError as error:
        raise CostcalcError(f"{path}: cannot read the log: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        raise CostcalcError(f"{path}: not a regular file (a folder, FIFO or device); give a log file, or - to read "
                            "standard input")


def open_log(source: str | Path) -> IO[bytes]:
    """A binary stream of the log: standard input for `-`, gunzipped for `*.gz`."""
    if str(source) == STDIN:
        return sys.stdin.buffer
    path = Path(source)
    check_regular_file(path)
    try:
        return gzip.open(path, "rb") if path.name.endswith(".gz") else path.open("rb")
    except OSError as error:
        raise CostcalcError(f"{path}: cannot read the log: {error.strerror or error}") from None


def blocks(source: str | Path, block_bytes: int = BLOCK_BYTES) -> Iterator[Block]:
    """The log's lines in blocks of about `block_bytes`."""
    name = display_name(source)
    stream = open_log(source)
    carry = b""
    next_line = 1
    first = True
    try:
        while True:
            try:
                chunk = stream.read(block_bytes)
            except (OSError, EOFError, zlib.error) as error:
                raise CostcalcError(f"{name}: cannot read the log ({error}); is it a complete gzip file?") from None
            if first and chunk.startswith(b"\xef\xbb\xbf"):
                chunk = chunk[3:]  # a byte-order mark from a Windows editor
            first = False
            if not chunk:
                break
            data = carry + chunk
            end = data.rfind(b"\n")
            if end < 0:
                carry = data
                if len(carry) > MAX_LINE_BYTES:
                    raise CostcalcError(f"{name}:{next_line}: a line longer than {MAX_LINE_BYTES >> 20} MB; "
                                        "is this a JSON Lines log (one record per line)?")
                continue
            carry = data[end + 1:]
            lines = data[:end].split(b"\n")
            yield Block(lines, next_line, False)
            next_line += len(lines)
        if carry:
            yield Block([carry], next_line, True)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
