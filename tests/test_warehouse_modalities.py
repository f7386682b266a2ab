"""Every modality at its price on every engine: a hand-worked multimodal log (tests/fixtures/multimodal_engines.jsonl)
gives the same JSON, CSV and table on python, duckdb and spark, and the exported SQL reproduces its money.

The price table (2.5 Flash's figures, on Vertex AI so a cache record can carry audioDurationSeconds), USD per 1M:
input 0.30, audio input 1.00, cached 0.03, cached audio 0.10, output 2.50, storage 1.00 per hour; batch input 0.15,
batch audio input 0.50, batch output 1.25, no batch cached price; no image output price.

The log, all on 2026-03-02 (lines 1-13):
  1 text only: 1,000 fresh text, 100 output
  2 promptTokensDetails TEXT 800 + AUDIO 19,200: 800 fresh text, 19,200 fresh audio, 500 output
  3 cached 6,000 of which AUDIO 5,000: fresh text 2,000 - 1,000 = 1,000, fresh audio 8,000 - 5,000 = 3,000,
    cached text 1,000, cached audio 5,000, output 1,000 + 200 thoughts = 1,200
  4 snake_case: TEXT 500 + DOCUMENT 1,000 = 1,500 fresh text, IMAGE 1,500 (at the text input price), 300 output
  5 batch AUDIO 4,000: batch fresh audio 4,000, batch output 100
  6 tool use AUDIO 640 (prompt TEXT 600 + 400, AUDIO without a count is 0): 1,000 fresh text, 640 fresh audio,
    50 output
  7 details_mismatch, 8 no_cache_details, 9 no_modality_price (IMAGE output), 10 bad_details, 11 no_cached_price
    (batch with cached tokens): not billed
  12 Vertex cache, 40,000 tokens, audioDurationSeconds 600 = 19,200 audio tokens, 2 hours
  13 cache with 2,000 s x 32 = 64,000 audio tokens above its 10,000: details_mismatch

Standard key: fresh text 1,000 + 800 + 1,000 + 1,500 + 1,000 = 5,300 x 0.30 = 0.00159
              fresh image 1,500 x 0.30 = 0.00045
              fresh audio 19,200 + 3,000 + 640 = 22,840 x 1.00 = 0.02284          fresh input 0.02488
              cached text 1,000 x 0.03 = 0.00003; cached audio 5,000 x 0.10 = 0.0005    cached 0.00053
              output 100 + 500 + 1,200 + 300 + 50 = 2,150 x 2.50 = 0.005375
              creation text 40,000 - 19,200 = 20,800 x 0.30 = 0.00624; audio 19,200 x 1.00 = 0.0192    0.02544
              storage 40,000 x 2 h x 1.00 = 0.08
Batch key:    fresh audio 4,000 x 0.50 = 0.002; output 100 x 1.25 = 0.000125
Total 0.02488 + 0.00053 + 0.005375 + 0.02544 + 0.08 + 0.002 + 0.000125 = 0.13835.
Without caching (cached tokens at the input price of their modality, no cache): text 6,300 x 0.30 = 0.00189,
image 0.00045, audio 27,840 x 1.00 = 0.02784, output 0.005375, batch 0.002125: 0.03768; savings -0.10067.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from costcalc import load_tables
from costcalc.cli.app import app
from costcalc.warehouse import relation, sql
from tests.multimodal_traffic import MODEL, TIERED, multimodal_lines

duckdb = pytest.importorskip("duckdb")
runner = CliRunner()
D = Decimal
LOG = Path(__file__).resolve().parent / "fixtures" / "multimodal_engines.jsonl"
TABLE = """platform: vertex-ai
min_ttl_seconds: 60
models:
  - id: test-2.5-flash
    name: Gemini 2.5 Flash prices, for a hand-worked bill
    caching: explicit
    periods:
      - effective: 2026-01-01
        checked: 2026-02-01
        sources: [test table]
        input_mtok: "0.30"
        audio_input_mtok: "1.00"
        cached_mtok: "0.03"
        audio_cached_mtok: "0.10"
        output_mtok: "2.50"
        storage_mtok_hour: "1.00"
        batch_input_mtok: "0.15"
        batch_audio_input_mtok: "0.50"
        batch_output_mtok: "1.25"
