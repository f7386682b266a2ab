"""The CLI's rough edges (issue 6, holes 7, 9 and 11): working that adds up, nothing raw on the terminal,
defaults in --help, --version, one date grammar, no silent rounding, and README's test command."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables, Workload, estimate
from costcalc.cli.app import app, main
from costcalc.cost.money import to_decimal
from costcalc.cost.request import min_cache_tokens
from costcalc.units import format_usd
from tests.conftest import REPO

D = Decimal
MILLION = D(1_000_000)


def _number(text: str) -> Decimal:
    return D(text.replace(",", "").replace("$", ""))


def _recompute(label: str, how: str) -> Decimal | None:
    """The amount a How text states, from its own numbers only (exact; a non-terminating quotient, only storage
    over seconds, to 20 places as costcalc documents); None for rows without a formula."""
    per_m = r"([\d,]+) × \$([\d.]+) / 1M(?: chars)?"
    patterns = {
        "Cache creation": rf"^{per_m}(?: \(standard input price\))?$",
        "Storage": rf"^{per_m} per hour × (?:([\d.]+) h|([\d,]+) s / 3600)$",
        "Context as input": rf"^([\d,]+) × ≈?\$[\d.,]+ per uncached query \({per_m}\)$",
        "Cached reads": rf"^([\d,]+) × ≈?\$[\d.,]+ per cached read \({per_m}\)$",
        "Fresh prompt input": rf"^([\d,]+) × {per_m}$",
        "Output": rf"^([\d,]+) × {per_m}$",
    }
    key = next((name for name in patterns if label.startswith(name)), None)
    if key is None:
        return None
    found = re.match(patterns[key], how)
    assert found, (label, how)
    numbers = [Fraction(_number(part)) for part in found.groups() if part is not None]
    million = Fraction(MILLION)
    if key == "Storage":
        units, price, span = numbers
        hours = span if found.group(3) is not None else span / 3600
        return to_decimal(units * price / million * hours)
    if key == "Cache creation":
        return to_decimal(numbers[0] * numbers[1] / million)
    queries, units, price = numbers
    return to_decimal(queries * units * price / million)


def _how_rows(text: str) -> list[tuple[str, list[str], str]]:
    rows = []
    for line in text.splitlines():
        cells = [cell.strip() for cell in line.split("│")]
        if len(cells) >= 4:
            rows.append((cells[0], cells[1:-1], cells[-1]))
    return rows


JSON_FIELDS = {"Cache creation": ("explicit_cache", "creation"), "Storage": ("explicit_cache", "storage"),
               "Context as input": ("no_cache", "context_input"), "Cached reads": ("explicit_cache", "cached_input"),
               "Fresh prompt input": ("no_cache", "fresh_input"), "Output": ("no_cache", "output")}


def _cases(tables: PriceTables) -> list[list[str]]:
    """Every model and period, standard and batch, with a context the cache accepts, below and above a tier."""
    cases = []
    for platform in tables.platforms():
        for entry in tables.models(platform):
            model = entry.model
            for period in model.periods:
                minimum = min_cache_tokens(model, period.effective)
                window = model.context_window_tokens or 1_000_000
                sizes = {min(max(minimum.tokens if minimum else 0, 40_000), window - 4_000)}
                if model.long_context_threshold and model.long_context_threshold + 10_000 < window:
                    sizes.add(model.long_context_threshold + 6_000)
                chars = ["--chars-per-token", "3.7"] if period.unit == "character" else []
                for size, ttl in zip(sorted(sizes), ("1.5h", "100s"), strict=False):
                    for batch in ([[], ["--batch"]] if period.batch_input_mtok is not None else [[]]):
                        cases.append(["estimate", "--platform", platform, "-m", model.id, "-c", str(size), "-p", "3000",
                                      "-o", "700", "-n", "7", "--ttl", ttl, "--as-of", str(period.effective), *chars,
                                      *batch])
    return cases


def test_every_how_line_reproduces_its_amount(bundled_tables_once: PriceTables,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    """Issue: under --batch, creation showed `100,000 × $0.15 / 1M` for $0.03. Every How line of every model and
    period, standard and batch, is recomputed from its own text and compared with the exact JSON amount."""
    checked = 0
    for args in _cases(bundled_tables_once):
        assert main(args) == 0, args
        table = capsys.readouterr().out
        assert main([*args, "--format", "json"]) == 0
        data = json.loads(capsys.readouterr().out)
        for label, amounts, how in _how_rows(table):
            exact = _recompute(label, how)
            if exact is None:
                continue
            section, name = JSON_FIELDS[next(key for key in JSON_FIELDS if label.startswith(key))]
            assert data[section] is not None, (args, label)
            assert D(data[section][name]) == exact, (args, label, how, data[section][name])
            shown = amounts[0] if section == "no_cache" else amounts[1]
            assert shown == format_usd(exact), (args, label, shown)
            if label.startswith(("Fresh", "Output")) and data["explicit_cache"] is not None:
                assert D(data["explicit_cache"][name]) == exact  # one How line serves both columns
            checked += 1
        cache = data["explicit_cache"]
        if cache is not None:  # the JSON names the price creation is billed at, and it reproduces the amount
            context = data["workload"]["context_chars"] if data["source"]["unit"] == "character" else \
                data["workload"]["context_tokens"]
            assert D(cache["creation"]) == context * D(cache["creation_input_mtok"]) / MILLION
    assert checked > 300


def test_batch_creation_from_the_issue(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "-m", "gemini-2.5-flash", "-c", "100k", "-n", "10", "--batch", "--as-of",
                 "2026-01-15"]) == 0
    creation = next(row for row in _how_rows(capsys.readouterr().out) if row[0].startswith("Cache creation"))
    # 100,000 x $0.30 / 1M = $0.03: creation is a standard (interactive) call, billed at the standard input price.
    assert creation == ("Cache creation (once)", ["—", "$0.03"], "100,000 × $0.30 / 1M (standard input price)")


# ---- nothing raw reaches the terminal (hole 7)

HOSTILE = "Evil\x1b[2J\x1b]0;owned\x07\x9b31m\u202eName"


def test_table_text_with_control_characters_is_printed_escaped(tables: PriceTables,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from costcalc.cli.render import render_estimate, render_prices

    entry = tables.find_model("gemini-2.5-pro")
    period = replace(entry.model.periods[-1], note=HOSTILE, sources=(HOSTILE,))
    model = replace(entry.model, name=HOSTILE, note=HOSTILE, aliases=(HOSTILE,), periods=(period,))
    hostile = replace(entry, model=model, source_file=f"/tmp/{HOSTILE}.yaml")
    render_estimate(estimate(hostile, Workload(300_000, queries=3), date(2026, 1, 15)))
    render_prices(hostile, [period], replaced=f"/tmp/{HOSTILE}")
    out = capsys.readouterr().out
    for raw in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert raw not in out
    assert "Evil\\x1b[2J\\x1b]0;owned\\x07\\x9b31m\\u202eName" in out


def test_json_and_errors_never_carry_raw_control_characters(tmp_path: Path,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    from costcalc.cli.common import print_json

    print_json({"name": HOSTILE})
    out = capsys.readouterr().out
    assert json.loads(out) == {"name": HOSTILE}  # still the same text, written with \u escapes
    assert not any(raw in out for raw in ("\x1b", "\x07", "\x9b", "\u202e"))
    assert main(["models", "--pricing", str(tmp_path / "a\x1b[31mb.yaml")]) == 1
    err = capsys.readouterr().err
    assert "\x1b" not in err and "a\\x1b[31mb.yaml" in err


# ---- options (hole 11)


def _invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", ["estimate", "breakeven", "models", "prices", "simulate", "recommend",
                                     "pricing validate", "pricing check", "pricing diff"])
def test_no_help_text_loses_its_default(command: str) -> None:
    """rich read `[default: 0]` as markup and dropped it, leaving `per query .`; every command's help keeps it."""
    code, out, _ = _invoke(*command.split(), "--help")
    assert code == 0
    assert not re.search(r"\w \.(\s|$)", out), out


