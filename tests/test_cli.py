from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from costcalc.cli.app import app, main

runner = CliRunner()
REVIEW = ["estimate", "--model", "gemini-1.5-pro", "--context", "1M", "--output", "8000", "--queries", "4",
          "--as-of", "2024-05-24"]


def test_estimate_table_shows_the_may_2024_review_numbers() -> None:
    result = runner.invoke(app, REVIEW)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "4 × $7.00 per uncached query" in out
    assert "4 × $3.50 per cached read" in out
    assert "Cache creation (once) │        — │          $7.00" in out
    assert "Storage (1h)          │        — │          $4.50" in out
    assert "Savings ceiling as queries grow: 50%" in out
    assert "Break-even: 4 queries" in out
    assert "floor(3.2857…) + 1 = 4" in out


def test_estimate_json_has_exact_decimal_strings() -> None:
    result = runner.invoke(app, [*REVIEW, "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["model"] == "gemini-1.5-pro"
    assert data["price_effective"] == "2024-05-14"
    assert data["break_even_queries"] == 4
    # 28.00 + 0.672 = 28.672 in total; per query 28.672 / 4 = 7.168.
    assert data["no_cache"]["total"] == "28.672" and data["no_cache"]["per_query"] == "7.168"
    cache = data["explicit_cache"]
    assert (cache["creation"], cache["storage"], cache["cached_input"]) == ("7", "4.5", "14")
    assert cache["total"] == "26.172" and cache["per_query"] == "6.543"
    assert data["explicit_cache_unavailable"] is None


def test_json_when_caching_is_impossible() -> None:
    result = runner.invoke(app, ["estimate", "-m", "gemini-2.0-flash-lite", "-c", "100k", "--as-of", "2026-01-01",
                                 "-f", "json"])
    data = json.loads(result.stdout)
    assert data["explicit_cache"] is None and data["break_even_queries"] is None
    assert "no context caching" in data["explicit_cache_unavailable"]


def test_breakeven_fills_in_the_formula() -> None:
    result = runner.invoke(app, ["breakeven", "-m", "gemini-2.5-pro", "-c", "100k", "--as-of", "2026-01-01"])
    assert result.exit_code == 0
    # creation 100,000 x 1.25/1M = 0.125; storage 100,000 x 4.50/1M x 1 h = 0.45; saving 100,000 x 1.125/1M = 0.1125
    # N* = floor(0.575 / 0.1125) + 1 = floor(5.1111) + 1 = 6; read rate 4.50 / 1.125 = 4 per hour.
    assert "Break-even: 6 queries" in result.stdout
    assert "creation $0.125 + storage for 1h $0.45" in result.stdout
    assert "= floor(5.1111…) + 1 = 6" in result.stdout
    assert "$4.50 / ($1.25 − $0.125) = 4 reads per hour" in result.stdout


def test_models_and_prices() -> None:
    listed = runner.invoke(app, ["models", "--as-of", "2024-07-01"])
    assert listed.exit_code == 0
    assert "gemini-1.5-pro" in listed.stdout and "gemini-2.5-pro" not in listed.stdout
    history = runner.invoke(app, ["prices", "gemini-1.5-pro", "--history"])
    for day in ("2024-05-14", "2024-06-18", "2024-10-01"):
        assert day in history.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["estimate", "-m", "gemini-2.5-pr", "-c", "1M"], "did you mean gemini-2.5-pro"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "-1"], "negative"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "lots"], "not a number"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "1M", "-n", "0"], "at least 1"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "1M", "--as-of", "2024-01-01"], "no price before"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "5M"], "context window"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "1M", "--ttl", "0s"], "longer than 0"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "1M", "--format", "xml"], "table or json"),
    (["estimate", "-m", "gemini-2.5-pro", "-c", "1M", "--pricing", "/nonexistent.yaml"], "no such file"),
    (["breakeven", "-m", "gemini-2.5-pro", "-c", "1k", "--as-of", "2026-08-01"], "minimum cacheable size of 2,048"),
    (["prices", "gemini-9"], "unknown model"),
])
def test_user_errors_are_one_line_with_non_zero_exit(args: list[str], message: str,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    code = main(args)
    captured = capsys.readouterr()
    assert code != 0
    assert message in captured.err
    assert captured.err.count("\n") == 1 and "Traceback" not in captured.err


def test_usage_errors_are_one_line_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["estimate", "--context", "1M"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("costcalc: error: Missing option '--model'") and err.count("\n") == 1
    assert main(["estimate", "--model", "gemini-2.5-pro"]) == 2
    assert "give --context in tokens" in capsys.readouterr().err


def test_broken_pricing_file_is_reported_with_its_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    table = tmp_path / "mine.yaml"
    table.write_text("platform: gemini-api\nmodels:\n  - id: x\n    name: X\n    colour: red\n    periods: []\n")
    assert main(["models", "--pricing", str(table)]) == 1
    err = capsys.readouterr().err
    assert f"{table}:5: models[0].colour: unknown field 'colour'" in err


def test_installed_command_runs_in_a_real_subprocess(tmp_path: Path) -> None:
    command = shutil.which("costcalc", path=str(Path(sys.executable).parent)) or shutil.which("costcalc")
    argv = [command] if command else [sys.executable, "-m", "costcalc"]
    env = {**os.environ, "COSTCALC_CACHE_DIR": str(tmp_path)}
    done = subprocess.run([*argv, *REVIEW, "--format", "json"], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["break_even_queries"] == 4
    bad = subprocess.run([*argv, "estimate", "-m", "nope", "-c", "1k"], capture_output=True, text=True, env=env,
                         check=False)
    assert bad.returncode == 2 and bad.stderr.startswith("costcalc: error: unknown model 'nope'")
    module = subprocess.run([sys.executable, "-m", "costcalc", "models", "-f", "json"], capture_output=True,
                            text=True, env=env, check=False)
    assert module.returncode == 0 and json.loads(module.stdout)
