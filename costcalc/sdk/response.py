"""`price_response`: the exact cost of one google-genai response, by the very reading and pricing of `bill`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from costcalc.errors import CostcalcError
from costcalc.prices.model import Tier
from costcalc.prices.tables import PriceTables
from costcalc.sdk.normalise import moment_of, response_record
from costcalc.usage.counts import Counts
from costcalc.usage.report import ModalityRow, UsageBill


@dataclass(frozen=True)
class ResponseCost:
    """What one response cost, USD (exact decimals), and the working behind it."""

    model: str
    """The model id in the price tables (the response's modelVersion resolved)."""
    platform: str
    time: datetime
    """The UTC time that chose the price period (see `price_response`)."""
    period: date
    """Effective date of the price period used."""
    tier: Tier
    batch: bool
    fresh_input: Decimal
    """Uncached prompt and tool-use prompt tokens, each modality at its input price."""
    cached_input: Decimal
    output: Decimal
    """Candidates and thinking tokens, each modality at its output price."""
    total: Decimal
    by_modality: tuple[ModalityRow, ...]
    """Money and tokens per modality row (TEXT with DOCUMENT, AUDIO, IMAGE, VIDEO)."""
    counts: Counts
    """The tokens billed (all-modality totals and their audio/image/video parts)."""
    record: Mapping[str, Any]
    """The normalised REST record that was billed (what `Meter.write_jsonl` logs)."""


def price_response(response: Any, *, at: datetime | str | None = None, model: str | None = None,
                   batch: bool = False, platform: str = "gemini-api",
                   tables: PriceTables | None = None) -> ResponseCost:
    """The exact cost of one `GenerateContentResponse`: the SDK object, its `model_dump()`, its REST (camelCase)
    dict, or a stream's last chunk (the one with the whole usage). `platform`: "gemini-api" or "vertex-ai".

    The price period is the one in force on the UTC date of `at` when given (an aware datetime or an RFC 3339
    string), else of the response's createTime (Vertex AI responses carry it), else of the current UTC time
    (Gemini API responses carry none). `model` names the model only when the response has no modelVersion.

    The response becomes the record `costcalc bill` reads and is billed by the same code, so the two always agree.
    Raises CostcalcError (one line, with what to do) when usage is missing, the model is unknown, or a count or
    a modality detail cannot be billed.
        cost = price_response(client.models.generate_content(model="gemini-2.5-flash", contents="Hi"))
        print(cost.total, cost.fresh_input, cost.output)
    """
    from costcalc.usage.engine import UsageBiller

    record = response_record(response, at=at, model=model, batch=batch)
    biller = UsageBiller(tables, platform)
    biller.add(record, source="response")
    result = biller.result()
    if result.bad_records:
        bad = result.bad_records[0]
        raise CostcalcError(f"cannot price the response: {bad.reason} [{bad.code}]")
    return cost_of(result, record)


def cost_of(result: UsageBill, record: Mapping[str, Any]) -> ResponseCost:
    """The ResponseCost of the bill of one response record."""
    (row,) = result.by_price  # one record: one (model, period, tier, batch) key
    buckets = result.buckets
    return ResponseCost(
        model=row.model, platform=result.platform, time=moment_of(record["timestamp"]), period=row.period,
        tier=row.tier, batch=row.batch, fresh_input=buckets.fresh_input, cached_input=buckets.cached_input,
        output=buckets.output, total=result.total, by_modality=result.by_modality, counts=row.counts,
        record=record)