def test_help_shows_the_defaults() -> None:
    code, out, _ = _invoke("estimate", "--help")
    assert code == 0
    for text in ("Fresh prompt tokens per query. [default: 0]", "[default: 1h]", "[default: today]",
                 "included. [default: 0]", "[default: 1]", "[default: gemini-api]", "[default: table]"):
        assert text in out, text
    assert not re.search(r"\w \.(\s|$)", out)  # the old help read `Fresh prompt tokens per query .`


def test_version() -> None:
    version = re.search(r'^version = "([^"]+)"', (REPO / "pyproject.toml").read_text(), flags=re.M)
    assert version is not None
    assert _invoke("--version") == (0, f"costcalc {version.group(1)}\n", "")


@pytest.mark.parametrize(("option", "message"), [("--ttl", "cache lifetime '' is not a number"),
                                                  ("--as-of", "--as-of '' is not a date")])
def test_empty_option_values_are_errors(option: str, message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "-m", "gemini-2.5-pro", "-c", "300k", option, ""]) == 2
    assert capsys.readouterr().err == f"costcalc: error: {message}; write it like 90s, 30m, 1h, 1.5h or 2d\n" \
        if option == "--ttl" else f"costcalc: error: {message}; write it as YYYY-MM-DD, e.g. 2024-05-24\n"


