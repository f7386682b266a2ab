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
    return subprocess.run([sys.executable, "-m", "costcalc", *args], cwd=REPO, env=env, capture_output=True,
                          timeout=60, check=False, **options)  # type: ignore[call-overload]


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
