"""Private folders of the SQL engines (spooled standard input, CRLF copies, DuckDB's spill files, a Parquet file
being written) that never outlive the command, even when it is stopped by a signal.

A `TemporaryDirectory` is removed by its `finally`, but SIGTERM and SIGHUP end Python without running one:
a SIGTERM while DuckDB read 2.5 GB of standard input left the spool behind, and one during a big query left GBs
of spill files. So while a folder exists, SIGTERM, SIGINT and SIGHUP remove it first, then take their previous
course (SIGINT: KeyboardInterrupt; the others: the process ends by that signal, as the caller expects).
Python runs a handler between bytecodes; DuckDB's client checks for signals while a query runs.
"""

from __future__ import annotations

import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
_folders: list[str] = []
_previous: dict[int, Any] = {}


def _remove_all() -> None:
    for folder in list(_folders):
        shutil.rmtree(folder, ignore_errors=True)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _remove_all()
    _folders.clear()
    previous = _previous.get(signum, signal.SIG_DFL)
    _restore()
    if callable(previous):
        previous(signum, frame)
    elif previous != signal.SIG_IGN:
        signal.raise_signal(signum)


def _restore() -> None:
    for signum, handler in _previous.items():
        signal.signal(signum, handler)
    _previous.clear()


@contextmanager
def private_folder(prefix: str, parent: str | None = None) -> Iterator[str]:
    """A new folder only this user can read (mode 0700, random name), removed at the end of the block, on any
    exception, and on SIGTERM, SIGINT or SIGHUP (handlers are installed only from the main thread)."""
    folder = tempfile.mkdtemp(prefix=prefix, dir=parent)
    install = threading.current_thread() is threading.main_thread() and not _folders
    _folders.append(folder)
    if install:
        for signum in SIGNALS:
            _previous[signum] = signal.signal(signum, _on_signal)
    try:
        yield folder
    finally:
        if folder in _folders:
            _folders.remove(folder)
        shutil.rmtree(folder, ignore_errors=True)
        if install:
            _restore()

