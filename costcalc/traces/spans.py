"""generate_content spans -> the response records `costcalc bill` reads, and what the spans left out.

Attributes read (opentelemetry-instrumentation-google-genai 1.3b0, by its source):
- gen_ai.usage.input_tokens = promptTokenCount (cached tokens included, tool-use prompt tokens not);
- gen_ai.usage.output_tokens = candidatesTokenCount + thoughtsTokenCount;
- gen_ai.usage.reasoning.output_tokens = thoughtsTokenCount (absent when 0);
- gen_ai.usage.cache_read.input_tokens = cachedContentTokenCount (absent when 0);
- gen_ai.usage.{text,image,audio}.input_tokens / .output_tokens / .cache_read.input_tokens: the prompt,
  candidates and cache detail lists, TEXT IMAGE AUDIO only (VIDEO and DOCUMENT are dropped; zeros are absent);
- gen_ai.response.model (else gen_ai.request.model); gen_ai.provider.name (gemini or vertex_ai).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.traces.formats import Span, SpanFormat, read_spans
from costcalc.usage.times import NS_PER_SECOND

USAGE = "gen_ai.usage."
MODALITIES = ("text", "image", "audio")
PLATFORM_OF_PROVIDER = {"gemini": "gemini-api", "vertex_ai": "vertex-ai"}
BILLED_OPERATION = "generate_content"
CANNOT_CARRY = ("spans do not carry tool-use prompt tokens (toolUsePromptTokenCount: not billed), cache creation "
                "or storage (caches have no spans: bill a Meter's log or cachedContents records for them), batch, "
                "or VIDEO/DOCUMENT prompt tokens (billed at the text price as the rest of the prompt)")


@dataclass
class SpanTally:
    """What a span file held besides billable responses, for the bill's notes."""

    billed: int = 0
    without_usage: int = 0
    """generate_content spans without usage attributes (failed calls)."""
    other_operations: dict[str, int] = field(default_factory=dict)

    def notes(self, files: str) -> tuple[str, ...]:
        notes = [f"{self.billed:,} generate_content span(s) billed from {files}; {CANNOT_CARRY}"]
        if self.without_usage:
            notes.append(f"{self.without_usage:,} generate_content span(s) carry no usage (failed calls?) and are "
                         "not billed")
        for operation, number in sorted(self.other_operations.items()):
            notes.append(f"{number:,} {operation} span(s) with token usage are not billed (costcalc prices "
                         "generate_content)")
        return tuple(notes)


def span_record(span: Span) -> dict[str, Any]:
    """The response record of one generate_content span with usage."""
    attributes = span.attributes
    usage: dict[str, Any] = {"promptTokenCount": attributes.get(f"{USAGE}input_tokens")}
    cached = attributes.get(f"{USAGE}cache_read.input_tokens")
    if cached is not None:
        usage["cachedContentTokenCount"] = cached
    output = attributes.get(f"{USAGE}output_tokens")
    thoughts = attributes.get(f"{USAGE}reasoning.output_tokens")
    if thoughts is not None:
        usage["thoughtsTokenCount"] = thoughts
    if isinstance(output, int) and isinstance(thoughts, int) and _is_count(thoughts) and output >= thoughts:
        output -= thoughts  # output_tokens includes the thinking tokens
    if output is not None:
        usage["candidatesTokenCount"] = output
    _details(usage, "promptTokensDetails", attributes, "input_tokens", usage["promptTokenCount"], remainder=True)
    _details(usage, "cacheTokensDetails", attributes, "cache_read.input_tokens", cached or 0, remainder=True)
    _details(usage, "candidatesTokensDetails", attributes, "output_tokens", 0, remainder=False)
    model = attributes.get("gen_ai.response.model") or attributes.get("gen_ai.request.model")
    record: dict[str, Any] = {"modelVersion": model, "usageMetadata": usage}
    moment = span.end_ns if span.end_ns is not None else span.start_ns
    if moment is not None:  # else the record has no time: bill says `no_time`
        seconds, rest = divmod(moment, NS_PER_SECOND)
        record["timestamp"] = datetime.fromtimestamp(seconds, timezone.utc).strftime(
            "%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"
    response_id = attributes.get("gen_ai.response.id")
    if response_id is not None:
        record["responseId"] = response_id
    return record


def _is_count(value: Any) -> bool:
    return type(value) is int and value >= 0


def _details(usage: dict[str, Any], key: str, attributes: Mapping[str, Any], suffix: str, total: Any,
             remainder: bool) -> None:
    """A detail list from the per-modality attributes, when the span has any. Prompt and cache lists get the
    tokens the attributes leave out (VIDEO, DOCUMENT) as DOCUMENT, billed at the text price; an output list is
    left as it is, so a span whose modalities do not add up to its output is a `details_mismatch`."""
    entries = [{"modality": modality.upper(), "tokenCount": attributes[f"{USAGE}{modality}.{suffix}"]}
               for modality in MODALITIES if attributes.get(f"{USAGE}{modality}.{suffix}") is not None]
    if not entries:
        return
    if remainder and _is_count(total) and all(_is_count(entry["tokenCount"]) for entry in entries):
        left = total - sum(entry["tokenCount"] for entry in entries)
        if left > 0:
            entries.append({"modality": "DOCUMENT", "tokenCount": left})
    usage[key] = entries


def span_records(text: str, name: str, kind: SpanFormat, platform: str,
                 tally: SpanTally) -> list[tuple[int, dict[str, Any]]]:
    """(span number, record) of every billable span of a file; refuses spans of the other platform."""
    found = []
    for span in read_spans(text, name, kind):
        attributes = span.attributes
        operation = attributes.get("gen_ai.operation.name")
        has_usage = attributes.get(f"{USAGE}input_tokens") is not None
        if operation != BILLED_OPERATION:
            if has_usage and isinstance(operation, str):
                tally.other_operations[operation] = tally.other_operations.get(operation, 0) + 1
            continue
        provider = attributes.get("gen_ai.provider.name") or attributes.get("gen_ai.system")
        wanted = PLATFORM_OF_PROVIDER.get(str(provider))
        if wanted is not None and wanted != platform:
            raise CostcalcError(f"{name}: span {span.number} is a {provider} call; bill these spans with "
                                f"--platform {wanted}")
        if not has_usage:
            tally.without_usage += 1
            continue
        tally.billed += 1
        found.append((span.number, span_record(span)))
    return found


def read_span_file(path: Path, limit: int) -> str:
    """The whole text of a span file (plain or .gz), refusing one over `limit` bytes."""
    from costcalc.usage.reader import open_log

    with open_log(path) as stream:
        data = stream.read(limit + 1)
    if len(data) > limit:
        raise CostcalcError(f"{path} is over {limit >> 20} MB; split the span file (span files are read whole)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CostcalcError(f"{path} is not UTF-8 text; is it a JSON span file?") from None
