"""Lines of JSONL logs (plain, gzip, or standard input) in big blocks, with their line numbers.

Only regular files are opened (a FIFO or a device could block or never end). The last line of a file
without a newline is flagged so the engine can call it truncated rather than malformed.
"""

from __future__ import annotations

import gzip
import os
import re
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, cast

from costcalc.errors import CostcalcError
from costcalc.prices.files import open_regular_file

BLOCK_BYTES = 1 << 20
MAX_LINE_BYTES = 64 << 20
"""A longer "line" means the file is not JSON Lines; refusing it keeps memory bounded."""
STDIN = "-"
MAX_BLANK_LINES = 1_000_000
"""Blank lines allowed per file (COSTCALC_MAX_BLANK_LINES changes it). A real log has a handful; 4 GB of newlines
in a 4 MB gzip file would cost minutes of skipping (docs/hardening.md, Round 3)."""


_WHITESPACE_LINE = re.compile(rb"\n[ \t\r]+(?=\n)")
"""A line of nothing but spaces, tabs and carriage returns (after the newline before it): blank, like an empty one."""
_WHITESPACE_STARTS = (b"\n ", b"\n\t", b"\n\r\n")
"""Found by `bytes.find` before the regular expression runs, so a log without such lines (CRLF too) skips it."""


def blank_line_limit() -> int:
    text = os.environ.get("COSTCALC_MAX_BLANK_LINES", "").strip()
    return int(text) if text.isdigit() else MAX_BLANK_LINES


@dataclass(frozen=True)
class Block:
    """Consecutive lines of one file: `buffer[:end]`. The buffer is reused: use a block before the next one."""

    buffer: bytes | bytearray
    end: int
    """`buffer[:end]` is whole lines joined by newlines, without the last one's newline; may include empty
    lines."""
    first_line: int
    """Line number (from 1) of the first line."""
    newlines: int
    """Newlines inside `data` (one less than its lines)."""
    unterminated_last: bool
    """The block is the file's last line, and it has no newline: a log still being written."""
    aligned: bool = False
    """Every newline sits between "}" and "{", the block starts with "{" and ends with "}": no line is blank and
    no JSON value can span two lines (inside a value "}" is never followed by "{", and strings hold no raw
    newline), so a decoder that finds as many values as lines has found line i in value i."""

    @property
    def data(self) -> bytes:
        return bytes(self.buffer[: self.end])

    @property
    def lines(self) -> list[bytes]:
        return self.data.split(b"\n")


def display_name(source: str | Path) -> str:
    return "<stdin>" if str(source) == STDIN else str(source)


def check_regular_file(path: Path) -> None:
    """Refuse what is not a regular file before anything is read (a FIFO would block the open itself)."""
    open_regular_file(path, kind="usage log", error=CostcalcError).close()


def file_identity(path: Path) -> tuple[int, int]:
    """(device, inode): the same file under two names (a link, `./x` and `x`) has one identity."""
    status = path.stat()
    return status.st_dev, status.st_ino


def refuse_repeats(sources: Sequence[str | Path]) -> None:
    """Refuse a file given twice (under one name or two): it would be billed twice."""
    seen: dict[tuple[int, int], str] = {}
    for source in sources:
        if str(source) == STDIN:
            continue
        try:
            identity = file_identity(Path(source))
        except OSError:
            continue  # the reader says what is wrong with it
        if identity in seen:
            same = "" if seen[identity] == str(source) else f" (the same file as {seen[identity]})"
            raise CostcalcError(f"{source} is given twice{same}; each log is billed once, give it once")
        seen[identity] = str(source)


def gzip_message(name: str) -> str:
    where = "give the .gz file name or pipe through gunzip" if name == "<stdin>" else "name it *.gz or gunzip it first"
    return f"{name} looks like gzip data, not JSON Lines; {where}"


PARQUET_MAGIC = b"PAR1"


def parquet_message(name: str) -> str:
    return (f"{name} is a Parquet file, not JSON Lines; bill it with --engine duckdb or --engine spark, "
            "the file named *.parquet")


def refuse_gzip_lookalike(path: str | Path, name: str) -> None:
    """A file that starts like gzip (or Parquet) but is not named so would bill as nothing but bad lines."""
    with open(path, "rb") as handle:
        start = handle.read(4)
    if start.startswith(b"\x1f\x8b") and not (str(path).endswith(".gz") or name.endswith(".gz")):
        raise CostcalcError(gzip_message(name))
    if start == PARQUET_MAGIC:
        raise CostcalcError(parquet_message(name))