"""
BUCKETS = {"fresh_input": D("0.02688"), "cached_input": D("0.00053"), "output": D("0.0055"),
           "creation": D("0.02544"), "storage": D("0.08")}
"""By hand (module docstring): fresh input 0.02488 + batch 0.002; output 0.005375 + batch 0.000125."""
BAD = [(7, "details_mismatch"), (8, "no_cache_details"), (9, "no_modality_price"), (10, "bad_details"),
       (11, "no_cached_price"), (13, "details_mismatch")]


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("prices") / "flash.yaml"
    path.write_text(TABLE, encoding="utf-8")
    return path


def _bill(table: Path, *extra: str, log: Path = LOG) -> tuple[int, str]:
    done = runner.invoke(app, ["bill", str(log), "--platform", "vertex-ai", "--pricing", str(table), *extra])
    return done.exit_code, done.stdout


def _check_hand_worked(text: str) -> None:
    bill = json.loads(text)
    assert {key: D(value) for key, value in bill["buckets"].items()} == BUCKETS
    assert D(bill["total"]) == D("0.13835") == sum(BUCKETS.values())
    assert D(bill["without_caching"]) == D("0.03768") and D(bill["savings"]) == D("-0.10067")
    assert [(row["line"], row["code"]) for row in bill["bad_records"]] == BAD
    assert bill["records"] == {"lines": 13, "responses": 6, "cache_records": 1, "caches": 1, "superseded": 0,
                               "bad": 6}


@pytest.mark.parametrize("shape", ["json", "csv", "table"])
def test_multimodal_log_is_identical_on_python_and_duckdb(table: Path, shape: str) -> None:
    python = _bill(table, "--format", shape)
    assert python[0] == 0
    if shape == "json":
        _check_hand_worked(python[1])
    assert _bill(table, "--format", shape, "--engine", "duckdb") == python


@pytest.mark.slow  # seconds of SQL on random logs or exported scripts: CI's second step runs it
def test_exported_sql_on_a_parquet_copy_reproduces_the_hand_worked_money(table: Path, tmp_path: Path) -> None:
    copy = tmp_path / "multimodal.parquet"
    code, text = _bill(table, "--format", "json", "--engine", "duckdb", "--write-usage", str(copy))
    assert code == 0
    _check_hand_worked(text)
    tables = load_tables(table)
    con = duckdb.connect()
    con.execute(f"CREATE VIEW costcalc_usage AS SELECT * FROM read_parquet('{copy}')")
    con.execute(sql.script(relation.price_rows(tables), relation.name_rows(tables), "duckdb"))
    names = [*BUCKETS, "total", "without_caching", "savings"]
    total = dict(zip(names, con.execute(f"SELECT {', '.join(names)} FROM costcalc_bill_total").fetchone(),
                     strict=True))
    assert total == {**BUCKETS, "total": D("0.13835"), "without_caching": D("0.03768"), "savings": D("-0.10067")}
    # The standard key shows its parts and the prices they paid: 22,840 fresh audio at 1.00, 5,000 cached audio at
    # 0.10, 1,500 fresh image at the text price 0.30, 19,200 creation audio at the standard audio price 1.00.
    row = con.execute("SELECT fresh_audio_tokens, cached_audio_tokens, fresh_image_tokens, creation_audio_tokens, "
                      "audio_input_mtok, audio_cached_mtok, image_input_mtok, creation_audio_input_mtok "
                      f"FROM costcalc_bill_by_key WHERE model = '{MODEL}' AND NOT batch").fetchone()
    assert row == (22_840, 5_000, 1_500, 19_200, D("1"), D("0.1"), D("0.3"), D("1"))
    batch = con.execute(f"SELECT fresh_audio_tokens, audio_input_mtok, audio_cached_mtok FROM costcalc_bill_by_key "
                        f"WHERE model = '{MODEL}' AND batch").fetchone()
    assert batch == (4_000, D("0.5"), None)  # no batch cached audio price: NULL, never 0


def test_price_relation_carries_modality_prices_null_when_absent(table: Path) -> None:
    rows = [row for row in relation.price_rows(load_tables(table)) if row.model == MODEL]
    standard, batch = (next(row for row in rows if row.batch is flag) for flag in (False, True))
    assert (standard.audio_input_mtok, standard.audio_cached_mtok) == (D("1.00"), D("0.10"))
    assert (batch.audio_input_mtok, batch.audio_cached_mtok) == (D("0.50"), None)
    # IMAGE and VIDEO input take the text price unless listed apart, and their cached tokens the text cached price.
    assert (standard.image_input_mtok, standard.video_input_mtok, standard.image_cached_mtok) == \
        (D("0.30"), D("0.30"), D("0.03"))
    assert (batch.image_input_mtok, batch.image_cached_mtok) == (D("0.15"), None)
    assert standard.audio_output_mtok is None and standard.image_output_mtok is None
    done = runner.invoke(app, ["pricing", "export", "--format", "csv", "--pricing", str(table)])
    assert done.exit_code == 0
    header, *lines = [line.split(",") for line in done.stdout.splitlines()]
    ours = [dict(zip(header, line, strict=True)) for line in lines if MODEL in line]
    assert [(row["batch"], row["audio_input_mtok"], row["audio_cached_mtok"], row["image_output_mtok"])
            for row in ours] == [("false", "1", "0.1", ""), ("true", "0.5", "", "")]


def _usage_parquet(path: Path, rows: list[dict[str, Any]], modality_columns: bool = True) -> Path:
    """A hand-made usage relation: text responses of 1,000 prompt / 100 output unless `rows` say otherwise."""
    base = {"file": "hand.jsonl", "seq": 0, "platform": "vertex-ai", "kind": "response", "model_name": MODEL,
            "batch": False, "time_ns": 1_772_445_600 * 10**9, "prompt_tokens": 1000, "cached_tokens": 0,
            "candidates_tokens": 100, "thoughts_tokens": 0, "tool_use_prompt_tokens": 0, "cache_name": None,
            "cache_tokens": None, "expire_ns": None, "update_ns": None, "delete_ns": None}
    columns = sql._columns(sql.USAGE_DDL)
    con = duckdb.connect()
    con.execute(sql.USAGE_DDL)
    for line, row in enumerate(rows, start=1):
        values = {**base, "line": line, "seq": line, **{name: 0 for name, _ in columns[18:]}, **row}
        con.execute(f"INSERT INTO {sql.USAGE_TABLE} VALUES ({', '.join('?' for _ in columns)})",
                    [values[name] for name, _ in columns])
    kept = "*" if modality_columns else ", ".join(name for name, _ in columns[:18])
    con.execute(f"COPY (SELECT {kept} FROM {sql.USAGE_TABLE}) TO '{path}' (FORMAT parquet)")
    return path


def test_parquet_modality_columns_are_optional_and_checked(table: Path, tmp_path: Path) -> None:
    # Without the modality columns a usage file is text, as before: 1,000 x 0.30 + 100 x 2.50 = 0.00055.
    old = _usage_parquet(tmp_path / "old.parquet", [{}], modality_columns=False)
    assert D(json.loads(_bill(table, "--engine", "duckdb", "--format", "json", log=old)[1])["total"]) == D("0.00055")
    hand = _usage_parquet(tmp_path / "hand.parquet", [
        {"fresh_audio_tokens": 600},  # 400 x 0.30 + 600 x 1.00 + 100 x 2.50 = 0.00097
        {"output_image_tokens": 50},  # no IMAGE output price
        {"fresh_audio_tokens": 1001},  # above the 1,000 fresh tokens
        {"cached_video_tokens": -1},
        {"kind": "cache", "cache_name": "projects/p/locations/l/cachedContents/x", "cache_tokens": 100,
         "expire_ns": 1_772_445_600 * 10**9, "update_ns": 1_772_445_600 * 10**9, "prompt_tokens": 0,
         "candidates_tokens": 0, "cache_audio_tokens": 33},  # not whole seconds of audio
    ])
    code, text = _bill(table, "--engine", "duckdb", "--format", "json", log=hand)
    bill = json.loads(text)
    assert code == 0 and D(bill["total"]) == D("0.00097")
    reasons = {row["line"]: (row["code"], row["reason"]) for row in bill["bad_records"]}
    assert {line: found[0] for line, found in reasons.items()} == {
        2: "no_modality_price", 3: "details_mismatch", 4: "bad_details", 5: "bad_count"}
    assert reasons[2][1].startswith(f"{MODEL} has no IMAGE output price in the period from 2026-01-01")
    assert "promptTokensDetails add up to" in reasons[3][1]
    floats = tmp_path / "floats.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (CAST(fresh_audio_tokens AS DOUBLE) AS fresh_audio_tokens) "
                f"FROM read_parquet('{hand}')) TO '{floats}' (FORMAT parquet)")
    done = runner.invoke(app, ["bill", str(floats), "--platform", "vertex-ai", "--pricing", str(table),
                               "--engine", "duckdb"])
    assert done.exit_code != 0 and "column fresh_audio_tokens holds DOUBLE, not whole numbers" in done.stderr
    assert "Traceback" not in done.stderr and len(done.stderr.strip().splitlines()) == 1


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    session = (SparkSession.builder.master("local[2]").appName("costcalc modality tests")
               .config("spark.sql.shuffle.partitions", "2").config("spark.default.parallelism", "2")
               .config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
               .config("spark.sql.session.timeZone", "UTC")
               .config("spark.sql.codegen.wholeStage", "false").getOrCreate())
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.spark
def test_multimodal_log_is_identical_on_spark(spark: Any, table: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """One Spark bill (a JVM run is slow): the same bill object, so the same JSON, CSV and table."""
    from costcalc.cli.bill_render import render_bill
    from costcalc.usage.api import bill
    from costcalc.warehouse.spark_engine import bill_spark

    tables = load_tables(table)
    python = bill([LOG], tables, "vertex-ai")
    on_spark = bill_spark([LOG], tables, "vertex-ai", spark=spark)
    _check_hand_worked(json.dumps(on_spark.to_json()))
    assert on_spark == python
    assert on_spark.to_json() == python.to_json() and on_spark.to_csv() == python.to_csv()
    capsys.readouterr()
    render_bill(python, [str(LOG)])
    expected = capsys.readouterr().out
    render_bill(on_spark, [str(LOG)])
    assert capsys.readouterr().out == expected and "By model" in expected

@pytest.mark.slow  # seconds of SQL on random logs or exported scripts: CI's second step runs it
@pytest.mark.parametrize("seed", [1, 2])
def test_sql_reading_of_details_agrees_with_the_reference_reading(table: Path, tmp_path: Path, seed: int,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """Random multimodal traffic (odd lists included): DuckDB's SQL reading of the details gives the bill that
    the reference reading of every line gives, bad records and reasons included, and so does the python engine."""
    from costcalc.usage.api import bill
    from costcalc.warehouse import duckdb_details
    from costcalc.warehouse.duckdb_engine import bill_duckdb

    both = tmp_path / "both.yaml"
    both.write_text(TABLE + TIERED, encoding="utf-8")
    tables = load_tables(both)
    log = tmp_path / "multimodal.jsonl"
    log.write_text("\n".join(multimodal_lines(seed, 600)) + "\n", encoding="utf-8")
    fast = bill_duckdb([log], tables, "vertex-ai").to_json()
    assert len(fast["bad_records"]) > 50 and fast["records"]["responses"] > 200
    assert bill([log], tables, "vertex-ai").to_json() == fast
    monkeypatch.setattr(duckdb_details, "sure_sql", lambda count: "FALSE")
    monkeypatch.setattr(duckdb_details, "cache_sure_sql", lambda total: "FALSE")
    assert bill_duckdb([log], tables, "vertex-ai").to_json() == fast


def test_the_usage_tests_multimodal_log_is_identical_on_duckdb() -> None:
    """The log of tests/test_usage_modalities.py (every bucket, modality and bad case of the reference reading)."""
    fixtures = Path(__file__).resolve().parent / "fixtures"
    argv = ["bill", str(fixtures / "multimodal.jsonl"), "--pricing", str(fixtures / "multimodal-prices.yaml"),
            "--format", "json"]
    python = runner.invoke(app, argv)
    assert python.exit_code == 0 and json.loads(python.stdout)["records"]["bad"] > 0
    on_duckdb = runner.invoke(app, [*argv, "--engine", "duckdb"])
    assert (on_duckdb.exit_code, on_duckdb.stdout, on_duckdb.stderr) == (0, python.stdout, python.stderr)


@pytest.mark.parametrize(("row", "said"), [
    ({"kind": "reply"}, "kind must be response or cache"),
    ({"model_name": None}, "line, time_ns and model_name cannot be NULL"),
    ({"prompt_tokens": None}, "a response needs batch and every token count"),
    ({"candidates_tokens": -5}, "token counts must be whole numbers from 0 to 1,000,000,000,000"),
    ({"kind": "cache", "cache_name": None, "cache_tokens": 100, "expire_ns": 1}, "a cache needs cache_name"),
])
def test_parquet_rows_outside_the_contract_are_refused(table: Path, tmp_path: Path, row: dict[str, Any],
                                                       said: str) -> None:
    # Such rows aborted the engine (exit 70) or were billed as 0 before; now one line names the first one.
    bad = _usage_parquet(tmp_path / "bad.parquet", [{}, row])
    done = runner.invoke(app, ["bill", str(bad), "--platform", "vertex-ai", "--pricing", str(table), "--engine",
                               "duckdb"])
    assert done.exit_code == 2 and f"row with line 2: {said}" in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_parquet_seq_twice_and_wrong_types_are_refused(table: Path, tmp_path: Path) -> None:
    twice = _usage_parquet(tmp_path / "twice.parquet", [{}, {}])
    con = duckdb.connect()
    again = tmp_path / "again.parquet"
    con.execute(f"COPY (SELECT * REPLACE (1 AS seq) FROM read_parquet('{twice}')) TO '{again}' (FORMAT parquet)")
    text = tmp_path / "text.parquet"
    con.execute(f"COPY (SELECT * REPLACE (CAST(prompt_tokens AS VARCHAR) AS prompt_tokens) "
                f"FROM read_parquet('{twice}')) TO '{text}' (FORMAT parquet)")
    for path, said in ((again, "seq 1 is given to more than one row"),
                       (text, "column prompt_tokens holds varchar, not whole numbers")):
        done = runner.invoke(app, ["bill", str(path), "--platform", "vertex-ai", "--pricing", str(table),
                                   "--engine", "duckdb"])
        assert done.exit_code == 2 and said in done.stderr, done.stderr
