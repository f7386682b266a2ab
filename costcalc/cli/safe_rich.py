"""Drop-in `Console` and `Table` for rich that make plain strings printable first (see safe_text)."""

from __future__ import annotations

import errno
from typing import Any

from rich.console import Console as _RichConsole
from rich.table import Table as _RichTable

from costcalc.text import printable


def _clean(value: Any) -> Any:
    return printable(value) if isinstance(value, str) else value


class Console(_RichConsole):
    """rich's Console; plain strings are made printable before rich sees them."""

    def print(self, *objects: Any, **options: Any) -> None:
        super().print(*(_clean(item) for item in objects), **options)

    def on_broken_pipe(self) -> None:
        """rich exits with status 1 on a closed pipe; costcalc's closed-pipe rule (cli/output.py) decides."""
        self.quiet = True
        raise BrokenPipeError(errno.EPIPE, "Broken pipe")


class Table(_RichTable):
    """rich's Table; string cells and the title are made printable."""

    def __init__(self, *headers: Any, **options: Any) -> None:
        if "title" in options:
            options["title"] = _clean(options["title"])
        super().__init__(*headers, **options)

    def add_row(self, *cells: Any, **options: Any) -> None:
        super().add_row(*(_clean(cell) for cell in cells), **options)
