"""Reading a plain CSV timeline (no quotes, `\\n` line ends) straight from its bytes with array operations.

A million rows cost about what Python's `csv` module takes just to split them. Anything else (quotes, CRLF,
blank lines, a row with the wrong number of fields) returns None, and the `csv` module reads the file, with
exact line numbers in its errors. Fields this reader cannot parse as plain numbers (ISO timestamps, spaces)
are handed back as text, one by one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
_POW10 = np.array([10**k for k in range(19)], dtype=np.int64)


@dataclass(frozen=True)
class Columns:
    """Byte spans [start, end) of each field, by column name, over one buffer."""

    buffer: npt.NDArray[np.uint8]
    spans: dict[str, tuple[IntArray, IntArray]]
    rows: int

    def text(self, name: str, row: int) -> str:
        start, end = self.spans[name]
        return bytes(self.buffer[int(start[row]):int(end[row])]).decode("utf-8", errors="replace")


def split_plain_csv(data: bytes, header: list[str]) -> Columns | None:
    """Field spans of every data row, or None when the file is not plain enough for this reader."""
    if b'"' in data or b"\r" in data or b"\n\n" in data:
        return None
    buffer = np.frombuffer(data, dtype=np.uint8)
    breaks = np.flatnonzero(buffer == 10)
    ends = breaks if data.endswith(b"\n") else np.r_[breaks, len(data)]
    starts = np.r_[0, ends[:-1] + 1]
    starts, ends = starts[1:].astype(np.int64), ends[1:].astype(np.int64)  # drop the header line
    width = len(header)
    commas = np.flatnonzero(buffer == 44)
    commas = commas[commas > (breaks[0] if breaks.size else len(data))]
    if starts.size == 0 or commas.size != (width - 1) * starts.size:
        return None
    per_row = np.searchsorted(commas, ends) - np.searchsorted(commas, starts)
    if (per_row != width - 1).any():
        return None
    grid = commas.reshape(starts.size, width - 1).astype(np.int64)
    spans = {}
    for column, name in enumerate(header):
        first = starts if column == 0 else grid[:, column - 1] + 1
        last = ends if column == width - 1 else grid[:, column]
        spans[name] = (first, last)
    return Columns(buffer, spans, int(starts.size))


def parse_decimal(columns: Columns, name: str, places: int,
                  max_int_digits: int = 11) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """`digits[.digits]` scaled by 10^places, exactly, by Horner's rule one character position at a time.

    Rows that are not plain digits (or have more than `places` decimals, or more than `max_int_digits` digits
    before the dot) are marked not ok; the caller parses those itself.
    """
    start, end = columns.spans[name]
    buffer = columns.buffer
    size = end - start
    if size.size > 1 and int(size[0]) > 0 and (size == size[0]).all():
        uniform = _parse_fixed_width(buffer, start, int(size[0]), places, max_int_digits)
        if uniform is not None:
            return uniform
    widest = int(size.max()) if size.size else 0
    value = np.zeros(columns.rows, dtype=np.int64)
    digits = np.zeros(columns.rows, dtype=np.int64)
    decimals = np.zeros(columns.rows, dtype=np.int64)
    dot = np.zeros(columns.rows, dtype=bool)
    bad = size == 0
    last = buffer.size - 1
    for offset in range(widest):
        inside = offset < size
        char = buffer[np.minimum(start + offset, last)]
        digit = char.astype(np.int64) - 48
        is_digit = inside & (digit >= 0) & (digit <= 9)
        is_dot = inside & (char == 46)
        bad |= inside & ~is_digit & ~is_dot
        bad |= is_dot & dot
        value = np.where(is_digit, value * 10 + digit, value)
        digits += is_digit
        decimals += is_digit & dot
        dot |= is_dot
    bad |= (digits == 0) | (decimals > places) | (digits - decimals > max_int_digits)
    if places == 0:
        bad |= dot
    scaled = value * _POW10[np.clip(places - decimals, 0, 18)]
    return np.where(bad, 0, scaled), ~bad


def _parse_fixed_width(buffer: npt.NDArray[np.uint8], start: IntArray, width: int, places: int,
                       max_int_digits: int) -> tuple[IntArray, npt.NDArray[np.bool_]] | None:
    """Machine-written fields often have one width and the dot in one place: one pass per character position
    (a strided view of the bytes when the lines have one length too)."""
    stride = int(start[1] - start[0])
    if (np.diff(start) == stride).all():
        matrix = np.lib.stride_tricks.as_strided(buffer[int(start[0]):], shape=(start.size, width),
                                                 strides=(stride, 1), writeable=False)

        def column_at(offset: int) -> npt.NDArray[np.uint8]:
            return matrix[:, offset]
    else:  # one gather of every field's bytes as a row, from overlapping windows of the buffer
        padded = np.concatenate([buffer, np.zeros(width, dtype=np.uint8)])
        windows = np.lib.stride_tricks.as_strided(padded, shape=(buffer.size, width), strides=(1, 1),
                                                  writeable=False)
        rows = windows[start]

        def column_at(offset: int) -> npt.NDArray[np.uint8]:
            return rows[:, offset]

    dots = [offset for offset in range(width) if column_at(offset)[0] == 46]
    if len(dots) > 1 or (dots and not (column_at(dots[0]) == 46).all()):
        return None
    dot = dots[0] if dots else width
    dot_columns = dots
    decimals = width - dot - 1 if dot_columns else 0
    if dot == 0 or decimals > places or dot > max_int_digits or (places == 0 and dot_columns):
        return None
    value = np.zeros(start.size, dtype=np.int64)
    ok = np.ones(start.size, dtype=bool)
    for column in range(width):
        if column != dot:
            digit = column_at(column) - np.uint8(48)  # anything but 0-9 wraps above 9 (a stray dot too)
            ok &= digit <= 9
            value *= 10
            value += digit
    return np.where(ok, value * _POW10[places - decimals], 0), ok


def factorize(columns: Columns, name: str) -> tuple[IntArray, tuple[str, ...]] | None:
    """Distinct keys as integers. Each key's bytes are read eight at a time as 64-bit words; keys of up to
    8 bytes are their word (exact), longer ones are hashed and then checked word for word (None on a clash)."""
    start, end = columns.spans[name]
    size = end - start
    widest = int(size.max()) if size.size else 0
    padded = np.concatenate([columns.buffer, np.zeros(8, dtype=np.uint8)])
    as_words = np.lib.stride_tricks.as_strided(padded, shape=(padded.size - 7, 8), strides=(1, 1),
                                               writeable=False).view("<u8").reshape(-1)
    words = []
    for offset in range(0, max(widest, 1), 8):
        left = np.clip(size - offset, 0, 8).astype(np.uint64)
        keep = np.where(left == 8, np.uint64(2**64 - 1), (np.uint64(1) << (left * np.uint64(8))) - np.uint64(1))
        words.append(as_words[np.minimum(start + offset, as_words.size - 1)] & keep)
    hashed = words[0] ^ (size.astype(np.uint64) << np.uint64(58)) if len(words) > 1 else words[0]
    for word in words[1:]:
        hashed = hashed * np.uint64(1_099_511_628_211) ^ word
    order = np.argsort(hashed)  # np.unique would sort stably (slower); any representative of a key will do
    ordered = hashed[order]
    new_key = np.r_[True, ordered[1:] != ordered[:-1]]
    inverse = np.empty(hashed.size, dtype=np.int64)
    inverse[order] = np.cumsum(new_key) - 1
    first = order[new_key]
    representative = first[inverse]
    if not (size == size[representative]).all() or any((word != word[representative]).any() for word in words):
        return None
    return inverse, tuple(columns.text(name, int(row)) for row in first)
