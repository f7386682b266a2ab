"""Typed results of a calculation; each knows how to become JSON with exact decimal strings."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

# Re-exported: code and users' scripts import both from here.
from costcalc.jsonable import to_jsonable as to_jsonable
from costcalc.prices.model import Tier as Tier
from costcalc.prices.schema import Source


@dataclass(frozen=True)
class Workload:
    """A context reused by `queries` requests inside one cache lifetime."""

    context_tokens: int
    """Tokens reused by every query (the part an explicit cache would hold)."""
    prompt_tokens: int = 0
    """Fresh, uncached prompt tokens per query."""
    output_tokens: int = 0
    """Output tokens per query, thinking tokens included."""
    queries: int = 1
    """Number of queries that reuse the context within the cache lifetime."""
    ttl_seconds: int = 3600
    """How long the cache lives and is billed for storage."""
    context_chars: int | None = None
    """Characters of the context, for periods billed per character (Vertex AI, Gemini 1.0/1.5)."""
    prompt_chars: int | None = None
    """Characters of the fresh prompt per query, for per-character periods."""
    output_chars: int | None = None
    """Characters of output per query, for per-character periods."""
    context_audio_tokens: int = 0
    """AUDIO tokens of the reused context, on top of `context_tokens` (which are text: TEXT, DOCUMENT, IMAGE)."""
    context_video_tokens: int = 0
    """VIDEO tokens of the reused context, on top of `context_tokens`."""
    prompt_audio_tokens: int = 0
    """AUDIO tokens of each query's fresh prompt, on top of `prompt_tokens`."""
    prompt_video_tokens: int = 0
    """VIDEO tokens of each query's fresh prompt, on top of `prompt_tokens`."""

    @property
    def has_chars(self) -> bool:
        return None not in (self.context_chars, self.prompt_chars, self.output_chars)

    @property
    def has_mix(self) -> bool:
        """True when some context or prompt tokens are audio or video (docs/billing-rules.md, "Modalities")."""
        return any(getattr(self, name) for name in MIX_FIELDS)

    @property
    def all_context_tokens(self) -> int:
        """The whole context, every modality: what is cached, stored, and counted toward tier and minimum."""
        return self.context_tokens + self.context_audio_tokens + self.context_video_tokens

    @property
    def all_prompt_tokens(self) -> int:
        """The whole fresh prompt of one query, every modality."""
        return self.prompt_tokens + self.prompt_audio_tokens + self.prompt_video_tokens

    @property
    def request_tokens(self) -> int:
        """One query's prompt size, context included: what decides its tier."""
        return self.all_context_tokens + self.all_prompt_tokens


MIX_FIELDS = ("context_audio_tokens", "context_video_tokens", "prompt_audio_tokens", "prompt_video_tokens")


def workload_json(workload: Workload) -> dict[str, Any]:
    """The workload as JSON; a text-only one without the (zero) modality fields, as before they existed."""
    data: dict[str, Any] = to_jsonable(workload)
    if not workload.has_mix:
        for name in MIX_FIELDS:
            data.pop(name, None)
    return data


@dataclass(frozen=True)
class PartCharge:
    """One modality's share of a line of the bill: its tokens at its own price."""

    modality: str
    """TEXT (text, documents, images), AUDIO or VIDEO."""
    tokens: int
    price_mtok: Decimal
    cost: Decimal
    """tokens x price / 1M, exact."""


@dataclass(frozen=True)
class ModalityWorking:
    """How a workload with audio or video was priced: the token sums, and each part at its own price.

    Amounts are per query (creation: once); the cost lines multiply them by the number of queries."""

    context: str
    """E.g. `context 100,000 text + 19,200 audio (10m = 600 s × 32 tokens/s) = 119,200 tokens`."""
    prompt: str
    context_input: tuple[PartCharge, ...]
    """The context sent as fresh input (no cache, or an implicit-cache miss), at the query's tier."""
    prompt_input: tuple[PartCharge, ...]
    creation: tuple[PartCharge, ...] | None = None
    """Cache creation: standard input prices (never batch), at the tier of the whole context."""
    cached_read: tuple[PartCharge, ...] | None = None
    """One read of the cached context, each modality at its cached price, at the query's tier."""


@dataclass(frozen=True)
class Rates:
    """The prices one request pays at its tier, USD per 1M units (storage: per hour)."""

    tier: Tier
    input_mtok: Decimal
    output_mtok: Decimal
    cached_mtok: Decimal | None
    storage_mtok_hour: Decimal | None


