"""Build costcalc's click command once per test process.

typer turns the app into a click command tree on every call (`app(...)`, `CliRunner().invoke(app, ...)`): about
25 ms, half the time of an in-process `estimate`. A user's process runs the CLI once; the tests run it thousands of
times. Click commands keep no state between invocations, so one tree serves them all and nothing tested changes.
"""

from __future__ import annotations

from typing import Any

import typer.main
import typer.testing

_built: dict[int, tuple[Any, Any]] = {}  # id(app) -> (app, its command); the app is kept so its id stays unique


def _get_command(typer_instance: typer.Typer) -> Any:
    key = id(typer_instance)
    if key not in _built:
        _built[key] = (typer_instance, _original(typer_instance))
    return _built[key][1]


_original = typer.main.get_command


def build_commands_once() -> None:
    typer.main.get_command = _get_command  # what Typer.__call__ uses
    typer.testing._get_command = _get_command  # type: ignore[attr-defined]  # what CliRunner.invoke uses
