"""What a user reads (the shipped tables and everything `prices`/`estimate` print) must be followable with only the
package in hand: no research-note keys (G8, T12, G2a), no confidence marks ([1], [2+], [derived]), no "fact sheet",
no build-machine paths; and confidence is stated as data on every bundled period."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from typer.testing import CliRunner

from costcalc import PriceTables
from costcalc.cli.app import app
from costcalc.prices.tables import bundled_pricing_dir, pricing_files
from tests.conftest import REPO

FORBIDDEN = {
    "research key": re.compile(r"\b[GT]\d{1,2}[a-j]?\b"),
    "confidence mark": re.compile(r"\[(?:\d+\+?|derived)\]"),
    "fact sheet": re.compile(r"fact[ -]sheet", re.I),
    "section reference": re.compile(r"\bsection \d+(?:, item \d+)?", re.I),
    "machine path": re.compile(r"/work\b|shared/|/home/|/Users/"),
}
runner = CliRunner()


def _problems(text: str) -> list[str]:
    return [f"{name}: {match.group(0)!r} in …{text[max(0, match.start() - 40):match.end() + 40]}…"
            for name, pattern in FORBIDDEN.items() for match in pattern.finditer(text)]


@pytest.mark.parametrize("text", ["See G8 and T12.", "single-source [1]", "[2+] agree", "[derived] as 50%",
                                  "the fact sheet says", "section 5, item 12", "/work/shared/docs/x.md", "G2a copy"])
def test_the_scan_catches_each_pattern(text: str) -> None:
    assert _problems(text)


@pytest.mark.parametrize("text", ["Gemini 2.5 Flash-8B at $0.25 [see note]", "https://github.com/x/pull/68",
                                  "gemini-3.1-pro-preview, 2026-07-07", "derived: 50% of input"])
def test_the_scan_lets_ordinary_text_through(text: str) -> None:
    assert _problems(text) == []


def test_shipped_tables_read_without_internal_references() -> None:
    for path in pricing_files(bundled_pricing_dir()):
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=price-table.schema.json\n"), path
        assert _problems(text) == [], path


def test_every_bundled_period_states_its_confidence(tables: PriceTables) -> None:
    for platform in tables.platforms():
        for entry in tables.models(platform):
            for period in entry.model.periods:
                assert period.confidence is not None, (entry.model.id, period.effective)
                assert all(source.title for source in period.source_records()), (entry.model.id, period.effective)


def test_pricing_folder_reads_only_yaml(tmp_path: pytest.TempPathFactory) -> None:
    # The JSON Schema sits beside the bundled tables; the loader must not take it (or anything else) for a table.
    folder = tmp_path  # type: ignore[assignment]
    for name in ("a.yaml", "b.yml", "price-table.schema.json", "notes.md"):
        (folder / name).write_text("{}", encoding="utf-8")  # type: ignore[operator]
    assert [p.name for p in pricing_files(folder)] == ["a.yaml", "b.yml"]  # type: ignore[arg-type]


def _invocations(tables: PriceTables) -> list[list[str]]:
    """`prices --history` and `estimate` (each period, standard and batch) for every model, table and JSON."""
    calls = []
    for platform in tables.platforms():
        for entry in tables.models(platform):
            model = entry.model
            calls.append(["prices", model.id, "--history", "--platform", platform])
            small = model.context_window_tokens is not None and model.context_window_tokens < 100_000
            workload = ["--context", "20000" if small else "40000", "--output", "500", "--queries", "3",
                        "--context-chars", "80000", "--prompt-chars", "0", "--output-chars", "2000"]
            for period in model.periods:
                when = ["--as-of", str(period.effective + timedelta(days=1)), "--platform", platform]
                calls.append(["estimate", "--model", model.id, *workload, *when, "--hit-rate", "50%"])
                if period.batch_input_mtok is not None:
                    calls.append(["estimate", "--model", model.id, *workload, *when, "--batch"])
    return calls


def test_everything_prices_and_estimate_print_is_readable(tables: PriceTables) -> None:
    calls = _invocations(tables)
    assert len(calls) > 60  # every model and period of both tables
    for args in calls:
        for shape in ("table", "json"):
            result = runner.invoke(app, [*args, "--format", shape])
            assert result.exit_code == 0, (args, result.output)
            # The table's own location is where this checkout happens to live, not a path baked into the data.
            assert _problems(result.stdout.replace(str(REPO), "<checkout>")) == [], args


def test_estimate_shows_how_sure_each_figure_is() -> None:
    # 1.5 Pro as announced at I/O (2024-05-14): a 1M-token prompt is in the long-context tier, where the cached
    # price $3.50 is derived as 50% of the $7.00 input price, and the period's date is exact.
    args = ["estimate", "--model", "gemini-1.5-pro", "--context", "1M", "--as-of", "2024-05-24"]
    out = runner.invoke(app, args).stdout
    assert "input $7.00 (confirmed), cached $3.50 (derived: 50% of input" in out
    assert "prices in force from 2024-05-14 (as of" in out
    data = __import__("json").loads(runner.invoke(app, [*args, "--format", "json"]).stdout)["source"]
    assert data["confidence"]["cached_mtok"].startswith("derived: 50% of input")
    assert data["confidence"]["input_mtok"] == "confirmed"
    assert data["effective_approximate"] is False
    # 1.5 Flash's cut has no known effective date: 2024-10-01 is an estimate, shown as such.
    flash = runner.invoke(app, ["estimate", "--model", "gemini-1.5-flash", "--context", "40000", "--as-of",
                                str(date(2024, 11, 1))]).stdout
    assert "prices in force from about 2024-10-01" in flash