@dataclass(frozen=True)
class PriceSource:
    """Which price record a result used, so a reader can check it."""

    model: str
    model_name: str
    platform: str
    price_effective: date
    as_of: date
    checked: date
    sources: tuple[Source, ...]
    note: str | None
    long_context_threshold: int | None
    batch: bool
    source_file: str
    unit: str = "token"
    """What the prices count: `token`, or `character` (Vertex AI's Gemini 1.0/1.5)."""
    effective_approximate: bool = False
    """True when `price_effective` is an estimate (shown as `about <date>`)."""
    confidence: dict[str, str] = field(default_factory=dict)
    """How sure each figure used is, by price field (`input_mtok`...): `confirmed`, `derived: 50% of input`..."""


@dataclass(frozen=True)
class RequestCost:
    """One `generateContent` request, billed by Google's rules."""

    tier: Tier
    prompt_tokens: int
    cached_tokens: int
    output_tokens: int
    fresh_input: Decimal
    cached_input: Decimal
    output: Decimal
    total: Decimal


@dataclass(frozen=True)
class NoCacheCost:
    """Every query sends the whole context as ordinary input."""

    tier: Tier
    rates: Rates
    context_input: Decimal
    fresh_input: Decimal
    output: Decimal
    total: Decimal
    per_query: Decimal


@dataclass(frozen=True)
class ExplicitCacheCost:
    """One explicit cache created once, stored for its lifetime, read by every query."""

    tier: Tier
    rates: Rates
    creation_tier: Tier
    creation_input_mtok: Decimal
    """The input price creation is billed at: standard (creation is its own call, never batch), at the tier of
    the cached size; not always `rates.input_mtok`."""
    creation: Decimal
    storage: Decimal
    storage_seconds: int
    cached_input: Decimal
    fresh_input: Decimal
    output: Decimal
    total: Decimal
    per_query: Decimal


@dataclass(frozen=True)
class ImplicitCacheCost:
    """Implicit caching: no creation, no storage; a hit bills the context at the cached price.

    Hits are not guaranteed, so the hit rate is the user's assumption and the amounts are expected values.
    """

    tier: Tier
    rates: Rates
    hit_rate: Decimal
    cached_input: Decimal
    """Expected cost of the context on hits: N x hit_rate x context x cached price."""
    missed_input: Decimal
    """Expected cost of the context on misses: N x (1 - hit_rate) x context x input price."""
    fresh_input: Decimal
    output: Decimal
    total: Decimal
    per_query: Decimal


@dataclass(frozen=True)
class BreakEven:
    """After how many queries an explicit cache is strictly cheaper, and the read rate that sustains it."""

    queries: int | None
    """Smallest N >= 1 for which caching is strictly cheaper; None when there is none."""
    reason: str | None
    """Why there is no break-even, when there is none."""
    fixed_cost: Decimal
    """Creation plus storage for the lifetime: paid once, whatever N is."""
    saving_per_query: Decimal
    """What each query saves by reading the context from the cache."""
    formula: str
    """The closed form with the user's numbers in it."""
    read_rate_per_hour: Decimal | None
    """Reads per hour a long-lived cache needs to pay its storage: storage / (input - cached)."""
    read_rate_formula: str | None


@dataclass(frozen=True)
class Estimate:
    """The side-by-side answer for one workload."""

    workload: Workload
    source: PriceSource
    no_cache: NoCacheCost
    explicit_cache: ExplicitCacheCost | None
    explicit_cache_unavailable: str | None
    savings: Decimal | None
    savings_percent: Decimal | None
    savings_ceiling_percent: Decimal | None
    break_even: BreakEven | None
    notes: tuple[str, ...] = field(default=())
    implicit_cache: ImplicitCacheCost | None = None
    """Only when a hit rate was given."""
    implicit_cache_unavailable: str | None = None
    modalities: ModalityWorking | None = None
    """Only when the workload has audio or video tokens: how each part was priced."""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = to_jsonable(self)
        data["workload"] = workload_json(self.workload)
        if self.modalities is None:
            del data["modalities"]
        data = {
            "model": self.source.model,
            "price_effective": self.source.price_effective.isoformat(),
            "break_even_queries": self.break_even.queries if self.break_even else None,
            **data,
        }
        return data
