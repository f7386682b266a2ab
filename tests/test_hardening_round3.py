"""Hardening round 3 (issue 17): the Python-side items. Each test failed on main before its fix; see
docs/hardening.md, "Round 3"."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from costcalc.cli.app import app
from tests.conftest import REPO

runner = CliRunner()
BUNDLED = REPO / "pricing" / "gemini-api.yaml"


def _cli(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout, result.stderr


def _costcalc(*args: str, **options: object) -> subprocess.CompletedProcess[bytes]:
    """The real command in a child process (for what CliRunner cannot show: pipes, /dev/full)."""
    env = {**os.environ, "COSTCALC_NO_CACHE": "1"}
    streams = {} if "stdout" in options else {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    return subprocess.run([sys.executable, "-m", "costcalc", *args], cwd=REPO, env=env, timeout=60, check=False,
                          **streams, **options)  # type: ignore[call-overload]


# ----------------------------------------------------------------- item 3: export onto its own input
def test_pricing_export_refuses_to_overwrite_its_pricing_input(tmp_path: Path) -> None:
    table = tmp_path / "mine.yaml"
    table.write_bytes(BUNDLED.read_bytes())
    code, _, err = _cli("pricing", "export", "--pricing", str(table), "--output", str(table))
    assert code != 0
    assert f"--output {table} is one of the files being read; give a new file name" in err
    assert table.read_bytes() == BUNDLED.read_bytes()  # untouched


def test_pricing_export_refuses_a_link_to_a_loaded_table(tmp_path: Path) -> None:
    table = tmp_path / "mine.yaml"
    table.write_bytes(BUNDLED.read_bytes())
    (tmp_path / "other.csv").symlink_to(table)
    code, _, err = _cli("pricing", "export", "--pricing", str(tmp_path / "mine.yaml"), "-o",
                        str(tmp_path / "other.csv"))
    assert code != 0 and "is one of the files being read" in err
    assert table.read_bytes() == BUNDLED.read_bytes()


def test_pricing_export_to_a_new_file_still_works(tmp_path: Path) -> None:
    code, _, err = _cli("pricing", "export", "-o", str(tmp_path / "prices.csv"))
    assert code == 0, err
    assert (tmp_path / "prices.csv").read_text().startswith("platform,model,")


# ----------------------------------------------------------------- item 10: a full disk, a closed pipe
def _into_closed_pipe(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The reader of standard output is gone before costcalc writes (as after `| head -c 10`, without the race)."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return _costcalc(*args, stdout=writer, stderr=subprocess.PIPE)
    finally:
        os.close(writer)


def test_a_closed_pipe_ends_quietly_with_141() -> None:
    for args in (("bill", "tests/fixtures/usage/small.jsonl", "--format", "json"),  # plain writes
                 ("bill", "tests/fixtures/usage/small.jsonl"),  # rich, which would exit 1 itself
                 ("estimate", "-m", "gemini-2.5-flash", "-c", "100k")):
        answer = _into_closed_pipe(*args)
        assert answer.returncode == 141, (args, answer.stderr)
        assert answer.stderr == b"", args  # no "internal error", no "Exception ignored"


def test_a_full_disk_is_one_line_and_exit_74() -> None:
    for args in (("bill", "tests/fixtures/usage/small.jsonl", "--format", "json"),
                 ("estimate", "-m", "gemini-2.5-flash", "-c", "100k")):
        with open("/dev/full", "wb") as full:
            answer = _costcalc(*args, stdout=full, stderr=subprocess.PIPE)
        assert answer.returncode == 74, (args, answer.stderr)
        lines = answer.stderr.decode().splitlines()
        assert lines[-1] == ("costcalc: error: cannot write the output: No space left on device; free some space "
                             "or write somewhere else"), args
        assert not any("internal error" in line or "Traceback" in line for line in lines)


def test_closed_standard_output_is_one_line() -> None:
    answer = subprocess.run([sys.executable, "-c", "import os, sys; os.close(1); from costcalc.cli.app import main; "
                             "sys.exit(main(['estimate', '-m', 'gemini-2.5-flash', '-c', '100k']))"],
                            cwd=REPO, capture_output=False, stderr=subprocess.PIPE, timeout=60, check=False)
    assert answer.returncode == 74
    assert answer.stderr.decode().strip().startswith("costcalc: error: ")


# ----------------------------------------------------------------- item 4: escapes never reach a terminal raw
HOSTILE = "evil\x1b[2J\x1b]0;pwned\x07\rname\u202e\nline2"
"""Clears the screen, sets the window title, returns the carriage, flips the text, and starts a new line."""


def _raw_control(text: str) -> list[str]:
    return [c for c in text if c in "\x1b\x07\r\u202e" or (ord(c) < 32 and c not in "\n\t")]


def test_bill_table_shows_file_names_and_bad_records_escaped(tmp_path: Path) -> None:
    log = tmp_path / f"{HOSTILE}.jsonl"
    log.write_text('{"usageMetadata": {"promptTokenCount": 1}, "modelVersion": "gemini-2.5-flash", '
                   f'"timestamp": "2026-01-05T00:00:00Z"}}\n{{"name": "cachedContents/{HOSTILE[:9]}"}}\n',
                   encoding="utf-8")
    code, out, err = _cli("bill", str(log))
    assert code == 0, err
    assert not _raw_control(out) and not _raw_control(err)
    bad_lines = [line for line in out.splitlines() if ":2: " in line]
    assert len(bad_lines) == 1 and "\\x1b[2J" in bad_lines[0] and "\\nline2" in bad_lines[0]


def test_no_records_warning_escapes_the_file_name(tmp_path: Path) -> None:
    log = tmp_path / f"{HOSTILE}.jsonl"
    log.write_text("\n", encoding="utf-8")
    code, _, err = _cli("bill", str(log))
    assert code == 0
    warning = [line for line in err.splitlines() if "no records in" in line]
    assert len(warning) == 1 and not _raw_control(err) and "\\x1b]0;pwned\\x07" in warning[0]


def test_file_values_as_a_warehouse_reads_them_are_escaped_in_the_table() -> None:
    """Parquet usage's `file` column (costcalc/warehouse/*) becomes BadRecord.file: rendered by the same layer."""
    from costcalc.cli import bill_render
    from costcalc.usage.engine import UsageBiller

    biller = UsageBiller()
    biller.add({"usageMetadata": {"promptTokenCount": 1}}, source=HOSTILE, line=7)
    result = biller.result()
    assert result.bad_records[0].file == HOSTILE
    with bill_render._console.capture() as captured:
        bill_render.render_bill(result, ["x.parquet"])
    shown = captured.get()
    assert not _raw_control(shown)
    bad_lines = [line for line in shown.splitlines() if line.startswith("  evil")]
    assert len(bad_lines) == 1 and bad_lines[0].endswith(":7: no_model: no model (modelVersion or model)")


