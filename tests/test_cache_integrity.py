"""The validated-table cache may make loading faster; tampering with it never changes an answer (issue 6, holes 2-3).

Every case compares with the answer computed with no cache at all. "Forged digest" cases recompute the digest
as someone who read cache.py would: they must still fail the type and invariant checks. (A forged entry with
plausible values is outside what a cache can detect; the cache folder is private to the user, see
docs/hardening.md.) Each load runs under a watchdog, so a
tampered entry that made costcalc hang (a cached `1e999999` once took over 20 s) fails instead of hanging.
"""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from costcalc import PriceFile, Workload, estimate, load_tables
from costcalc.cost.results import to_jsonable
from costcalc.prices import cache
from costcalc.prices.tables import load_price_file
from tests.conftest import REPO

BUNDLED = REPO / "pricing" / "gemini-api.yaml"
WORK = Workload(context_tokens=300_000, prompt_tokens=2_000, output_tokens=1_000, queries=10)
WHEN = date(2026, 1, 15)


@contextmanager
def watchdog(seconds: float) -> Iterator[None]:
    """Fail (rather than hang) when the body runs longer than `seconds`."""
    def expire(*_: object) -> None:
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _answer(table: Path) -> tuple[PriceFile, dict[str, object]]:
    """What a user sees: the loaded table, and the JSON of one estimate priced from it."""
    with watchdog(20):
        loaded = load_price_file(table)
        tables = load_tables(table, bundled=False)
        result = estimate(tables.find_model("gemini-2.5-pro"), WORK, WHEN).to_json()
    return loaded, result


@pytest.fixture()
def cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path, tuple[PriceFile, dict[str, object]]]:
    """(table, its cache entry, the answer without any cache)."""
    table = tmp_path / "gemini-api.yaml"
    table.write_bytes(BUNDLED.read_bytes())
    monkeypatch.setenv("COSTCALC_NO_CACHE", "1")
    truth = _answer(table)
    monkeypatch.delenv("COSTCALC_NO_CACHE")
    directory = tmp_path / "cache"
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(directory))
    assert _answer(table) == truth  # fills the cache
    entries = list(directory.iterdir())
    assert len(entries) == 1
    return table, entries[0], truth


def _split(entry: Path) -> tuple[dict[str, object], bytes]:
    header, _, payload = entry.read_bytes().partition(b"\n")
    return json.loads(header), payload


def _forge(entry: Path, payload: bytes) -> None:
    """Write `payload` with a header whose digest matches it: an edit made by someone who read cache.py."""
    header, _ = _split(entry)
    header["digest"] = cache.payload_digest(str(header["key"]), payload)
    entry.write_bytes(json.dumps(header).encode() + b"\n" + payload)


def _edit(old: bytes, new: bytes, forge: bool = False) -> Callable[[Path], None]:
    def tamper(entry: Path) -> None:
        header, payload = _split(entry)
        assert old in payload, old
        changed = payload.replace(old, new, 1)
        if forge:
            _forge(entry, changed)
        else:
            entry.write_bytes(json.dumps(header).encode() + b"\n" + changed)

    return tamper


def _pro_input(entry: Path) -> bytes:
    """The bytes of gemini-2.5-pro's first input price in the cached JSON."""
    _, payload = _split(entry)
    data = json.loads(payload)
    model = next(m for m in data["models"] if m["id"] == "gemini-2.5-pro")
    return json.dumps(model["periods"][0]["input_mtok"]).encode()


def _pro_input_edit(new: Callable[[bytes], bytes], forge: bool = False) -> Callable[[Path], None]:
    def tamper(entry: Path) -> None:
        header, payload = _split(entry)
        data = json.loads(payload)
        model = next(m for m in data["models"] if m["id"] == "gemini-2.5-pro")
        for period in model["periods"]:
            period["input_mtok"] = json.loads(new(json.dumps(period["input_mtok"]).encode()))
        changed = json.dumps(data).encode()
        if forge:
            _forge(entry, changed)
        else:
            entry.write_bytes(json.dumps(header).encode() + b"\n" + changed)

    return tamper


