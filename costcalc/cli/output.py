"""When standard output cannot be written: a closed pipe ends quietly, a full disk is one line (docs/hardening.md)."""

from __future__ import annotations

import errno
import os
import sys

from costcalc.text import one_line

EXIT_CLOSED_PIPE = 141
"""128 + SIGPIPE: what a shell reports for `cat`, `yes` or `grep` whose reader went away (docs/hardening.md)."""
EXIT_CANNOT_WRITE = 74
"""EX_IOERR (sysexits.h): the output could not be written."""


def output_failed(error: OSError) -> bool:
    """Writing standard output failed (not some file the command read or wrote)."""
    return isinstance(error, BrokenPipeError) or (error.filename is None and error.errno in _OUTPUT_ERRNOS)


_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)
_OUTPUT_ERRNOS = (*_FULL, errno.EPIPE, errno.EIO, errno.EBADF)


def stop_writing(error: OSError) -> int:
    """A closed pipe ends quietly, as Unix tools do; any other write failure is one line on stderr.

    Standard output is pointed at /dev/null first, so the interpreter's own flush at exit cannot fail again
    (it would print `Exception ignored ... BrokenPipeError`)."""
    try:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
    except (OSError, ValueError):
        pass
    if isinstance(error, BrokenPipeError) or error.errno == errno.EPIPE:
        return EXIT_CLOSED_PIPE
    try:
        advice = ("free some space or write somewhere else" if error.errno in _FULL
                  else "check where standard output goes")
        sys.stderr.write(f"costcalc: error: cannot write the output: {one_line(error.strerror or str(error))}; "
                         f"{advice}\n")
        sys.stderr.flush()
    except OSError:
        pass
    return EXIT_CANNOT_WRITE
