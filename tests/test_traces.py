"""`costcalc bill` of OpenTelemetry spans: the real google-genai instrumentation on a real (mocked-HTTP) Client,
its spans exported as OTLP/JSON (the OTLP encoder's protobuf, as JSON) and by the console exporter."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest
from google.genai.errors import ClientError
from google.protobuf.json_format import MessageToJson
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.instrumentation.google_genai import GoogleGenAiSdkInstrumentor
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from typer.testing import CliRunner

from costcalc.cli.app import app
from costcalc.traces.formats import sniff
from tests.conftest import REPO
from tests.genai_fakes import FakeGemini, response_body

D = Decimal
M = 1_000_000
FIXTURES = REPO / "tests" / "fixtures"
AUDIO = {"promptTokenCount": 30000, "cachedContentTokenCount": 15000, "candidatesTokenCount": 1000,
         "thoughtsTokenCount": 500, "toolUsePromptTokenCount": 7,
         "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 10000}, {"modality": "AUDIO", "tokenCount": 20000}],
         "cacheTokensDetails": [{"modality": "AUDIO", "tokenCount": 12000}, {"modality": "TEXT", "tokenCount": 3000}],
         "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": 1000}]}
VIDEO = {"promptTokenCount": 5000, "candidatesTokenCount": 100,
         "promptTokensDetails": [{"modality": "TEXT", "tokenCount": 1000}, {"modality": "VIDEO", "tokenCount": 4000}]}
# Test table (tests/fixtures/multimodal-prices.yaml), gemini-2.5-flash: text 0.30 / cached 0.03 / output 2.50,
# audio 1.00 / cached audio 0.10 per 1M.
# AUDIO response: fresh TEXT 7,000 x 0.30 + AUDIO 8,000 x 1.00 = 0.0021 + 0.008; cached AUDIO 12,000 x 0.10 +
# TEXT 3,000 x 0.03 = 0.0012 + 0.00009; output 1,500 x 2.50 = 0.00375 -> $0.01514. The 7 tool-use prompt tokens
# are not on the span (a response log would add 7 x 0.30/1M).
AUDIO_COST = D("0.01514")
# VIDEO response (the span drops VIDEO: its 4,000 tokens come back as DOCUMENT, both at the text price):
# 5,000 x 0.30 + 100 x 2.50 = 0.0015 + 0.00025 = $0.00175
VIDEO_COST = D("0.00175")


@pytest.fixture(scope="module")
def spans() -> Iterator[tuple[list[ReadableSpan], str]]:
    """Spans of: the AUDIO call, a VIDEO call streamed, and a failed call, from the real instrumentation."""
    memory = InMemorySpanExporter()
    console = io.StringIO()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=console)))
    instrumentor = GoogleGenAiSdkInstrumentor()
    # The instrumentation declares google-genai <3; it works with 3.x, so its version check is skipped.
    instrumentor.instrument(tracer_provider=provider, skip_dep_check=True)
    try:
        fake = FakeGemini()
        client = fake.client()
        fake.responses.append(response_body(AUDIO))
        client.models.generate_content(model="gemini-2.5-flash", contents="Q1")
        fake.streams.append([response_body({"promptTokenCount": 5000}), response_body(VIDEO)])
        list(client.models.generate_content_stream(model="gemini-2.5-flash", contents="Q2"))
        fake.responses.append({"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}})
        with pytest.raises(ClientError):
            client.models.generate_content(model="gemini-2.5-flash", contents="Q3")
    finally:
        instrumentor.uninstrument()
    yield list(memory.get_finished_spans()), console.getvalue()


def _bill(*args: str) -> tuple[int, dict[str, object] | None, str]:
    os.chdir(REPO)
    result = CliRunner().invoke(app, ["bill", *args, "--pricing", str(FIXTURES / "multimodal-prices.yaml"),
                                      "--format", "json"])
    return result.exit_code, json.loads(result.stdout) if result.exit_code == 0 else None, result.stderr


def test_the_instrumentation_writes_what_the_reader_reads(spans: tuple[list[ReadableSpan], str]) -> None:
    attributes = dict(spans[0][0].attributes or {})
    assert attributes["gen_ai.usage.input_tokens"] == 30000
    assert attributes["gen_ai.usage.output_tokens"] == 1500  # candidates + thoughts
    assert attributes["gen_ai.usage.reasoning.output_tokens"] == 500
    assert attributes["gen_ai.usage.audio.cache_read.input_tokens"] == 12000
    assert not any("tool_use" in key for key in attributes)  # tool-use prompt tokens: not carried


def test_otlp_json_and_console_files_bill_to_the_hand_worked_total(
        spans: tuple[list[ReadableSpan], str], tmp_path: Path) -> None:
    otlp = tmp_path / "spans.otlp.json"
    otlp.write_text(MessageToJson(encode_spans(spans[0])))  # pretty-printed, intValue as JSON strings
    lines = tmp_path / "spans.jsonl"  # the collector's file exporter: one request per line, numbers as numbers
    request = json.loads(otlp.read_text())
    for resource in request["resourceSpans"]:
        for scope in resource["scopeSpans"]:
            for span in scope["spans"]:
                for entry in span["attributes"]:
                    if "intValue" in entry["value"]:
                        entry["value"]["intValue"] = int(entry["value"]["intValue"])
    lines.write_text(json.dumps(request) + "\n" + json.dumps({"resourceSpans": []}) + "\n")
    console = tmp_path / "console.json"
    console.write_text(spans[1])
    assert sniff(otlp.read_text()) == "otlp" and sniff(console.read_text()) == "console"
    for path in (otlp, lines, console):
        code, data, err = _bill(str(path))
        assert code == 0, err
        assert data is not None
        assert D(str(data["total"])) == AUDIO_COST + VIDEO_COST
        assert data["records"]["responses"] == 2  # type: ignore[index]
        notes = " ".join(data["notes"])  # type: ignore[arg-type]
        assert "tool-use prompt tokens" in notes and "cache creation or storage" in notes
        assert "1 generate_content span(s) carry no usage" in notes


def test_explicit_format_stdin_and_refusals(spans: tuple[list[ReadableSpan], str], tmp_path: Path) -> None:
    console = tmp_path / "console.txt"
    console.write_text(spans[1])
    os.chdir(REPO)
    result = CliRunner().invoke(app, ["bill", "-", "--input-format", "console", "--pricing",
                                      str(FIXTURES / "multimodal-prices.yaml"), "--format", "json"],
                                input=spans[1])
    assert result.exit_code == 0 and D(json.loads(result.stdout)["total"]) == AUDIO_COST + VIDEO_COST
    code, _, err = _bill(str(console), "--engine", "duckdb")
    assert code != 0 and "span files bill with the python engine" in err
    code, _, err = _bill(str(console), "--platform", "vertex-ai")
    assert code != 0 and "bill these spans with --platform gemini-api" in err
    code, _, err = _bill(str(console), "--input-format", "otlp")
    assert code != 0 and "without resourceSpans" in err
    code, _, err = _bill(str(console), "--input-format", "xml")
    assert code != 0 and "--input-format must be" in err
    broken = tmp_path / "broken.json"
    broken.write_text(spans[1][:-20])
    code, _, err = _bill(str(broken), "--input-format", "console")
    assert code != 0 and "not valid JSON" in err and "Traceback" not in err


def test_a_log_sniffed_as_jsonl_is_billed_as_before(tmp_path: Path) -> None:
    code, data, _ = _bill(str(FIXTURES / "multimodal.jsonl"))
    assert code == 0 and data is not None
    assert not any("span" in note for note in data["notes"])  # type: ignore[union-attr]


def test_audio_spans_without_cache_modalities_are_bad_records_not_text(tmp_path: Path) -> None:
    span = {"name": "generate_content gemini-2.5-flash", "context": {"trace_id": "0x1"},
            "start_time": "2026-03-10T12:00:00.000000Z", "end_time": "2026-03-10T12:00:01.000000Z",
            "attributes": {"gen_ai.operation.name": "generate_content", "gen_ai.provider.name": "gemini",
                           "gen_ai.response.model": "gemini-2.5-flash", "gen_ai.usage.input_tokens": 1000,
                           "gen_ai.usage.output_tokens": 10, "gen_ai.usage.cache_read.input_tokens": 500,
                           "gen_ai.usage.audio.input_tokens": 1000}}
    path = tmp_path / "one.json"
    path.write_text(json.dumps(span, indent=4))
    code, data, _ = _bill(str(path))
    assert code == 0 and data is not None
    assert [bad["code"] for bad in data["bad_records"]] == ["no_cache_details"]  # type: ignore[index, union-attr]
