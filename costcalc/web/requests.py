"""The JSON bodies the API accepts: the CLI's options under the same names, nothing else (extra fields are refused).

Counts are taken as the CLI takes them (`"128k"`, `"1.5M"`, or a JSON whole number) and parsed by the same
functions, so the API and the command line accept and refuse exactly the same values.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, StrictBool, StrictInt, StrictStr, WithJsonSchema

MAX_TEXT = 200


def _count(value: Any) -> int | str:
    """A JSON whole number or the CLI's text; `true` is not a count and `1.5` is not silently truncated."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) < 10**30:
        return value
    if isinstance(value, str) and len(value) <= MAX_TEXT:
        return value
    raise ValueError("give a whole number, or text like 128k, 1.5M or 1_000_000")


# Text is bounded so a hostile body cannot make the parsers work on megabytes.
Text = Annotated[StrictStr, Field(max_length=MAX_TEXT)]
Count = Annotated[Union[int, str], PlainValidator(_count),
                  WithJsonSchema({"anyOf": [{"type": "integer"}, {"type": "string", "maxLength": MAX_TEXT}]})]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WorkloadBody(Body):
    model: Text = Field(description="Model id or alias, e.g. gemini-2.5-flash (`--model`).")
    context: Optional[Count] = Field(None, description="Reused context tokens: 1M, 128k, 1_000 (`--context`).")
    prompt: Optional[Count] = Field(None, description="Fresh prompt tokens per query (`--prompt`).")
    ttl: Optional[Text] = Field(None, description="Cache lifetime: 90s, 30m, 1h (`--ttl`); default: the model's.")
    as_of: Optional[Text] = Field(None, description="Prices in force on this date (`--as-of`); default: today.")
    batch: StrictBool = Field(False, description="Batch-mode prices (`--batch`).")
    platform: Text = Field("gemini-api", description="gemini-api or vertex-ai (`--platform`).")
    context_chars: Optional[Count] = Field(None, description="Context characters (Vertex 1.0/1.5).")
    prompt_chars: Optional[Count] = Field(None, description="Fresh prompt characters per query.")
    chars_per_token: Optional[Text] = Field(None, description="Your measured characters per token.")
    context_audio: Optional[Count] = Field(None, description="Audio in the context: tokens, or a duration such as 10m "
                                           "at 32 tokens/s (`--context-audio`).")
    context_video: Optional[Count] = Field(None, description="Video in the context: tokens, or a duration at 263 "
                                           "tokens/s (`--context-video`).")
    prompt_audio: Optional[Count] = Field(None, description="Audio in each fresh prompt (`--prompt-audio`).")
    prompt_video: Optional[Count] = Field(None, description="Video in each fresh prompt (`--prompt-video`).")


class BreakevenBody(WorkloadBody):
    """`costcalc breakeven`'s options."""


class EstimateBody(WorkloadBody):
    """`costcalc estimate`'s options (without --plot and --format: the answer is its JSON)."""

    output: Optional[Count] = Field(None, description="Output tokens per query, thinking included (`--output`).")
    queries: Count = Field("1", description="Queries that reuse the context (`--queries`).")
    output_chars: Optional[Count] = Field(None, description="Output characters per query.")
    hit_rate: Optional[Text] = Field(None, description="Add an implicit-caching column at this share of hits.")


class RecommendBody(Body):
    """`costcalc recommend` on generated traffic (`--rate` with `--for`)."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    model: Text = Field(description="Model id or alias (`--model`).")
    context: Count = Field(description="Reused context tokens (`--context`).")
    prompt: Optional[Count] = Field(None, description="Fresh prompt tokens per query (`--prompt`).")
    output: Optional[Count] = Field(None, description="Output tokens per query (`--output`).")
    rate: Text = Field(description="Average queries per unit of time: 20/h, 0.5/min, 1000/d (`--rate`).")
    duration: Text = Field(alias="for", description="How long the traffic lasts: 30d, 12h (`--for`).")
    arrivals: Text = Field("poisson", description="poisson or even (`--arrivals`).")
    seed: Optional[StrictInt] = Field(None, description="Seed for poisson arrivals (`--seed`).")
    profile: Optional[Text] = Field(None, description="Hour-of-day shape (UTC): office, 9-17, or 24 weights.")
    strategies: Optional[Text] = Field(None, description="Comma-separated strategies (`--strategies`).")
    ttls: Optional[Text] = Field(None, description="TTL grid, e.g. 5m,15m,30m,1h (`--ttls`).")
    hit_rate: Text = Field("0.5", description="Implicit caching's share of hits (`--hit-rate`).")
    context_audio: Optional[Count] = Field(None, description="Audio in the context (`--context-audio`).")
    context_video: Optional[Count] = Field(None, description="Video in the context (`--context-video`).")
    prompt_audio: Optional[Count] = Field(None, description="Audio in each fresh prompt (`--prompt-audio`).")
    prompt_video: Optional[Count] = Field(None, description="Video in each fresh prompt (`--prompt-video`).")
    as_of: Optional[Text] = Field(None, description="Prices in force on this date (`--as-of`).")
    batch: StrictBool = Field(False, description="Batch-mode prices (`--batch`).")
    platform: Text = Field("gemini-api", description="gemini-api or vertex-ai (`--platform`).")
