"""Reading a price file's bytes with the limits that keep a hostile file cheap to refuse."""

from __future__ import annotations

from pathlib import Path

from costcalc.errors import PricingFileError

MAX_FILE_BYTES = 5 * 1024 * 1024


def read_text(path: Path) -> str:
    """The file's text, refused before reading when it is too large to be a price table."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise PricingFileError(f"{path}:1: file is {size:,} bytes; price tables are limited to "
                                   f"{MAX_FILE_BYTES:,} bytes (5 MB); split it or remove what is not prices")
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except OSError as error:
        raise PricingFileError(f"{path}:1: cannot read the price table: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:  # grew while we looked, or a device file
        raise PricingFileError(f"{path}:1: file is larger than {MAX_FILE_BYTES:,} bytes (5 MB)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PricingFileError(f"{path}:{line}: not UTF-8 text; save the table as UTF-8") from None
