"""`costcalc bill` end to end on the shipped small log, and the command's handling of bad input."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from pathlib import Path

from typer.testing import CliRunner

from costcalc.cli.app import app
from tests.conftest import REPO

D = Decimal
M = 1_000_000
runner = CliRunner()
SMALL = "tests/fixtures/usage/small.jsonl"
EXPECTED = REPO / "tests" / "fixtures" / "usage" / "small.expected.json"


def _bill(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    os.chdir(REPO)
    result = runner.invoke(app, ["bill", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


def test_small_log_total_worked_by_hand() -> None:
    code, out, err = _bill(SMALL, "--format", "json")
    assert code == 0 and "6 record(s) could not be billed" in err
    data = json.loads(out)
    pro_response = (5_005 * D("2.50") + 257_955 * D("0.25") + 1_744 * D(15)) / M  # line 2, above 200K
    pro_cache = 257_955 * D("2.50") / M + 257_955 * D("4.50") * D("1829.75") / 3600 / M  # lines 1+3: 30m29.75s
    flash_snake = ((12_000 - 8_000 + 300) * D("0.30") + 8_000 * D("0.03") + (500 + 1_500) * D("2.50")) / M
    flash_batch = (40_000 * D("0.15") + 2_000 * D("1.25")) / M
    pro_preview = (150_000 * D("1.25") + 1_000 * D(10)) / M  # 00:30+01:00 is 2026-12-31 in UTC
    flash36_cache_b = 100_000 * D("0.75") / M + D("0.1") * D("0.50") / 2 + D("0.1") * D("1.00") / 2
    flash36_responses = (500 * D("0.75") + 100_000 * D("0.075") + 1_000 * D("3.75")
                         + 500 * D("1.50") + 100_000 * D("0.15") + 1_000 * D("7.50")) / M
    flash36_cache_c = 50_000 * D("1.50") / M + D("0.05") * D("1.00") * 2  # v2: TTL extended to 10:00
    argon = (6_000 * D(2) + 4_000 * D("0.10") + 1_000 * D(10) + 6_000 * D(4) + 4_000 * D("0.20")
             + 1_000 * D(20)) / M
    total = (pro_response + pro_cache + flash_snake + flash_batch + pro_preview + flash36_cache_b
             + flash36_responses + flash36_cache_c + argon)
    assert D(data["total"]) == total == D("1.9776452015625")
    assert data["records"] == {"lines": 19, "responses": 8, "cache_records": 5, "caches": 3, "superseded": 2,
                               "bad": 6}
    assert [(b["line"], b["code"]) for b in data["bad_records"]] == [
        (12, "unknown_model"), (13, "cached_above_prompt"), (14, "malformed_json"), (15, "bad_count"),
        (16, "no_cached_price"), (20, "truncated_last_line")]
    # The shipped expected JSON is what every engine (--engine) must print for this log.
    assert data == json.loads(EXPECTED.read_text())


def test_table_view() -> None:
    code, out, _ = _bill(SMALL)
    assert code == 0
    assert "19 records read: 8 responses, 3 caches (5 cache records, 2 superseded), 6 bad" in out
    assert "Total ≈$1.977645 · without caching $1.225625 · extra cost of caching ≈$0.75202" in out
    assert "gemini-2.5-pro from 2025-10-08, long-context tier: (fresh 5,005 × $2.50 + cached 257,955 × $0.25" in out
    assert f"  {SMALL}:16: no_cached_price: gemini-2.5-flash has no cached-token price on 2025-05-01" in out


def test_stdin_and_csv() -> None:
    code, out, _ = _bill("-", "--format", "json", stdin=(REPO / SMALL).read_text())
    data = json.loads(out)
    assert code == 0 and data["total"] == "1.9776452015625"
    assert {b["file"] for b in data["bad_records"]} == {"<stdin>"}
    code, out, _ = _bill(SMALL, "--format", "csv")
    rows = out.splitlines()
    assert rows[0] == ("view,key,fresh_input,cached_input,output,creation,storage,total,without_caching,records,"
                       "bad_records,audio,image,video")
    # The total row alone says how many lines were read (19) and how many were not billed (6); a text log has no
    # audio, image or video money.
    assert rows[-1].startswith("total,,") and rows[-1].endswith(",1.9776452015625,1.225625,19,6,0,0,0")
    assert all(row.endswith(",,,0,0,0") for row in rows[1:-1])
    assert sum(D(row.split(",")[7]) for row in rows if row.startswith("model,")) == D("1.9776452015625")


def test_strict_stops_at_the_first_bad_record() -> None:
    code, out, err = _bill(SMALL, "--strict")
    assert code == 2 and out == ""
    assert err == (f"costcalc: error: {SMALL}:12: unknown model 'gemini-9-ultra' on gemini-api [unknown_model]; "
                   "fix or remove the record, or bill without --strict to list every bad record\n")


def test_table_lists_the_first_20_bad_records_json_all(tmp_path: Path) -> None:
    log = tmp_path / "bad.jsonl"
    log.write_text("".join(f'{{"broken": {n}\n' for n in range(25)))
    code, out, _ = _bill(str(log))
    assert code == 0
    assert "Bad records, not billed (25; the first 20 shown, --format json lists all):" in out
    assert f"{log}:20: malformed_json" in out and f"{log}:21:" not in out
    data = json.loads(_bill(str(log), "--format", "json")[1])
    assert len(data["bad_records"]) == 25 and data["total"] == "0"


def test_bad_input_is_one_line_and_non_zero(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args, message in [
        ([str(fifo)], "FIFO (named pipe), not a regular file"),
        ([str(tmp_path / "nope.jsonl")], "cannot read the usage log"),
        ([SMALL, "--format", "xml"], "--format must be table, json or csv"),
        ([SMALL, "--platform", "aws"], "--platform must be gemini-api or vertex-ai"),
        (["-", "-"], "standard input (-) can be read only once"),
    ]:
        code, out, err = _bill(*args)
        assert code == 2 and out == "" and message in err and err.count("\n") == 1, (args, err)
