"""`costcalc serve`'s JSON API answers exactly what the CLI prints with --format json (issue 16)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the web extra (fastapi) is not installed")

from fastapi.testclient import TestClient

from costcalc.prices.tables import PriceTables
from costcalc.web.app import create_app
from tests.web_helpers import FLASH_LOG, cli_json

WORKLOAD = ["--model", "gemini-2.5-flash", "--context", "100k", "--prompt", "2k", "--as-of", "2026-01-15"]


@pytest.fixture(scope="module")
def client() -> TestClient:
    from costcalc.prices.tables import load_tables

    return TestClient(create_app(load_tables()))


def test_estimate_is_the_clis_json(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    body = {"model": "gemini-2.5-flash", "context": "100k", "prompt": 2000, "output": "500", "queries": 100,
            "as_of": "2026-01-15"}
    answer = client.post("/api/estimate", json=body)
    assert answer.status_code == 200
    assert answer.json() == cli_json(capsys, "estimate", *WORKLOAD, "--output", "500", "--queries", "100")
    # Flash on 2026-01-15: input $0.30/1M, cached $0.03/1M, storage $1.00/1M/h, cache for the 1h default.
    # creation 100,000 x $0.30/1M = $0.03; storage 100,000 x $1.00/1M x 1h = $0.10; saving per query
    # 100,000 x ($0.30 - $0.03)/1M = $0.027; N* = floor(0.13 / 0.027) + 1 = floor(4.81) + 1 = 5
    assert answer.json()["break_even"]["queries"] == 5
    assert answer.json()["break_even"]["fixed_cost"] == "0.13"


def test_audio_mix_is_the_clis_json(client: TestClient, capsys: pytest.CaptureFixture[str]) -> None:
    mix = {"context_audio": "10m", "prompt_audio": 320}
    body = {"model": "gemini-2.5-flash", "context": "100k", "prompt": 2000, "output": "500", "queries": 10,
            "as_of": "2026-01-15", **mix}
    answer = client.post("/api/estimate", json=body)
    assert answer.status_code == 200, answer.text
    options = ["--context-audio", "10m", "--prompt-audio", "320"]
    assert answer.json() == cli_json(capsys, "estimate", *WORKLOAD, "--output", "500", "--queries", "10", *options)
    # 2.5 Flash on 2026-01-15: text input $0.30, audio input $1.00 per 1M. Creation of 100,000 text + 10 min of audio
    # (600 s x 32 = 19,200 tokens): (100,000 x 0.30 + 19,200 x 1.00) / 1M = (30,000 + 19,200) / 1M = $0.0492.
    assert answer.json()["explicit_cache"]["creation"] == "0.0492"
    breakeven = client.post("/api/breakeven", json={"model": "gemini-2.5-flash", "context": "100k", "prompt": "2k",
                                                    "as_of": "2026-01-15", **mix})
    assert breakeven.json() == cli_json(capsys, "breakeven", *WORKLOAD, *options)
    traffic = {"model": "gemini-2.5-flash", "context": "100k", "prompt": "2k", "rate": "20/h", "for": "1d",
               "seed": 7, "as_of": "2026-01-15", "ttls": "5m,1h", **mix}
    assert client.post("/api/recommend", json=traffic).json() == cli_json(
        capsys, "recommend", *WORKLOAD, "--rate", "20/h", "--for", "1d", "--seed", "7", "--ttls", "5m,1h", *options)
    refused = client.post("/api/estimate", json={**body, "context_audio": "ten minutes"})
    assert refused.status_code == 400 and "--context-audio" in refused.json()["error"]


def test_breakeven_recommend_models_prices_are_the_clis_json(client: TestClient,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    answer = client.post("/api/breakeven", json={"model": "gemini-2.5-flash", "context": "100k", "prompt": "2k",
                                                  "as_of": "2026-01-15"})
    assert answer.json() == cli_json(capsys, "breakeven", *WORKLOAD)
    traffic = {"model": "gemini-2.5-flash", "context": "100k", "prompt": "2k", "rate": "20/h", "for": "2d",
               "seed": 7, "as_of": "2026-01-15", "ttls": "5m,1h"}
    answer = client.post("/api/recommend", json=traffic)
    assert answer.json() == cli_json(capsys, "recommend", *WORKLOAD, "--rate", "20/h", "--for", "2d", "--seed", "7",
                                     "--ttls", "5m,1h")
    assert client.get("/api/models?as_of=2026-01-15&platform=vertex-ai").json() == cli_json(
        capsys, "models", "--as-of", "2026-01-15", "--platform", "vertex-ai")
    assert client.get("/api/prices/gemini-2.5-pro").json() == cli_json(capsys, "prices", "gemini-2.5-pro",
                                                                        "--history")


def test_bill_upload_is_the_clis_json_with_bad_lines_listed(client: TestClient, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "traffic.jsonl").write_text(FLASH_LOG)
    monkeypatch.chdir(tmp_path)
    answer = client.post("/api/bill", files={"file": ("traffic.jsonl", FLASH_LOG.encode())})
    assert answer.status_code == 200
    assert answer.json() == cli_json(capsys, "bill", "traffic.jsonl")
    # 1,000 x $0.30/1M + 10 x $2.50/1M = $0.0003 + $0.000025 = $0.000325
    assert answer.json()["total"] == "0.000325"
    assert answer.json()["bad_records"] == [{"file": "traffic.jsonl", "line": 2, "code": "malformed_json",
                                             "reason": "not valid JSON"}]


def test_a_gzipped_upload_is_unpacked_and_billed_under_its_name(client: TestClient) -> None:
    import gzip

    answer = client.post("/api/bill", files={"file": ("day.jsonl.gz", gzip.compress(FLASH_LOG.encode()))})
    assert answer.json()["total"] == "0.000325"
    assert answer.json()["bad_records"][0]["file"] == "day.jsonl.gz"


def test_upload_names_cannot_carry_folders() -> None:
    from costcalc.web.upload import upload_name

    assert upload_name("../../etc/passwd") == "passwd"
    assert upload_name("C:\\logs\\a b.jsonl") == "a_b.jsonl"
    assert upload_name("") == upload_name(None) == "upload.jsonl"
    assert upload_name("...") == "upload.jsonl"


def _refused(answer: Any, status: int, words: str) -> None:
    assert answer.status_code == status, answer.text
    message = answer.json()["error"]
    assert words in message, message
    assert "\n" not in message and "Traceback" not in answer.text


@pytest.mark.parametrize(("body", "status", "words"), [
    ({"model": "gemini-9"}, 400, "unknown model 'gemini-9'"),
    ({"model": "gemini-2.5-flash"}, 400, "give --context in tokens"),
    ({"model": "gemini-2.5-flash", "context": -5}, 400, "is negative"),
    ({"model": "gemini-2.5-flash", "context": "1e999999"}, 400, "is not a number"),
    ({"model": "gemini-2.5-flash", "context": 10**29}, 400, "is larger than"),
    ({"model": "gemini-2.5-flash", "context": 10**40}, 422, "context: give a whole number"),
    ({"model": "gemini-2.5-flash", "context": True}, 422, "context: give a whole number"),
    ({"model": "gemini-2.5-flash", "context": 1.5}, 422, "context: give a whole number"),
    ({"model": "gemini-2.5-flash", "context": "x" * 10_000}, 422, "context: give a whole number"),
    ({"model": "gemini-2.5-flash", "context": "1k", "queries": 0}, 400, "--queries must be at least 1"),
    ({"model": "gemini-2.5-flash", "context": "1k", "ttl": "forever"}, 400, "forever"),
    ({"model": "gemini-2.5-flash", "context": "1k", "as_of": "yesterday"}, 400, "is not a date"),
    ({"model": "gemini-2.5-flash", "context": "1k", "batch": "no"}, 422, "batch"),
    ({"model": "gemini-2.5-flash", "context": "1k", "platform": "aws"}, 400, "--platform must be"),
    ({"model": "gemini-2.5-flash", "context": "1k", "hit_rate": "150%"}, 400, "hit"),
    ({"model": "gemini-2.5-flash", "context": "1k", "plot": "/etc/passwd"}, 422, "unknown field 'plot'"),
    ({"model": ["gemini-2.5-flash"]}, 422, "model"),
    ([1, 2], 422, "body"),
])
def test_bad_estimates_are_one_line_json_errors(client: TestClient, body: Any, status: int, words: str) -> None:
    _refused(client.post("/api/estimate", json=body), status, words)


def test_malformed_and_oversized_bodies(client: TestClient) -> None:
    headers = {"content-type": "application/json"}
    _refused(client.post("/api/estimate", content=b"{not json", headers=headers), 422, "not valid JSON")
    _refused(client.post("/api/estimate", content=b'{"model": "' + b"a" * 100_000 + b'"}', headers=headers),
             413, "larger than 64 KB")
    # Without a Content-Length (chunked), the body is counted as it arrives and cut off at the limit.
    chunks = (b" " * 10_000 for _ in range(20))
    _refused(client.post("/api/estimate", content=chunks, headers=headers), 413, "larger than 64 KB")
    _refused(client.get("/api/nowhere"), 404, "Not Found")
    _refused(client.put("/api/estimate"), 405, "Method Not Allowed")
    _refused(client.get("/api/prices/gemini-9"), 400, "unknown model")
    _refused(client.get("/api/models?as_of=2026-13-45"), 400, "--as-of")


def test_recommend_is_bounded(client: TestClient) -> None:
    traffic = {"model": "gemini-2.5-flash", "context": "100k", "for": "30d"}
    # 100/s x 30 days = 100 x 2,592,000 s = 259,200,000 queries, over the server's 2,000,000
    _refused(client.post("/api/recommend", json={**traffic, "rate": "100/s"}), 400, "259,200,000 queries")
    _refused(client.post("/api/recommend", json={**traffic, "rate": "fast"}), 400, "is not a rate")
    _refused(client.post("/api/recommend", json={**traffic, "rate": "1/h", "seed": "x"}), 422, "seed")
    _refused(client.post("/api/recommend", json={**traffic, "rate": "1/h", "strategies": "magic"}), 400, "magic")


def test_hostile_uploads(tables: PriceTables) -> None:
    import gzip

    from costcalc.web.payloads import Limits

    small = TestClient(create_app(tables, Limits(upload_bytes=4096, unpacked_bytes=8192)))
    _refused(small.post("/api/bill", files={"file": ("big.jsonl", b"{}\n" * 10_000)}), 413, "larger than")
    bomb = gzip.compress(b"\n" * 100_000)  # 100 KB of newlines packs into a few hundred bytes
    assert len(bomb) < 4096
    _refused(small.post("/api/bill", files={"file": ("bomb.jsonl.gz", bomb)}), 413, "bomb.jsonl.gz unpacked")
    _refused(small.post("/api/bill", files={"file": ("fake.jsonl.gz", b"not gzip")}), 400, "not a readable gzip")
    _refused(small.post("/api/bill", files={"file": ("x.parquet", b"PAR1" + b"\0" * 64)}), 400, "Parquet")
    _refused(small.post("/api/bill"), 422, "file")
    _refused(small.post("/api/bill", files={"file": ("a.jsonl", b"{}")}, data={"platform": "aws"}), 400,
             "platform")
    _refused(small.post("/api/bill", content=b"--x\r\nnonsense", headers={"content-type": "multipart/form-data; "
                                                                           "boundary=x"}), 422, "file")
    binary = small.post("/api/bill", files={"file": ("bin.jsonl", bytes(range(256)) * 4)})
    assert binary.status_code == 200 and binary.json()["records"]["bad"] >= 1


def test_no_cdn_no_swagger_and_safety_headers(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-content-type-options"] == "nosniff"
    static = Path(__file__).resolve().parent.parent / "costcalc" / "web" / "static"
    for file in static.iterdir():
        text = file.read_text()
        # The SVG namespace is a name, not something fetched; nothing else may point off this server.
        assert "//" not in text.replace("http://www.w3.org/2000/svg", "").replace("// ", ""), file.name
        assert client.get(f"/static/{file.name}").status_code == 200
    assert client.get("/docs").status_code == 404  # Swagger UI would load its scripts from a CDN
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/estimate", "/api/breakeven", "/api/recommend", "/api/bill", "/api/models",
            "/api/prices/{model}"} <= set(paths)
