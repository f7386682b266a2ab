"""README.md is the manual: its commands and pasted output must stay true."""

from __future__ import annotations

import re
import shlex

import pytest
from typer.testing import CliRunner

from costcalc.cli.app import app
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _blocks() -> list[str]:
    return re.findall(r"```[a-z]*\n(.*?)```", README, flags=re.S)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    test_command = next(b.strip() for b in _blocks() if "pytest" in b and b.startswith("pip install"))
    ci_lines = [line.strip() for line in (REPO / ".ci" / "run").read_text().splitlines()]
    assert test_command in ci_lines


# `pricing diff old/...` compares with a file the README's reader makes; the rest run as printed.
RUNNABLE = [b for b in _blocks() if b.startswith("$ costcalc ") and " old/" not in b.partition("\n")[0]]


@pytest.mark.parametrize("block", RUNNABLE)
def test_pasted_output_is_what_the_command_prints(block: str) -> None:
    command, _, expected = block.partition("\n")
    args = shlex.split(command.removeprefix("$ costcalc "))
    result = CliRunner().invoke(app, args)
    assert result.exit_code == (1 if "litellm_planted" in command else 0)
    actual = result.stdout.replace(f"{REPO}/", "")
    assert [line.rstrip() for line in actual.strip().splitlines()] == \
        [line.rstrip() for line in expected.strip().splitlines()]
