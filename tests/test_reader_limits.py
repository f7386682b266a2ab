"""The line reader's limits, at their exact edges (docs/hardening.md): the longest line it takes, and the blank
lines it counts toward COSTCALC_MAX_BLANK_LINES."""

from __future__ import annotations

from pathlib import Path

import pytest

from costcalc.errors import CostcalcError
from costcalc.usage import reader


def _lines(path: Path, block_bytes: int = 1024) -> int:
    return sum(block.newlines + 1 for block in reader.blocks(path, block_bytes=block_bytes))


def test_a_line_of_exactly_the_cap_is_read_and_one_byte_more_is_refused(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # The buffer doubles from 1,024 bytes: 2,048, 4,096, then one byte over the 4,096-byte cap, no further.
    # Before, it doubled to 8,192 and took lines up to twice the cap.
    monkeypatch.setattr(reader, "MAX_LINE_BYTES", 4096)
    at_cap = tmp_path / "at-cap.jsonl"
    at_cap.write_bytes(b"{}\n" + b"x" * 4096 + b"\n{}\n")
    assert _lines(at_cap) == 3
    over = tmp_path / "over.jsonl"
    over.write_bytes(b"{}\n" + b"x" * 4097 + b"\n{}\n")
    with pytest.raises(CostcalcError) as caught:
        _lines(over)
    assert str(caught.value) == (f"{over}:2: a line longer than 0 MB; is this a JSON Lines log (one record per "
                                 "line)?")


@pytest.mark.parametrize("blank", [b"", b" ", b"\t \r", b"\r"], ids=["empty", "space", "mixed", "crlf"])
def test_blank_and_whitespace_only_lines_count_toward_the_limit(blank: bytes, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    # 3,000 blank lines between two records against a limit of 1,000. Lines of spaces, tabs or a lone CR (a
    # CRLF file's empty line) were not counted before, so such a file was read to its end however long.
    monkeypatch.setenv("COSTCALC_MAX_BLANK_LINES", "1000")
    log = tmp_path / "blank.jsonl"
    log.write_bytes(b"{}\n" + (blank + b"\n") * 3_000 + b"{}\n")
    with pytest.raises(CostcalcError) as caught:
        _lines(log, block_bytes=1 << 20)
    assert str(caught.value).startswith(f"{log}: more than 1,000 blank lines (by line ")
    monkeypatch.setenv("COSTCALC_MAX_BLANK_LINES", "3000")
    assert _lines(log, block_bytes=1 << 20) == 3_002


def test_a_crlf_log_without_blank_lines_is_not_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTCALC_MAX_BLANK_LINES", "0")
    log = tmp_path / "crlf.jsonl"
    log.write_bytes(b'{"a": 1}\r\n' * 5_000)
    assert _lines(log, block_bytes=4096) == 5_000
