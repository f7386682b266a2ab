"""The usage files an SQL engine bills: checked, numbered, standard input spooled to a file (engines read files)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from costcalc.errors import CostcalcError
from costcalc.usage.reader import STDIN, check_regular_file, display_name, refuse_gzip_lookalike, refuse_repeats


@dataclass(frozen=True)
class UsageInput:
    """One usage file as an engine reads it."""

    index: int
    """Its position on the command line, which orders bad records as the Python engine does."""
    name: str
    """The name bad records are reported under (`-` for standard input)."""
    path: str
    """Where the engine reads it: the file itself, or the spooled copy of standard input."""

    @property
    def parquet(self) -> bool:
        return self.path.endswith(".parquet")


def resolve_inputs(files: Sequence[str | Path], workdir: str) -> list[UsageInput]:
    """Each file once, regular, not gzip under another name; standard input copied into `workdir`."""
    refuse_repeats(files)
    resolved: list[UsageInput] = []
    for item in files:
        name = display_name(item)
        if any(given.name == name for given in resolved):
            raise CostcalcError(f"{name} is given twice; give each log once")
        if str(item) == STDIN:
            path = os.path.join(workdir, "stdin.jsonl")
            with open(path, "wb") as spool:
                shutil.copyfileobj(sys.stdin.buffer, spool)
        else:
            check_regular_file(Path(item))
            path = str(item)
        if not path.endswith(".parquet"):
            refuse_gzip_lookalike(path, name)
        resolved.append(UsageInput(len(resolved), name, path))
    return resolved