def open_log(source: str | Path) -> IO[bytes]:
    """A binary stream of the log: standard input for `-`, gunzipped for `*.gz`."""
    if str(source) == STDIN:
        return sys.stdin.buffer
    path = Path(source)
    handle = open_regular_file(path, kind="usage log", error=CostcalcError)
    if path.name.endswith(".gz"):
        unzipped = gzip.GzipFile(filename=str(path), mode="rb", fileobj=handle)
        # Closing the stream must close the file too, as gzip.open's does.
        unzipped.myfileobj = handle  # type: ignore[assignment]
        return cast(IO[bytes], unzipped)
    return handle


def blocks(source: str | Path, block_bytes: int = BLOCK_BYTES, start: int = 0,
           stop: int | None = None) -> Iterator[Block]:
    """The log's lines in blocks of about `block_bytes`; for a plain file, only bytes [start, stop), which must
    begin at a line start (line numbers then count from 1 at `start`).

    Reads into one reused buffer (no copy per block); a line longer than the buffer grows it.
    """
    name = display_name(source)
    stream = open_log(source)
    buffer = bytearray(block_bytes)
    filled = 0  # bytes of an unfinished line kept at the start of the buffer
    next_line = 1
    first = start == 0
    if start:
        stream.seek(start)
    left = -1 if stop is None else stop - start
    blank_pairs, blank_limit = 0, blank_line_limit()
    try:
        while True:
            if filled == len(buffer):
                if filled > MAX_LINE_BYTES:
                    raise CostcalcError(f"{name}:{next_line}: a line longer than {MAX_LINE_BYTES >> 20} MB; "
                                        "is this a JSON Lines log (one record per line)?")
                # Doubling, but never past one byte over the cap: a longer line is refused at that size.
                buffer.extend(bytes(min(len(buffer), MAX_LINE_BYTES + 1 - len(buffer))))
            room = len(buffer) - filled if left < 0 else min(len(buffer) - filled, left)
            try:
                with memoryview(buffer) as view:
                    count = stream.readinto(view[filled: filled + room])  # type: ignore[attr-defined]
            except (OSError, EOFError, zlib.error) as error:
                raise CostcalcError(f"{name}: cannot read the log ({error}); is it a complete gzip file?") from None
            if not count:
                break
            if left >= 0:
                left -= count
            total = filled + count
            if first and buffer.startswith(b"\xef\xbb\xbf"):
                buffer[: total - 3] = buffer[3:total]  # a byte-order mark from a Windows editor
                total -= 3
            if first and start == 0 and buffer.startswith(b"\x1f\x8b") and not name.endswith(".gz"):
                raise CostcalcError(gzip_message(name))
            if first and start == 0 and buffer.startswith(PARQUET_MAGIC):
                raise CostcalcError(parquet_message(name))
            first = False
            end = buffer.rfind(b"\n", filled, total)
            if end < 0:
                filled = total
                continue
            newlines = buffer.count(b"\n", 0, end)
            # One pass tells the usual block (one object per line) from the rest; only the rest can hold blank
            # lines, so only the rest pays for counting them.
            separated = buffer.count(b"}\n{", 0, end) == newlines
            if not separated:
                # Each "\n\n" is at least one blank line (a run of k newlines holds k - 1 blank lines and k // 2
                # such pairs), so this undercounts and never refuses a file within the limit.
                blank_pairs += buffer.count(b"\n\n", 0, end + 1)  # the carried-over start holds no newline
                if any(buffer.find(start_of_blank, 0, end + 1) >= 0 for start_of_blank in _WHITESPACE_STARTS):
                    blank_pairs += len(_WHITESPACE_LINE.findall(buffer, 0, end + 1))  # lines of spaces, tabs, CR
            if blank_pairs > blank_limit:
                raise CostcalcError(f"{name}: more than {blank_limit:,} blank lines (by line "
                                    f"{next_line + newlines:,}); this is not a JSON Lines log (a gzip bomb?): remove "
                                    "the blank lines, or set COSTCALC_MAX_BLANK_LINES if they are real")
            aligned = separated and end > 0 and buffer[0] == 0x7B and buffer[end - 1] == 0x7D  # "{" ... "}"
            yield Block(buffer, end, next_line, newlines, False, aligned)
            next_line += newlines + 1
            filled = total - end - 1
            buffer[:filled] = buffer[end + 1: total]
        if filled:
            yield Block(bytes(buffer[:filled]), filled, next_line, 0, True)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
