"""Vertex AI's per-character era, user price tables that override the bundled ones, and staleness."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from costcalc import PriceTables, Workload, estimate, load_tables
from costcalc.cli.app import main
from costcalc.cost.workload import build_workload
from costcalc.errors import CostcalcError
from tests.conftest import REPO

D = Decimal
VERTEX = ["estimate", "--platform", "vertex-ai", "--model", "gemini-1.5-pro", "--as-of", "2025-01-01",
          "--context", "100k", "--queries", "10", "--format", "json"]


def test_vertex_1_5_pro_per_character_worked_by_hand(capsys: pytest.CaptureFixture[str]) -> None:
    """Post-cut Vertex 1.5 Pro (<=128K tokens): per 1M chars input $0.3125, cached $0.078125, output $1.25,
    storage $1.125 per hour (the per-1K-char prices x 1000). 100k tokens = 400,000 chars of context."""
    args = [*VERTEX, "--context-chars", "400000", "--prompt-chars", "2000", "--output-chars", "4000"]
    assert main(args) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["source"]["unit"] == "character"
    # Per query: 400,000 x 0.3125/1M = 0.125; 2,000 x 0.3125/1M = 0.000625; 4,000 x 1.25/1M = 0.005.
    assert data["no_cache"]["per_query"] == "0.130625"
    assert data["no_cache"]["total"] == "1.30625"  # x 10 queries
    cache = data["explicit_cache"]
    assert cache["creation"] == "0.125"  # 400,000 x 0.3125/1M
    assert cache["storage"] == "0.45"  # 400,000 x 1.125/1M x 1 h
    assert cache["cached_input"] == "0.3125"  # 10 x 400,000 x 0.078125/1M
    assert cache["total"] == "0.94375"  # 0.125 + 0.45 + 0.3125 + 0.00625 + 0.05
    # fixed 0.575 / saving 400,000 x (0.3125 - 0.078125)/1M = 0.09375 per query = 6.13 -> 7.
    assert data["break_even_queries"] == 7


def test_vertex_with_an_explicit_ratio_gives_the_same_answer(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*VERTEX, "--prompt", "500", "--output", "1000", "--chars-per-token", "4"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["workload"]["context_chars"] == 400_000  # 100,000 tokens x 4
    assert data["explicit_cache"]["total"] == "0.94375"


def test_vertex_per_character_prices_are_never_guessed(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(VERTEX) == 2
    assert "billed per character" in capsys.readouterr().err
    with pytest.raises(CostcalcError, match="give --output-chars too"):
        build_workload(tokens=(1000, 0, 50), chars=(4000, None, None))


def test_vertex_minimum_cache_lifetime(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*VERTEX, "--chars-per-token", "4", "--ttl", "30s"]) == 2
    assert "at least 60 s" in capsys.readouterr().err


def test_vertex_table_has_only_models_with_vertex_prices(tables: PriceTables) -> None:
    vertex = {entry.model.id for entry in tables.models("vertex-ai")}
    assert "gemini-1.5-pro" in vertex and "gemini-2.5-pro" in vertex
    # No Vertex price was found for these: absent rather than copied from the Gemini API table.
    for missing in ("gemini-1.5-flash-8b", "gemini-2.0-flash-lite", "gemini-4-argon"):
        with pytest.raises(CostcalcError, match="unknown model"):
            tables.find_model(missing, "vertex-ai")
    # 2.5 and later on Vertex come from one peer dataset only, and say so on every period.
    pro = tables.find_model("gemini-2.5-pro", "vertex-ai").model
    assert {period.confidence for period in pro.periods} == {"peer-reported"}


NEGOTIATED = """platform: gemini-api
models:
  - id: gemini-2.5-pro
    name: Gemini 2.5 Pro (our contract)
    context_window: 1048576
    long_context_threshold: 200000
    caching: explicit
    periods:
      - effective: 2025-01-01
        checked: 2026-11-01
        sources: [contract ACME-42, clause 7]
        input_mtok: {lower: "1.00", upper: "2.00"}
        output_mtok: {lower: "8.00", upper: "12.00"}
        cached_mtok: {lower: "0.10", upper: "0.20"}
        storage_mtok_hour: "4.00"
  - id: acme-private-model
    name: ACME private model
    caching: none
    periods:
      - effective: 2026-01-01
        checked: 2026-11-01
        sources: [contract ACME-42, clause 9]
        input_mtok: "0.40"
        output_mtok: "1.60"
