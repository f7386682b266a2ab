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


def test_everything_prices_and_estimate_print_is_readable(bundled_tables_once: PriceTables) -> None:
    calls = _invocations(bundled_tables_once)
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


_TABLE = """platform: gemini-api
models:
  - id: my-model
    name: My model
    context_window: 1048576
    long_context_threshold: 200000
    caching: explicit
    periods:
      - effective: 2026-01-01
        effective_approximate: true
        checked: 2026-11-01
        confidence: single-source
        sources: ["https://example.test/prices", {url: "https://example.test/copy", title: "A copy", seen: 2026-02-03}]
        input_mtok: {lower: "1.00", upper: "2.00"}
        output_mtok: "8.00"
        cached_mtok: {lower: "0.10", upper: "0.20"}
        storage_mtok_hour: "4.00"
        figure_confidence:
%s
"""


def _validate(tmp_path: object, entries: str) -> list[str]:
    from pathlib import Path

    from costcalc.prices.validation import validate_text

    path = Path(str(tmp_path)) / "mine.yaml"
    _, problems = validate_text(path, _TABLE % entries)
    return problems


def test_a_users_table_states_confidence_per_tier(tmp_path: object) -> None:
    from pathlib import Path

    from costcalc.prices.confidence import confidence_by_figure, figure_confidence
    from costcalc.prices.validation import validate_text

    entries = "          - {figure: cached_mtok, tier: upper, confidence: derived, rule: 10% of input}"
    assert _validate(tmp_path, entries) == []
    price_file, _ = validate_text(Path(str(tmp_path)) / "m.yaml", _TABLE % entries)
    assert price_file is not None
    [model] = price_file.models
    [period] = model.periods
    assert model.context_window_tokens == 1_048_576  # the older field name still loads
    assert [s.title for s in period.source_records()] == [None, "A copy"]
    # 0.20 = 10% of the upper input 2.00; the lower tier keeps the period's level.
    assert figure_confidence(period, "cached_mtok", "upper") == "derived: 10% of input"
    assert figure_confidence(period, "cached_mtok", "lower") == "single-source"
    assert confidence_by_figure(period)["cached_mtok"] == "single-source / derived: 10% of input"
    assert confidence_by_figure(period)["input_mtok"] == "single-source"


@pytest.mark.parametrize(("entry", "message"), [
    ("{figure: cached_mtok, confidence: derived}", "a derived figure needs its rule"),
    ("{figure: batch_input_mtok, confidence: confirmed}", "batch_input_mtok is not set in this period"),
    ("{figure: output_mtok, tier: lower, confidence: confirmed}", "output_mtok is a flat price; remove `tier`"),
    ("{figure: input_mtok, confidence: confirmed, rule: half}", "only a derived figure has a rule"),
    ("{figure: input_mtok, confidence: sure}", "Input should be 'confirmed'"),
])
def test_confidence_statements_that_cannot_be_shown_are_refused(tmp_path: object, entry: str, message: str) -> None:
    problems = _validate(tmp_path, f"          - {entry}")
    assert len(problems) == 1 and message in problems[0], problems
    assert ":19:" in problems[0]  # the line of the offending entry


def test_prices_json_shows_confidence_and_estimated_dates() -> None:
    import json

    result = runner.invoke(app, ["prices", "gemini-1.5-flash", "--history", "--format", "json"])
    shown = json.loads(result.stdout)["confidence_shown"]
    # The caching-launch period: lower cached single-source ($0.0875), upper derived (0.175 = 25% of 0.70).
    assert shown[1] == {"effective": "2024-06-18", "figures": {
        "input_mtok": "confirmed", "output_mtok": "confirmed",
        "cached_mtok": "single-source / derived: 25% of input", "storage_mtok_hour": "single-source",
        # One input price for every modality on the page: the audio figures repeat the text ones, derived.
        "audio_input_mtok": "derived: the text input price (the page gives one input price for every modality)",
        "audio_cached_mtok": "derived: the text cached price (the page gives one input price for every modality)"}}
    assert shown[2]["effective"] == "about 2024-10-01"
    table = runner.invoke(app, ["prices", "gemini-1.5-flash", "--history"]).stdout
    assert "figures that differ: cached (lower tier) single-source; cached (upper tier) derived: 25% of input" in table
    assert "Retired or delisted: about 2025-09-24" in table