def _hundredth(price: bytes) -> bytes:
    value = json.loads(price)
    if isinstance(value, dict):
        return json.dumps({tier: f"{float(figure) / 100:.6f}" for tier, figure in value.items()}).encode()
    return json.dumps(f"{float(value) / 100:.6f}").encode()


def _replace_with(kind: str) -> Callable[[Path], None]:
    def tamper(entry: Path) -> None:
        entry.unlink()
        if kind == "symlink":
            victim = entry.parent.parent / "victim.json"
            victim.write_text('{"not": "a cache"}', encoding="utf-8")
            entry.symlink_to(victim)
        elif kind == "fifo":
            os.mkfifo(entry)
        elif kind == "folder":
            entry.mkdir()

    return tamper


def _older_table_moved_here(entry: Path) -> None:
    """A genuine entry of another version of the table (input prices doubled), moved under this table's key."""
    other = entry.parent.parent / "other.yaml"
    source = BUNDLED.read_text(encoding="utf-8")
    assert 'input_mtok: {lower: "1.25", upper: "2.50"}' in source
    other.write_text(source.replace('input_mtok: {lower: "1.25", upper: "2.50"}',
                                    'input_mtok: {lower: "2.50", upper: "5.00"}'), encoding="utf-8")
    load_price_file(other)
    moved = next(path for path in entry.parent.iterdir() if path != entry)
    header, payload = _split(moved)
    header["key"] = entry.stem
    entry.write_bytes(json.dumps(header).encode() + b"\n" + payload)
    moved.unlink()


TAMPERS: dict[str, Callable[[Path], object]] = {
    "a genuine entry of another table version under this key": _older_table_moved_here,
    "100x cut of 2.5 Pro input, stale digest": _pro_input_edit(_hundredth),
    "100x cut of 2.5 Pro input, forged digest (cached price now above input)": _pro_input_edit(_hundredth, True),
    "negative price, forged digest": _pro_input_edit(lambda _: b'"-1.25"', True),
    "cached 1e999999, forged digest": _edit(b'"cached_mtok": "0.', b'"cached_mtok": "1e999999", "x": "0.', True),
    "input 1e999999, forged digest": _pro_input_edit(lambda _: b'"1e999999"', True),
    "input NaN, forged digest": _pro_input_edit(lambda _: b'"NaN"', True),
    "JSON number 1e999999 (a float infinity), forged digest": _pro_input_edit(lambda _: b"1e999999", True),
    "price as a float, forged digest": _pro_input_edit(lambda _: b"1.25", True),
    "price as true, forged digest": _pro_input_edit(lambda _: b"true", True),
    "price as null, forged digest": _pro_input_edit(lambda _: b"null", True),
    "price as a list, forged digest": _pro_input_edit(lambda _: b"[]", True),
    "tier with an extra key, forged digest": _pro_input_edit(lambda _: b'{"lower": "1", "upper": "2", "x": "3"}',
                                                             True),
    "unknown caching kind, forged digest": _edit(b'"caching": "explicit"', b'"caching": "bogus"', True),
    "unknown confidence level, forged digest": _edit(b'"confirmed"', b'"certain"', True),
    "unknown field, forged digest": _edit(b'"platform": "gemini-api"', b'"platform": "gemini-api", "x": 1', True),
    "platform renamed, stale digest": _edit(b'"platform": "gemini-api"', b'"platform": "vertex-ai"'),
    "output price doubled, stale digest": _edit(b'"output_mtok": "', b'"output_mtok": "2'),
    "id as a number, forged digest": _edit(b'"id": "gemini-2.5-pro"', b'"id": 25', True),
    "duplicate id, forged digest": _edit(b'"id": "gemini-2.5-flash"', b'"id": "gemini-2.5-pro"', True),
    "date as a number, forged digest": _edit(b'"effective": "', b'"effective": 20250101, "x": "', True),
    "deep nesting, forged digest": lambda entry: _forge(entry, b"[" * 100_000 + b"]" * 100_000),
    "payload is null, forged digest": lambda entry: _forge(entry, b"null"),
    "header key of another table": lambda entry: entry.write_bytes(
        entry.read_bytes().replace(entry.stem.encode(), b"0" * len(entry.stem), 1)),
    "other format": lambda entry: entry.write_bytes(entry.read_bytes().replace(b'"format": 2', b'"format": 1', 1)),
    "truncated in the payload": lambda entry: entry.write_bytes(entry.read_bytes()[: len(entry.read_bytes()) // 2]),
    "truncated in the header": lambda entry: entry.write_bytes(entry.read_bytes()[:20]),
    "empty": lambda entry: entry.write_bytes(b""),
    "binary noise": lambda entry: entry.write_bytes(bytes(range(256)) * 40),
    "old unversioned format (plain JSON)": lambda entry: entry.write_bytes(_split(entry)[1]),
    "symlink to another file": _replace_with("symlink"),
    "a FIFO": _replace_with("fifo"),
    "a folder": _replace_with("folder"),
}


@pytest.mark.parametrize("name", list(TAMPERS))
def test_tampering_never_changes_an_answer(cached: tuple[Path, Path, tuple[PriceFile, dict[str, object]]],
                                           name: str) -> None:
    table, entry, truth = cached
    TAMPERS[name](entry)
    assert _answer(table) == truth
    if name != "a folder":  # a folder in its place cannot be replaced; the cache is then just not used
        assert entry.is_file() and not entry.is_symlink()  # rebuilt by the load above
        assert cache.read_entry(table.read_bytes()) == truth[0]
    if name == "symlink to another file":
        assert (entry.parent.parent / "victim.json").read_text(encoding="utf-8") == '{"not": "a cache"}'


@pytest.mark.slow  # a fresh validation of the table per example: .ci/run's second step runs it
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1,
                max_size=4))
