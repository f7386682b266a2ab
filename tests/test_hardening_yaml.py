"""Hostile or careless price tables (issue 6, holes 1, 4, 5, 6, 7): refused fast, one line, at the right line.

Anything that could hang runs in a subprocess with a timeout, so a regression fails instead of hanging the
suite; the time bounds are generous (a hang is the failure), speed itself is measured by benchmarks/.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from costcalc.errors import PricingFileError
from costcalc.prices.safe_yaml import MAX_ALIAS_NODES, MAX_NODES, load_with_lines
from costcalc.prices.tables import load_price_file, load_tables
from costcalc.prices.validation import validate_files
from tests.big_table import write_big_table
from tests.conftest import REPO

BUNDLED = REPO / "pricing" / "gemini-api.yaml"
PYTHON = sys.executable


def _costcalc(*args: str, env: dict[str, str] | None = None, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """The real command in a child process; a hang raises TimeoutExpired and fails the test."""
    return subprocess.run([PYTHON, "-m", "costcalc", *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COSTCALC_NO_CACHE": "1", **(env or {})}, check=False)


def test_recursive_alias_is_refused_not_expanded(tmp_path: Path) -> None:
    table = tmp_path / "loop.yaml"
    table.write_text("a: &a [*a]\n", encoding="utf-8")  # the 11-byte file
    done = _costcalc("pricing", "validate", str(table), timeout=10)
    assert done.returncode == 1
    assert done.stdout.strip() == f"{table}:1: YAML alias *a is inside its own anchor &a (a recursive structure); " \
        "a price table cannot contain itself"
    # The same through every door: --pricing and COSTCALC_PRICING on an ordinary command.
    for extra, env in ((["--pricing", str(table)], None), ([], {"COSTCALC_PRICING": str(table)})):
        done = _costcalc("models", *extra, env=env, timeout=10)
        assert done.returncode == 1 and "recursive structure" in done.stderr and "Traceback" not in done.stderr


def test_nested_recursive_alias_inside_a_mapping(tmp_path: Path) -> None:
    with pytest.raises(PricingFileError, match=r":3: YAML alias \*m is inside its own anchor"):
        load_with_lines(tmp_path / "t.yaml", "models: &m\n  - id: x\n    again: *m\n")


def test_alias_expansion_counts_repetition_not_file_size(tmp_path: Path) -> None:
    # 20 aliases of a 1,000-node list: 20,000 extra nodes, within the cap, and each alias is the same object.
    items = ", ".join(str(n) for n in range(999))
    text = f"base: &b [{items}]\n" + "".join(f"k{i}: *b\n" for i in range(20))
    data, _ = load_with_lines(tmp_path / "ok.yaml", text)
    assert data["k19"] is data["base"] and len(data["k19"]) == 999
    # ... and past the cap it is refused at the alias that crosses it: 1,000 nodes each, so alias number 101.
    many = f"base: &b [{items}]\n" + "".join(f"k{i}: *b\n" for i in range(MAX_ALIAS_NODES // 1000 + 1))
    with pytest.raises(PricingFileError, match=f":{MAX_ALIAS_NODES // 1000 + 2}: YAML anchors/aliases expand"):
        load_with_lines(tmp_path / "many.yaml", many)


def test_a_large_anchor_free_table_is_refused_for_its_size_in_under_a_second(tmp_path: Path) -> None:
    """Issue 6: 4.8 MB without anchors took 13.6 s. Issue 17: accepting it still took 2-3 s, and the same file
    with one broken model at its end was refused only after that. Now it is refused while being read."""
    table = tmp_path / "big.yaml"
    write_big_table(table, 4_800_000)
    assert 4_800_000 <= table.stat().st_size < 5 * 1024 * 1024
    start = time.perf_counter()
    done = _costcalc("pricing", "validate", str(table), timeout=30)
    elapsed = time.perf_counter() - start
    assert done.returncode == 1
    assert f"more than {MAX_NODES:,} YAML values" in done.stdout
    assert elapsed < 3  # about 0.5 s with the interpreter's start; generous for a loaded test machine


def test_tables_ten_times_the_bundled_one_are_still_valid(tmp_path: Path) -> None:
    table = tmp_path / "ten.yaml"
    _, models = write_big_table(table, 10 * BUNDLED.stat().st_size)
    done = _costcalc("pricing", "validate", str(table), timeout=30)
    assert done.returncode == 0, done.stdout[:500]
    assert done.stdout.startswith(f"ok: 1 file(s), {models} models")


@pytest.mark.parametrize("shape", ["flow", "block"])
def test_a_dense_file_under_the_size_limit_is_refused_for_what_it_is(tmp_path: Path, shape: str) -> None:
    """5 MB of `0,` is 2.6 million values: not a price table, and said so (not 'aliases', not a long wait)."""
    table = tmp_path / "dense.yaml"
    if shape == "flow":
        table.write_text("x: [" + "0," * 2_600_000 + "0]\n", encoding="utf-8")
    else:
        table.write_text("x:\n" + "- a\n" * 1_300_000, encoding="utf-8")
    assert table.stat().st_size < 5 * 1024 * 1024
    done = _costcalc("pricing", "validate", str(table), timeout=30)
    assert done.returncode == 1
    line = 1 if shape == "flow" else MAX_NODES + 1  # the key `x` is value 1, item N is value N + 1, on line N + 1
    assert done.stdout == f"{table}:{line}: more than {MAX_NODES:,} YAML values; a price table has a few thousand " \
        "(the bundled ones 1,306 and 4,256), so this is not one: split it or remove what is not prices\n"


def test_duplicate_key_names_both_lines(tmp_path: Path) -> None:
    text = BUNDLED.read_text(encoding="utf-8")
    first = 'input_mtok: "0.50"'
    assert first in text
    lines = text.splitlines()
    at = next(n for n, line in enumerate(lines, 1) if line.strip() == first)
    indent = lines[at - 1][: len(lines[at - 1]) - len(lines[at - 1].lstrip())]
    lines.insert(at, f'{indent}input_mtok: "5.00"')  # the reviewer reads 0.50; YAML alone would price 5.00
    table = tmp_path / "dup.yaml"
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(PricingFileError) as caught:
        load_price_file(table)
    assert str(caught.value) == (f"{table}:{at + 1}: duplicate key 'input_mtok': it is also on line {at}; YAML would "
                                 "keep only the last one, so remove one of them")
    _, messages = validate_files([table])
    assert messages == [str(caught.value)]


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("platform: gemini-api\nbase: &b {a: 1}\nx:\n  <<: *b\n", 4, "merge keys (<<) are not supported"),
    ("platform: !!python/object:os.system gemini-api\n", 1, "tag 'tag:yaml.org,2002:python/object:os.system'"),
    ("platform: gemini-api\nmodels: !!set {a, b}\n", 2, "tag 'tag:yaml.org,2002:set' is not allowed"),
    ("platform: gemini-api\n---\nplatform: vertex-ai\n", 2, "one YAML document"),
    ("platform: gemini-api\n? [a, b]\n: c\n", 2, "mapping key must be a plain value"),
    ("x: *nowhere\n", 1, "alias *nowhere has no anchor"),
    ("x: " + "[" * 70 + "]" * 70 + "\n", 1, "nested too deeply"),
])
def test_yaml_features_a_table_never_needs_are_refused_at_their_line(tmp_path: Path, text: str, line: int,
                                                                      reason: str) -> None:
    table = tmp_path / "odd.yaml"
    table.write_text(text, encoding="utf-8")
    with pytest.raises(PricingFileError) as caught:
        load_price_file(table)
    message = str(caught.value)
    assert message.startswith(f"{table}:{line}: ") and reason in message and "\n" not in message


def test_alias_of_a_deep_anchor_counts_toward_depth(tmp_path: Path) -> None:
    deep = "[" * 40 + "]" * 40
    with pytest.raises(PricingFileError, match=":2: YAML is nested too deeply"):
        load_with_lines(tmp_path / "t.yaml", f"a: &a {deep}\nb: {'[' * 30}*a{']' * 30}\n")


@pytest.mark.parametrize("escape", ["\\e[31m", "\\r", "\\x9b", "\\u202e", "\\x7f"])
def test_control_characters_in_table_text_are_refused(tmp_path: Path, escape: str) -> None:
    text = BUNDLED.read_text(encoding="utf-8").replace("name: Gemini 1.5 Pro\n", f'name: "Gemini{escape}1.5 Pro"\n', 1)
    table = tmp_path / "esc.yaml"
    table.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if escape in row)
    _, messages = validate_files([table])
    assert len(messages) == 1 and messages[0].startswith(f"{table}:{line}: models[1].name: text contains the "
                                                         "control character")


@pytest.mark.slow  # seconds of subprocesses or SQL parsing: CI's second step runs it
@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_non_regular_files_are_refused_before_reading(tmp_path: Path, kind: str) -> None:
    if kind == "fifo":
        target = tmp_path / "prices.yaml"
        os.mkfifo(target)  # nobody writes: opening it for reading would block forever
        expected = "a FIFO (named pipe), not a regular file"
    elif kind == "folder":
        target = tmp_path / "d.yaml"
        target.mkdir()
        (target / "sub").mkdir()  # a folder with no tables in it
        expected = "folder has no .yaml price tables"
    else:
        target = Path("/dev/zero")  # endless: reading it "to the limit" is not a way to refuse it
        expected = "a character device, not a regular file"
    for args in (["pricing", "validate", str(target)], ["models", "--pricing", str(target)],
                 ["pricing", "diff", str(target), str(BUNDLED)], ["pricing", "diff", str(BUNDLED), str(target)],
                 ["pricing", "check", "--against", str(target)]):
        done = _costcalc(*args, timeout=15)
        output = (done.stdout + done.stderr).strip()
        assert done.returncode != 0, args
        if args[-1] == str(target) and "--against" in args and kind == "folder":
            assert "not a regular file" in output or "cannot read" in output, output
        else:
            assert expected in output, (args, output)
        assert "Traceback" not in output
    if kind == "fifo":
        done = _costcalc("models", env={"COSTCALC_PRICING": str(target)}, timeout=15)
        assert done.returncode == 1 and expected in done.stderr


def test_open_regular_file_closes_the_swap_race(tmp_path: Path) -> None:
    """Checked again after opening: the descriptor itself must be a regular file (opened without blocking)."""
    from costcalc.prices import files

    fifo = tmp_path / "swapped"
    os.mkfifo(fifo)
    real_stat = os.stat

    def looks_regular(path: object, *args: object, **kwargs: object) -> os.stat_result:
        result = real_stat(path, *args, **kwargs)  # type: ignore[arg-type]
        return os.stat_result((0o100644, *tuple(result)[1:])) if str(path) == str(fifo) else result

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(files.os, "stat", looks_regular)
        with pytest.raises(PricingFileError, match="a FIFO"):
            files.open_regular_file(fifo)


def test_symlink_to_a_regular_table_is_still_fine(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(BUNDLED)
    assert load_tables(link, bundled=False).find_model("gemini-2.5-pro").model.id == "gemini-2.5-pro"
