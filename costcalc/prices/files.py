"""Reading a price file's bytes with the limits that keep a hostile file cheap to refuse."""

from __future__ import annotations

from pathlib import Path

from costcalc.errors import PricingFileError

MAX_FILE_BYTES = 5 * 1024 * 1024


def read_text(path: Path, *, limit: int = MAX_FILE_BYTES, kind: str = "price table",
              oversize_hint: str = "split it or remove what is not prices") -> str:
    """The file's UTF-8 text, refused before reading when it is larger than `limit` bytes."""
    megabytes = f"{limit // (1024 * 1024)} MB"
    try:
        size = path.stat().st_size
        if size > limit:
            raise PricingFileError(f"{path}:1: file is {size:,} bytes; {kind}s are limited to {limit:,} bytes "
                                   f"({megabytes}); {oversize_hint}")
        with path.open("rb") as handle:
            raw = handle.read(limit + 1)
    except OSError as error:
        raise PricingFileError(f"{path}:1: cannot read the {kind}: {error.strerror or error}") from None
    if len(raw) > limit:  # grew while we looked, or a device file
        raise PricingFileError(f"{path}:1: file is larger than {limit:,} bytes ({megabytes})")
    try:
        return raw.decode("utf-8-sig")  # a byte-order mark from a Windows editor is not an error
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise PricingFileError(f"{path}:{line}: not UTF-8 text; save the {kind} as UTF-8") from None
