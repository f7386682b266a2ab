"""Each invariant has a fixture that breaks it; the problem must be reported at the marked line."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from costcalc.cli.app import main
from costcalc.errors import PricingFileError
from costcalc.prices.tables import load_price_file
from costcalc.prices.validation import validate_files
from tests.conftest import REPO

FIXTURES = sorted((REPO / "tests" / "fixtures" / "invalid").glob("*.yaml"))


@pytest.mark.parametrize("fixture", FIXTURES, ids=[f.stem for f in FIXTURES])
def test_each_broken_invariant_is_reported_at_its_line(fixture: Path) -> None:
    lines = fixture.read_text(encoding="utf-8").splitlines()
    expected = lines[0].removeprefix("# expect: ")
    line = next(number for number, text in enumerate(lines, 1) if "# <- here" in text)
    _, messages = validate_files([fixture])
    assert any(m.startswith(f"{fixture}:{line}: ") and expected in m for m in messages), messages


def test_validate_command_exit_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pricing", "validate"]) == 0
    assert capsys.readouterr().out.startswith("ok: ")
    assert main(["pricing", "validate", str(FIXTURES[0])]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"{FIXTURES[0]}:") and "Traceback" not in out


def test_duplicate_ids_across_files_of_one_platform(tmp_path: Path) -> None:
    source = (REPO / "pricing" / "gemini-api.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(source, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(source, encoding="utf-8")
    _, messages = validate_files([tmp_path / "a.yaml", tmp_path / "b.yaml"])
    assert messages and all(m.startswith(f"{tmp_path / 'b.yaml'}:") for m in messages)
    assert f"(in {tmp_path / 'a.yaml'}:" in messages[0]


def test_billion_laughs_is_refused_fast(tmp_path: Path) -> None:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 10)]
    bomb = tmp_path / "laughs.yaml"
    bomb.write_text("\n".join(lines) + "\nplatform: gemini-api\nmodels: *a9\n", encoding="utf-8")
    start = time.perf_counter()
    with pytest.raises(PricingFileError, match="aliases expand to more than") as caught:
        load_price_file(bomb)
    assert time.perf_counter() - start < 1.0  # the bound; a bomb expands to 10^9 nodes
    assert "\n" not in str(caught.value)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_bytes(b"# padding\n" * 600_000)  # 6,000,000 bytes > 5 MB
    start = time.perf_counter()
    with pytest.raises(PricingFileError, match="limited to 5,242,880 bytes"):
        load_price_file(big)
    assert time.perf_counter() - start < 1.0


def test_deeply_nested_yaml_is_refused(tmp_path: Path) -> None:
    deep = tmp_path / "deep.yaml"
    deep.write_text("[" * 50_000 + "]" * 50_000, encoding="utf-8")
    with pytest.raises(PricingFileError, match=r"nested too deeply|YAML"):
        load_price_file(deep)


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(b"platform: gemini-api\n\xff\xfe\x00")
    with pytest.raises(PricingFileError, match="not UTF-8"):
        load_price_file(junk)


@pytest.mark.parametrize(("value", "message"), [
    ('"1e999999"', "above $1,000,000"), ('"-1"', "is negative"), ('"0.0000000000001"', "decimal places"),
    ('"NaN"', "finite number"), ('"Infinity"', "finite number"),
])
def test_implausible_prices_are_refused_at_their_line(tmp_path: Path, value: str, message: str) -> None:
    fixture = FIXTURES[0].parent / "periods_not_sorted.yaml"
    text = fixture.read_text(encoding="utf-8").replace("2024-12-01  # <- here", "2025-12-01")
    text = text.replace('storage_mtok_hour: "4.50"', f"storage_mtok_hour: {value}", 1)
    table = tmp_path / "odd.yaml"
    table.write_text(text, encoding="utf-8")
    line = next(n for n, t in enumerate(text.splitlines(), 1) if value in t)
    _, messages = validate_files([table])
    assert any(m.startswith(f"{table}:{line}: ") and message in m for m in messages), messages


def test_huge_integer_is_a_one_line_error(tmp_path: Path) -> None:
    table = tmp_path / "digits.yaml"
    table.write_text("platform: gemini-api\nmodels: []\nx: " + "9" * 5000 + "\n", encoding="utf-8")
    with pytest.raises(PricingFileError, match="cannot load YAML"):
        load_price_file(table)


def test_damaged_cache_entries_are_revalidated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COSTCALC_CACHE_DIR", str(tmp_path))
    table = REPO / "pricing" / "gemini-api.yaml"
    first = load_price_file(table)
    for garbage in ("null", '{"platform": "gemini-api", "models": [{"id": 1}]}', "[[[", '"x"'):
        for entry in tmp_path.iterdir():
            entry.write_text(garbage, encoding="utf-8")
        assert load_price_file(table) == first