def test_bill_json_and_errors_escape_control_characters(tmp_path: Path) -> None:
    log = tmp_path / f"{HOSTILE}.jsonl"
    log.write_text('{"usageMetadata": {"promptTokenCount": 1}}\n', encoding="utf-8")
    code, out, err = _cli("bill", str(log), "--format", "json")
    assert code == 0 and not _raw_control(out) and not _raw_control(err)
    code, _, err = _cli("bill", str(log), "--strict")
    assert code == 2 and len(err.strip().splitlines()) == 1 and not _raw_control(err)
    code, _, err = _cli("bill", str(tmp_path / f"missing{HOSTILE}.jsonl"))
    assert code != 0 and len(err.strip().splitlines()) == 1 and not _raw_control(err)


def test_pricing_validate_and_simulate_messages_are_one_escaped_line(tmp_path: Path) -> None:
    table = tmp_path / f"{HOSTILE}.yaml"
    table.write_text("platform: [\n", encoding="utf-8")
    code, out, err = _cli("pricing", "validate", str(table))
    assert code != 0 and not _raw_control(out + err)
    assert all("line2" not in line or "\\n" in line for line in (out + err).splitlines())
    timeline = tmp_path / f"{HOSTILE}.csv"
    timeline.write_text("timestamp\nnot-a-time\n", encoding="utf-8")
    code, out, err = _cli("simulate", "-m", "gemini-2.5-flash", "-c", "100k", "--timeline", str(timeline))
    assert code != 0 and not _raw_control(out + err) and len(err.strip().splitlines()) == 1


# ----------------------------------------------------------------- item 8: a deeply nested timeline
def test_simulate_refuses_a_deeply_nested_timeline_line_in_one_line(tmp_path: Path) -> None:
    timeline = tmp_path / "deep.jsonl"
    depth = 100_000
    timeline.write_text('{"timestamp": "2026-01-05T00:00:00Z"}\n{"timestamp": ' + "[" * depth + "]" * depth + "}\n",
                        encoding="utf-8")
    for command in ("simulate", "recommend"):
        code, _, err = _cli(command, "-m", "gemini-2.5-flash", "-c", "100k", "--timeline", str(timeline))
        assert code == 2, err
        assert err == (f"costcalc: error: {timeline}: line 2: nested too deeply to read (over about 1,000 levels); "
                       'each line must be one flat JSON object like {"timestamp": ...}\n')


