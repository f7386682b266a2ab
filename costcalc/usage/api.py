"""The library face of usage billing: a whole log at once, or running bills of a stream."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.usage.engine import UsageBiller
from costcalc.usage.report import UsageBill


def bill(records_or_paths: Iterable[Mapping[str, Any] | str | Path] | str | Path, tables: PriceTables | None = None,
         platform: str = "gemini-api", strict: bool = False, workers: int | None = 1) -> UsageBill:
    """The bill of log files (paths, `-` for stdin) and/or parsed records (dicts), in the order given.
    `workers`: processes for a big plain file (None: one per core; see `UsageBiller`)."""
    biller = UsageBiller(tables, platform, strict, workers)
    items = [records_or_paths] if isinstance(records_or_paths, (str, Path)) else records_or_paths
    for item in items:
        if isinstance(item, (str, Path)):
            biller.read(item)
        else:
            biller.add(item)
    return biller.result()


def iter_bills(records: Iterable[Mapping[str, Any] | bytes | str], every: int = 1000,
               tables: PriceTables | None = None, platform: str = "gemini-api",
               strict: bool = False) -> Iterator[UsageBill]:
    """Running bills of a stream of records (dicts, or JSON lines): one after every `every` records, and a last
    one at the end; a service can bill as it logs."""
    if every < 1:
        raise CostcalcError("every must be at least 1")
    biller = UsageBiller(tables, platform, strict)
    pending, yielded = 0, False
    for item in records:
        if isinstance(item, (bytes, str)):
            biller.add_line(item)
        else:
            biller.add(item)
        pending += 1
        if pending == every:
            pending, yielded = 0, True
            yield biller.result()
    if pending or not yielded:
        yield biller.result()
