"""Reading a user-given file with the limits that keep a hostile one cheap to refuse.

Every reader of a path a user names (price tables, peer feeds, usage logs) goes through `open_regular_file`:
a FIFO, a device or a folder would block forever or never end, so anything that is not a regular file is
refused before it is read, and again after opening (the path may have been swapped in between).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from costcalc.errors import CostcalcError, PricingFileError

MAX_FILE_BYTES = 5 * 1024 * 1024

_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _not_regular(mode: int) -> str | None:
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def open_regular_file(path: Path, *, kind: str = "price table",
                      error: type[CostcalcError] = PricingFileError) -> BinaryIO:
    """`path` opened for binary reading, or `error` (`path:1: …`) when it is missing or not a regular file.

    Symbolic links to regular files are followed. Opening uses O_NONBLOCK, so even a FIFO swapped in after
    the first check cannot block; the descriptor is checked again with fstat before anything is read.
    """
    try:
        what = _not_regular(os.stat(path).st_mode)
        if what is None:
            descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
            what = _not_regular(os.fstat(descriptor).st_mode)
            if what is None:
                return os.fdopen(descriptor, "rb")
            os.close(descriptor)
    except OSError as problem:
        raise error(f"{path}:1: cannot read the {kind}: {problem.strerror or problem}") from None
    except ValueError:  # a NUL byte in the name, which no file can have
        raise error(f"{path!r}:1: not a file name (it contains a NUL byte)") from None
    raise error(f"{path}:1: this is {what}, not a regular file; give the {kind} file itself")


def read_text(path: Path, *, limit: int = MAX_FILE_BYTES, kind: str = "price table",
              oversize_hint: str = "split it or remove what is not prices") -> str:
    """The file's UTF-8 text, refused before reading when it is larger than `limit` bytes."""
    megabytes = f"{limit // (1024 * 1024)} MB"
    with open_regular_file(path, kind=kind) as handle:
        try:
            size = os.fstat(handle.fileno()).st_size
            if size > limit:
                raise PricingFileError(f"{path}:1: file is {size:,} bytes; {kind}s are limited to {limit:,} bytes "
                                       f"({megabytes}); {oversize_hint}")
            raw = handle.read(limit + 1)
        except OSError as error:
            raise PricingFileError(f"{path}:1: cannot read the {kind}: {error.strerror or error}") from None
    if len(raw) > limit:  # grew while we looked
        raise PricingFileError(f"{path}:1: file is larger than {limit:,} bytes ({megabytes})")
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark from a Windows editor is not an error
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PricingFileError(f"{path}:{line}: not UTF-8 text; save the {kind} as UTF-8") from None


def check_output_file(path: Path, *, option: str, suffix: str | None = None, inputs: tuple[Path, ...] = ()) -> None:
    """Refuse an output that would block (a FIFO), fail late (a folder), or overwrite one of the inputs.

    Writing Parquet onto the log being billed would lose its bad lines for good, so an output that is the same
    file as an input (under any name) is an error, as is a name whose suffix says another format.
    """
    if suffix is not None and path.suffix.lower() in _FORMAT_SUFFIXES and path.suffix.lower() != suffix:
        raise CostcalcError(f"{option} {path}: the name says {path.suffix} but this writes {suffix}; "
                            f"name it *{suffix}")
    try:
        target = os.stat(path)
    except FileNotFoundError:
        return
    except OSError as problem:
        raise CostcalcError(f"{option} {path}: cannot write ({problem.strerror or problem})") from None
    what = _not_regular(target.st_mode)
    if what is not None:
        raise CostcalcError(f"{option} {path}: this is {what}; give a file name to write")
    for given in inputs:
        try:
            if os.path.samefile(path, given):
                raise CostcalcError(f"{option} {path} is one of the files being read; give a new file name")
        except OSError:
            continue


_FORMAT_SUFFIXES = (".csv", ".parquet", ".sql", ".json", ".jsonl", ".gz")