def test_random_byte_flips_never_change_an_answer(
        cached: tuple[Path, Path, tuple[PriceFile, dict[str, object]]], flips: list[tuple[int, int]]) -> None:
    table, entry, truth = cached
    original = entry.read_bytes()
    data = bytearray(original)
    for position, value in flips:
        data[position % len(data)] = value
    entry.write_bytes(bytes(data))
    assert _answer(table) == truth
    entry.write_bytes(original)


def test_cached_answer_equals_the_yaml_answer_for_every_bundled_table(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path / "cache"))
    for table in sorted((REPO / "pricing").glob("*.yaml")):
        fresh = load_price_file(table)  # validated, then written
        assert cache.read_entry(table.read_bytes()) == fresh
        assert to_jsonable(load_price_file(table)) == to_jsonable(fresh)


def test_entry_key_changes_with_content_version_and_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    content = BUNDLED.read_bytes()
    key = cache.entry_key(content)
    assert cache.entry_key(content + b"\n") != key
    monkeypatch.setattr("costcalc.__version__", "99.0")
    assert cache.entry_key(content) != key
    monkeypatch.undo()
    assert cache.entry_key(content) == key
    assert {"prices/schema.py", "prices/invariants.py", "prices/decode.py"} <= set(cache._RULES)


# ---- where and how the cache is written (hole 3)


