"""The validated-table cache: it may make loading faster, it must never change an answer.

One file per distinct table content, named by a digest of (cache format, costcalc version, the code that
validates and decodes tables, the table's bytes). The file is a header line, then the validated table as JSON:

    {"format": 2, "key": "<name>", "digest": "<blake2b of the key and the JSON below>"}
    {...the PriceFile...}

An entry is used only when its header names this key, its digest matches the JSON, the JSON decodes with the
exact types costcalc writes, and the decoded table passes the same invariants as the YAML (so an edited
`1e999999`, a negative price, or a cached price above input is refused without arithmetic). Anything else
is a miss: the YAML is validated again and the entry rewritten. The digest detects damage and edits; it is
not a signature: the cache directory is private to the user (0700), like the tables in their home.

Writes never follow symbolic links: an unpredictable temporary name created with O_EXCL in the cache
directory (opened itself with O_NOFOLLOW), mode 0600, then an atomic rename. With no usable cache directory
(HOME empty or relative, a relative XDG_CACHE_HOME, a directory that is a symlink, not ours, or writable by
others), costcalc runs without a cache. See docs/hardening.md.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
from pathlib import Path

from costcalc.prices.decode import decode
from costcalc.prices.schema import PriceFile

try:  # hashlib pulls in OpenSSL (about 3 ms); blake2 alone is a small built-in module
    from _blake2 import blake2b
except ImportError:  # pragma: no cover - other Python builds
    from hashlib import blake2b

FORMAT = 2
MAX_ENTRY_BYTES = 64 * 1024 * 1024
_PACKAGE = Path(__file__).resolve().parent.parent
# A change to any of these re-validates every table: they decide what a valid, decoded table is.
_RULES = ("prices/schema.py", "prices/invariants.py", "prices/confidence.py", "prices/validation.py",
          "prices/safe_yaml.py", "prices/decode.py", "prices/cache.py")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIR_FD = {os.open, os.rename, os.unlink} <= os.supports_dir_fd  # os.replace shares os.rename's support


def cache_dir() -> Path | None:
    """Where validated tables are cached, or None to run without a cache.

    COSTCALC_NO_CACHE=1 turns it off; COSTCALC_CACHE_DIR picks the folder; else $XDG_CACHE_HOME/costcalc,
    else ~/.cache/costcalc. Only absolute paths count: a relative or empty one would write wherever the
    command happens to run.
    """
    if os.environ.get("COSTCALC_NO_CACHE"):
        return None
    configured = os.environ.get("COSTCALC_CACHE_DIR")
    if configured is not None:
        return Path(configured) if os.path.isabs(configured) else None
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg:
        return Path(xdg, "costcalc") if os.path.isabs(xdg) else None
    home = os.environ.get("HOME")
    if home is None:
        try:
            home = str(Path.home())
        except (RuntimeError, KeyError):
            return None
    return Path(home, ".cache", "costcalc") if os.path.isabs(home) else None


def entry_key(content: bytes) -> str:
    from costcalc import __version__

    digest = blake2b(f"costcalc-cache-{FORMAT}\0{__version__}\0".encode(), digest_size=16)
    for name in _RULES:
        digest.update((_PACKAGE / name).read_bytes())
        digest.update(b"\0")
    digest.update(content)
    return digest.hexdigest()


def payload_digest(key: str, payload: bytes) -> str:
    """BLAKE2b of the entry's key and payload: a payload moved under another table's key does not match."""
    return blake2b(key.encode() + b"\0" + payload, digest_size=32).hexdigest()


def _open_dir(directory: Path, create: bool) -> int | None:
    """A descriptor of the cache directory if it is safe to use: a real directory, ours, private."""
    try:
        if create:
            directory.parent.mkdir(parents=True, exist_ok=True)
            with contextlib.suppress(FileExistsError):
                os.mkdir(directory, 0o700)
        descriptor = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW)
    except OSError:
        return None
    info = os.fstat(descriptor)
    owner_ok = not hasattr(os, "getuid") or info.st_uid == os.getuid()
    if not stat.S_ISDIR(info.st_mode) or not owner_ok or info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
        os.close(descriptor)
        return None
    if create and info.st_mode & 0o077 and hasattr(os, "fchmod"):
        with contextlib.suppress(OSError):
            os.fchmod(descriptor, 0o700)  # a folder made by an older costcalc: make it private
    return descriptor


def _open_in(directory: Path, descriptor: int, name: str, flags: int, mode: int = 0o600) -> int:
    if _DIR_FD:
        return os.open(name, flags | _NOFOLLOW, mode, dir_fd=descriptor)
    return os.open(directory / name, flags | _NOFOLLOW, mode)  # pragma: no cover - no dir_fd (Windows)


def read_entry(content: bytes) -> PriceFile | None:
    """The cached table for this content, or None for any miss, damage or doubt."""
    from costcalc.prices.confidence import check_confidence
    from costcalc.prices.invariants import check_file

    directory = cache_dir()
    if directory is None:
        return None
    descriptor = _open_dir(directory, create=False)
    if descriptor is None:
        return None
    try:
        key = entry_key(content)
        handle = _open_in(directory, descriptor, f"{key}.json", os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(handle, "rb") as entry:
            if not stat.S_ISREG(os.fstat(entry.fileno()).st_mode):
                return None
            raw = entry.read(MAX_ENTRY_BYTES + 1)
        header_line, _, payload = raw.partition(b"\n")
        header = json.loads(header_line)
        if (type(header) is not dict or header.get("format") != FORMAT or header.get("key") != key
                or header.get("digest") != payload_digest(key, payload)):
            return None
        table = decode(PriceFile, json.loads(payload))
        # Same invariants as a YAML table: a plausible-looking edit that slipped past the digest still
        # cannot bring a negative, non-finite, huge or inverted price into arithmetic.
        if not isinstance(table, PriceFile) or check_file(table) or next(iter(check_confidence(table)), None):
            return None
        return table
    except Exception:  # a damaged entry can surprise a decoder in many ways (types, recursion); each is a miss
        return None
    finally:
        os.close(descriptor)


def write_entry(content: bytes, table: PriceFile) -> None:
    """Store a validated table; any failure only costs speed next time."""
    from costcalc.jsonable import to_jsonable

    directory = cache_dir()
    if directory is None:
        return
    descriptor = _open_dir(directory, create=True)
    if descriptor is None:
        return
    temporary = f".{os.urandom(12).hex()}.tmp"
    try:
        key = entry_key(content)
        payload = json.dumps(to_jsonable(table), ensure_ascii=True).encode()
        header = json.dumps({"format": FORMAT, "key": key, "digest": payload_digest(key, payload)}).encode()
        handle = _open_in(directory, descriptor, temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
        with os.fdopen(handle, "wb") as entry:
            entry.write(header + b"\n" + payload)
        if _DIR_FD:
            os.replace(temporary, f"{key}.json", src_dir_fd=descriptor, dst_dir_fd=descriptor)
        else:  # pragma: no cover - no dir_fd (Windows)
            os.replace(directory / temporary, directory / f"{key}.json")
    except Exception:  # a cache that cannot be written only costs speed; leave no temporary file behind
        if _DIR_FD:
            with contextlib.suppress(OSError):
                os.unlink(temporary, dir_fd=descriptor)
    finally:
        os.close(descriptor)