"""


def test_user_table_overrides_and_extends_the_bundled_ones(tmp_path: Path) -> None:
    mine = tmp_path / "negotiated.yaml"
    mine.write_text(NEGOTIATED, encoding="utf-8")
    tables = load_tables(mine)
    ours = tables.find_model("gemini-2.5-pro")
    assert ours.source_file == str(mine) and tables.overridden[("gemini-api", "gemini-2.5-pro")].endswith(
        "gemini-api.yaml")
    answer = estimate(ours, Workload(100_000, 0, 0, 1), date(2026, 6, 1))
    assert answer.no_cache.total == D("0.10")  # 100,000 x $1.00/1M, the negotiated price
    assert tables.find_model("acme-private-model").model.name == "ACME private model"
    assert tables.find_model("gemini-2.5-flash").source_file.endswith("gemini-api.yaml")  # the rest: bundled
    # The override keeps the bundled aliases, so versioned ids users already type still find it.
    assert tables.find_model("gemini-2.5-pro-preview-03-25").source_file == str(mine)


def test_environment_variable_adds_tables_and_prices_names_the_file(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "negotiated.yaml"
    mine.write_text(NEGOTIATED, encoding="utf-8")
    monkeypatch.setenv("COSTCALC_PRICING", str(mine))
    assert main(["prices", "gemini-2.5-pro", "--as-of", "2026-06-01"]) == 0
    out = capsys.readouterr().out
    assert f"every price below comes from {mine}" in out
    assert "overrides the one in" in out and "gemini-api.yaml" in out


def test_stale_tables_warn_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = (REPO / "pricing" / "gemini-api.yaml").read_text(encoding="utf-8").replace("checked: 2026-11-29",
                                                                                      "checked: 2020-01-01")
    folder = tmp_path / "old"
    folder.mkdir()
    (folder / "gemini-api.yaml").write_text(old, encoding="utf-8")
    tables = load_tables(folder, bundled=False)
    assert tables.newest_check() == date(2020, 1, 1)
    from costcalc.cli.common import warn_if_stale

    warn_if_stale(tables, date(2020, 3, 30))  # 89 days: quiet
    assert capsys.readouterr().err == ""
    warn_if_stale(tables, date(2020, 4, 1))  # 91 days
    err = capsys.readouterr().err
    assert err.startswith("costcalc: warning: the newest price check") and "91 days ago" in err


def test_a_vertex_user_table_cannot_drop_the_platform_minimum_lifetime(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A Vertex AI table that leaves out min_ttl_seconds (the file default is 0) and overrides a bundled model
    # by id: the 60 s floor is the platform's, so a 10 s lifetime is still refused and the entry says 60.
    mine = tmp_path / "vertex-contract.yaml"
    mine.write_text(NEGOTIATED.replace("platform: gemini-api", "platform: vertex-ai"), encoding="utf-8")
    entry = load_tables(mine).find_model("gemini-2.5-pro", platform="vertex-ai")
    assert entry.source_file == str(mine) and entry.min_ttl_seconds == 60
    args = ["estimate", "--platform", "vertex-ai", "--pricing", str(mine), "--model", "gemini-2.5-pro",
            "--context", "100k", "--as-of", "2026-06-01"]
    assert main([*args, "--ttl", "10s"]) == 2
    assert "at least 60 s" in capsys.readouterr().err
    # 60 s itself is allowed: storage 100,000 x $4.00/1M per hour x 60/3600 h = $0.40 / 60 = $0.00666…
    assert main([*args, "--ttl", "60s", "--format", "json"]) == 0
    storage = D(json.loads(capsys.readouterr().out)["explicit_cache"]["storage"])
    assert abs(storage - D(4) / 10 / 60) < D("1e-18")


@pytest.mark.parametrize("args", [
    ["estimate", "-m", "gemini-2.5-pro", "-c", "100k", "--pricing", ""],
    ["estimate", "-m", "gemini-2.5-pro", "-c", "100k", "--pricing", "  "],
    ["pricing", "diff", "", "pricing"],
    ["pricing", "check", "--against", ""],
    ["bill", ""],
])
def test_an_empty_path_is_refused_not_read_as_the_current_folder(
        args: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # Path("") is ".": in a folder holding a table that overrides gemini-2.5-pro it would price with it silently.
    (tmp_path / "override.yaml").write_text(NEGOTIATED, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "is empty" in err and err.count("\n") == 1