@pytest.mark.parametrize(("env", "expected"), [
    ({"HOME": ""}, None),
    ({"HOME": "relative/home"}, None),
    ({"HOME": "/home/u", "XDG_CACHE_HOME": "relative"}, None),
    ({"HOME": "/home/u", "XDG_CACHE_HOME": ""}, "/home/u/.cache/costcalc"),
    ({"HOME": "/home/u", "XDG_CACHE_HOME": "/x/cache"}, "/x/cache/costcalc"),
    ({"HOME": "/home/u", "COSTCALC_CACHE_DIR": "here"}, None),
    ({"HOME": "/home/u", "COSTCALC_CACHE_DIR": "/c"}, "/c"),
    ({"HOME": "/home/u", "COSTCALC_CACHE_DIR": "/c", "COSTCALC_NO_CACHE": "1"}, None),
])
def test_only_absolute_cache_directories_are_used(monkeypatch: pytest.MonkeyPatch, env: dict[str, str],
                                                  expected: str | None) -> None:
    for name in ("HOME", "XDG_CACHE_HOME", "COSTCALC_CACHE_DIR", "COSTCALC_NO_CACHE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    found = cache.cache_dir()
    assert (str(found) if found is not None else None) == expected


@pytest.mark.parametrize("env", [{"HOME": "", "XDG_CACHE_HOME": ""}, {"XDG_CACHE_HOME": "rel"},
                                 {"COSTCALC_CACHE_DIR": "rel"}])
def test_no_usable_cache_directory_writes_nothing_anywhere(tmp_path: Path, env: dict[str, str]) -> None:
    """The issue: HOME="" wrote /.cache/costcalc and a relative XDG_CACHE_HOME wrote into the current folder."""
    clean = {k: v for k, v in os.environ.items() if k not in ("COSTCALC_CACHE_DIR", "XDG_CACHE_HOME", "HOME")}
    rooted = Path("/.cache/costcalc")  # where HOME="" used to put it
    before = sorted(rooted.iterdir()) if rooted.is_dir() else None
    done = subprocess.run([sys.executable, "-m", "costcalc", "estimate", "-m", "gemini-2.5-pro", "-c", "300k",
                           "--as-of", "2026-01-15", "-f", "json"], cwd=tmp_path, capture_output=True, text=True,
                          env={**clean, "PYTHONPATH": str(REPO), **env}, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert list(tmp_path.iterdir()) == []
    assert (sorted(rooted.iterdir()) if rooted.is_dir() else None) == before


def test_cache_files_are_private_and_never_follow_symlinks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / "made" / "cache"
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(directory))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    content = BUNDLED.read_bytes()
    directory.mkdir(parents=True, mode=0o700)
    (directory / f"{cache.entry_key(content)}.json").symlink_to(victim)  # planted where the entry goes
    table = tmp_path / "t.yaml"
    table.write_bytes(content)
    load_price_file(table)
    assert victim.read_text(encoding="utf-8") == "keep me"
    entries = list(directory.iterdir())
    assert [e.name for e in entries] == [f"{cache.entry_key(content)}.json"]  # no temporary file left behind
    assert not entries[0].is_symlink()
    assert stat.S_IMODE(entries[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700


def test_a_symlinked_or_shared_cache_directory_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    link = tmp_path / "cache"
    link.symlink_to(elsewhere)
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(link))
    table = tmp_path / "t.yaml"
    table.write_bytes(BUNDLED.read_bytes())
    first = load_price_file(table)
    assert list(elsewhere.iterdir()) == []
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(shared))
    assert load_price_file(table) == first
    assert list(shared.iterdir()) == []


def test_temporary_names_are_unpredictable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each write of the same entry uses a different, non-pid temporary name, created with O_EXCL."""
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path / "c"))
    seen: list[tuple[str, int]] = []
    real_open = os.open

    def spy(name: object, flags: int, *args: object, **kwargs: object) -> int:
        seen.append((str(name), flags))
        return real_open(name, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache.os, "open", spy)
    table = load_price_file(BUNDLED)  # a miss in a new folder: the first write
    cache.write_entry(BUNDLED.read_bytes(), table)
    cache.write_entry(BUNDLED.read_bytes(), table)
    temporary = [(name, flags) for name, flags in seen if name.endswith(".tmp")]
    assert len(temporary) == 3 and len({name for name, _ in temporary}) == 3
    assert all(str(os.getpid()) not in name and flags & os.O_EXCL and flags & os.O_NOFOLLOW
               for name, flags in temporary)