@pytest.mark.parametrize("text", ["20260115", "2026-W03-4", "2026-015", "2026-01-15T00:00", "2026-1-5", "2026-02-30",
                                  "２０２６-01-15", "2026-01-15Z", "+2026-01-15"])
def test_one_date_grammar(text: str, capsys: pytest.CaptureFixture[str]) -> None:
    """Python 3.11's date.fromisoformat takes 20260115 and 2026-W03-4, 3.10's does not: costcalc takes neither."""
    assert main(["models", "--as-of", text]) == 2
    assert capsys.readouterr().err.startswith(f"costcalc: error: --as-of {text!r} is not a date; write it as ")


@pytest.mark.parametrize(("option", "text"), [
    ("--context", "1" + "0" * 120), ("--queries", "0" * 120 + "1"), ("--prompt", "0." + "0" * 119 + "1k"),
    ("--hit-rate", "0." + "0" * 120 + "1"), ("--chars-per-token", "4." + "0" * 120 + "1"),
])
def test_numbers_longer_than_exact_arithmetic_are_refused(option: str, text: str,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    """121 digits: exact arithmetic holds 120, so the number would be rounded silently."""
    assert main(["estimate", "-m", "gemini-2.5-pro", "-c", "300k", option, text]) == 2
    assert "has more than 120 digits" in capsys.readouterr().err


def test_a_future_as_of_says_prices_may_change(capsys: pytest.CaptureFixture[str]) -> None:
    later = date.today() + timedelta(days=400)
    assert main(["estimate", "-m", "gemini-2.5-pro", "-c", "300k", "--as-of", str(later), "-f", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["source"]["as_of"] == str(later)
    assert captured.err == (f"costcalc: note: --as-of {later} is in the future: these are the prices the tables know "
                            "of today, and prices may change by then\n")
    assert main(["estimate", "-m", "gemini-2.5-pro", "-c", "300k", "--as-of", str(date.today()), "-f", "json"]) == 0
    assert capsys.readouterr().err == ""


def test_readme_test_command_prints_a_summary(tmp_path: Path) -> None:
    """`python -m pytest -q` (README's command) must end with `N passed`, which CI's runner reads; pyproject's
    addopts used to add a second -q, leaving only dots."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_units.py"],
                          cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout[-2000:]
    assert re.search(r"^\d+ passed in [\d.]+s", done.stdout.strip().splitlines()[-1])


def test_ci_run_removes_its_virtual_environment(tmp_path: Path) -> None:
    """Run .ci/run with a stand-in python3 that makes a fake venv: the venv is gone afterwards, and the
    command it ran is README's."""
    stub = tmp_path / "bin"
    stub.mkdir()
    record = tmp_path / "record"
    (stub / "python3").write_text(
        "#!/bin/sh\n"
        'mkdir -p "$3/bin" && echo "$3" > "$RECORD.venv"\n'
        'printf \'pip() { echo "pip $*" >> "$RECORD"; }\\npython() { echo "python $*" >> "$RECORD"; }\\n'
        'mkdocs() { echo "mkdocs $*" >> "$RECORD"; }\\n\' '
        '> "$3/bin/activate"\n', encoding="utf-8")
    (stub / "python3").chmod(0o755)
    done = subprocess.run(["bash", str(REPO / ".ci" / "run")], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PATH": f"{stub}:{os.environ['PATH']}", "RECORD": str(record)},
                          check=False)
    assert done.returncode == 0, done.stderr
    venv = Path((tmp_path / "record.venv").read_text().strip())
    assert not venv.exists() and not venv.parent.exists()
    assert record.read_text().splitlines() == [
        "pip install .[test]", "python -m pytest -q", "python -m pytest -q -m spark or slow or browser",
        "pip install .[docs]", f"mkdocs build --strict --site-dir {venv.parent}/site"]


@pytest.mark.parametrize("argv", [
    ["recommend", "--model", "gemini-2.5-flash", "--timeline", "\x00"],
    ["estimate", "--model", "gemini-2.5-flash", "--context", "5k", "--plot", "a\x00.png"],
    ["pricing", "export", "--format", "csv", "--output", "a\x00"],
    ["bill", "log\x00.jsonl"],
])
def test_a_nul_byte_in_any_argument_is_one_error_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    # Found by the option fuzzer: typer's path options stat the value and crash on NUL (exit 70 before the fix).
    from costcalc.cli.app import main

    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("costcalc: error: an argument contains a NUL byte") and err.count("\n") == 1