# ----------------------------------------------------------------- item 12: hostile YAML refused quickly
def test_many_distinct_timestamps_are_refused_at_the_typed_value_cap(tmp_path: Path) -> None:
    from costcalc.prices.safe_yaml import MAX_TYPED_VALUES

    table = tmp_path / "stamps.yaml"
    table.write_text("x:\n" + "".join(f"- 2024-05-{1 + i % 28:02d}T10:{i % 60:02d}:00.{i}Z\n" for i in range(20_000)),
                     encoding="utf-8")
    code, out, _ = _cli("pricing", "validate", str(table))
    assert code == 1
    # value 1 is the key x; item N (1-based) is on line N + 1; the first typed value past the cap is item 5,001
    assert out == (f"{table}:{MAX_TYPED_VALUES + 2}: more than {MAX_TYPED_VALUES:,} distinct numbers, dates and "
                   "booleans; a price table has a few hundred, so this is not one: split it or remove what is not "
                   "prices\n")


def test_a_table_of_4_8_mb_with_one_broken_model_is_refused_while_reading(tmp_path: Path) -> None:
    from costcalc.prices.safe_yaml import MAX_NODES
    from tests.big_table import write_big_table

    table = tmp_path / "broken.yaml"
    write_big_table(table, 4_800_000)
    with table.open("a", encoding="utf-8") as handle:
        handle.write("  - id: broken\n")
    code, out, _ = _cli("pricing", "validate", str(table))
    assert code == 1 and f"more than {MAX_NODES:,} YAML values" in out.splitlines()[0]
    line = int(out.split(":")[1])
    assert line < 25_000  # refused at the cap, about a fifth into the file, not after validating 1,232 models


# ----------------------------------------------------------------- item 9: millions of bad or blank lines
def test_bad_records_past_the_limit_are_counted_per_code_not_kept(tmp_path: Path) -> None:
    import json

    log = tmp_path / "junk.jsonl"
    log.write_text("{}\n" * 12 + "not json\n" * 2 + "{}\n", encoding="utf-8")
    result = runner.invoke(app, ["bill", str(log), "--format", "json"], env={"COSTCALC_LISTED_BAD_RECORDS": "5"})
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["records"]["bad"] == 15 and data["records"]["lines"] == 15  # every one counted
    assert [bad["line"] for bad in data["bad_records"]] == [1, 2, 3, 4, 5]  # the first five in full
    # 15 bad - 5 listed = 10 unlisted: lines 6-12 and 15 are not_a_record (8), lines 13-14 malformed_json (2)
    assert data["notes"] == ["10 more bad records not listed (only the first 5 are; COSTCALC_LISTED_BAD_RECORDS "
                             "sets how many): malformed_json 2, not_a_record 8"]
    table = runner.invoke(app, ["bill", str(log)], env={"COSTCALC_LISTED_BAD_RECORDS": "5"})
    assert "Note: 10 more bad records not listed" in table.stdout


def test_the_default_lists_the_first_thousand_bad_records() -> None:
    from costcalc.usage.engine import UsageBiller
    from costcalc.usage.report import LISTED_BAD_RECORDS

    biller = UsageBiller()
    for _ in range(1_500):
        biller.add_line(b"{}")
    result = biller.result()
    assert LISTED_BAD_RECORDS == 1_000 and len(result.bad_records) == 1_000 and result.records.bad == 1_500
    assert result.notes[0].startswith("500 more bad records not listed (only the first 1,000 are;")


def test_a_blank_line_bomb_is_refused_in_one_line(tmp_path: Path) -> None:
    import gzip

    bomb = tmp_path / "bomb.jsonl.gz"
    with gzip.open(bomb, "wb") as handle:
        handle.write(b"\n" * 5_000)
    result = runner.invoke(app, ["bill", str(bomb)], env={"COSTCALC_MAX_BLANK_LINES": "100"})
    assert result.exit_code == 2
    assert result.stderr == (f"costcalc: error: {bomb}: more than 100 blank lines (by line 5,000); this is not a "
                             "JSON Lines log (a gzip bomb?): remove the blank lines, or set COSTCALC_MAX_BLANK_LINES "
                             "if they are real\n")
    fine = tmp_path / "fine.jsonl"
    fine.write_text("\n" * 100 + "{}\n", encoding="utf-8")  # exactly the limit: still read
    result = runner.invoke(app, ["bill", str(fine)], env={"COSTCALC_MAX_BLANK_LINES": "100"})
    assert result.exit_code == 0 and "1 record(s) could not be billed" in result.stderr


def test_strict_stops_at_the_first_bad_line_without_reading_further(tmp_path: Path) -> None:
    """The gzip stream is broken after line 1: a reader that went on would say so instead."""
    import gzip

    log = tmp_path / "stop.jsonl.gz"
    log.write_bytes(gzip.compress(b"{}\n" * 3 + b"x" * (1 << 21))[: 2_000] + b"garbage")
    result = runner.invoke(app, ["bill", str(log), "--strict"])
    assert result.exit_code == 2
    assert result.stderr.startswith(f"costcalc: error: {log}:1: neither a response")
