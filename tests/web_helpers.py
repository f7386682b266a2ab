"""Shared by the web tests: an app over the bundled tables, the CLI's JSON for the same question, a log."""

from __future__ import annotations

import json
from typing import Any

import pytest

from costcalc.cli.app import main

FLASH_LOG = (
    # 1,000 prompt tokens x $0.30/1M = $0.0003; 10 output tokens x $2.50/1M = $0.000025; total $0.000325
    '{"modelVersion": "gemini-2.5-flash", "createTime": "2026-01-02T10:00:00Z", '
    '"usageMetadata": {"promptTokenCount": 1000, "candidatesTokenCount": 10}}\n'
    "this line is not JSON\n"
)


def cli_json(capsys: pytest.CaptureFixture[str], *args: str) -> Any:
    """What `costcalc ARGS --format json` prints, parsed."""
    capsys.readouterr()
    assert main([*args, "--format", "json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)
