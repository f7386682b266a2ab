"""The shape of a price table file, one frozen dataclass per level.

These are plain dataclasses so that the calculator and the CLI never import pydantic on the hot
path; pydantic validates them (``extra="forbid"``, field docstrings) whenever a YAML file is read
(see ``costcalc.prices.validation``), and the validated result is cached by file content.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Literal, Union

_CONFIG = {"extra": "forbid", "use_attribute_docstrings": True, "frozen": True}

Platform = Literal["gemini-api", "vertex-ai"]
# The platform's own floor on a cache's life (docs/billing-rules.md, "Vertex per-character billing"): a user's
# table may raise it but cannot lower it, so overriding a bundled Vertex model never drops the 60 s minimum.
PLATFORM_MIN_TTL_SECONDS: dict[str, int] = {"gemini-api": 0, "vertex-ai": 60}
Caching = Literal["explicit", "implicit", "none"]
Unit = Literal["token", "character"]
Confidence = Literal["confirmed", "single-source", "derived", "peer-reported"]
"""How sure a figure is (docs/billing-rules.md, "Confidence of a figure"): `confirmed` (an official Google page or
announcement, or two independent sources that agree), `single-source` (one source), `derived` (computed from other
figures by a stated rule), `peer-reported` (only another price dataset has it)."""
PriceField = Literal["input_mtok", "output_mtok", "cached_mtok", "storage_mtok_hour", "batch_input_mtok",
                     "batch_output_mtok", "batch_cached_mtok", "batch_storage_mtok_hour",
                     "audio_input_mtok", "audio_cached_mtok", "batch_audio_input_mtok", "batch_audio_cached_mtok",
                     "image_input_mtok", "video_input_mtok", "audio_output_mtok", "image_output_mtok",
                     "batch_audio_output_mtok", "batch_image_output_mtok"]
MODALITY_PRICE_FIELDS: tuple[str, ...] = (
    "audio_input_mtok", "audio_cached_mtok", "batch_audio_input_mtok", "batch_audio_cached_mtok", "image_input_mtok",
    "video_input_mtok", "audio_output_mtok", "image_output_mtok", "batch_audio_output_mtok", "batch_image_output_mtok")
"""The per-modality price fields of a period, in table order (docs/billing-rules.md, "Modalities")."""


@dataclass(frozen=True)
class TieredPrice:
    """A price split at the model's long-context threshold (a whole-request cliff)."""

    __pydantic_config__ = _CONFIG

    lower: Decimal
    """USD per 1M units when the request's prompt is at or below the threshold."""
    upper: Decimal
    """USD per 1M units when the request's prompt is above the threshold (the whole request)."""


Price = Union[Decimal, TieredPrice]
"""A flat price, or one split at the long-context threshold."""


@dataclass(frozen=True)
class Source:
    """Where a figure can be checked: a page, dataset or post, and the day of the copy that shows it."""

    __pydantic_config__ = _CONFIG

    url: str
    """Address of the page, dataset, commit or post."""
    title: str | None = None
    """Short title a reader recognises, e.g. `Gemini Developer API pricing`."""
    seen: date | None = None
    """Date of the copy (page version, commit, post) that shows the figures; null: not known."""


@dataclass(frozen=True)
class FigureConfidence:
    """How sure one figure of a period is, where it differs from the period's `confidence`."""

    __pydantic_config__ = _CONFIG

    figure: PriceField
    """The price field this applies to, e.g. `cached_mtok`."""
    confidence: Confidence
    """How sure this figure is."""
    tier: Literal["lower", "upper"] | None = None
    """Only this tier of a tiered price; null: both tiers (or a flat price)."""
    rule: str | None = None
    """How a `derived` figure was computed, in words a reader can check, e.g. `50% of input`; required then."""


@dataclass(frozen=True)
class ImageOutputSize:
    """One published per-image price of an image-generation model: an image of a size is a fixed token count."""

    __pydantic_config__ = _CONFIG

    size: str
    """The size as the pricing page names it, e.g. `1024x1024`, `1K/2K` or `4K`."""
    tokens: int
    """Output tokens one image of this size counts."""
    usd_per_image: Decimal
    """The published price of one image, USD (standard, not batch)."""


@dataclass(frozen=True)
class PricePeriod:
    """The prices of one model from `effective` until the next period starts."""

    __pydantic_config__ = _CONFIG

    effective: date
    """First day (UTC) on which these prices apply."""
    checked: date
    """Day a maintainer last compared these figures with their sources (not the date of the sources' copies: see
    `Source.seen`); the staleness warning counts from the newest `checked`."""
    sources: tuple[Source | str, ...]
    """Where the figures come from, at least one: `{url, title, seen}` mappings, or bare URLs."""
    input_mtok: Price
    """Standard input price, USD per 1M units (unit: see `unit`)."""
    output_mtok: Price
    """Output price, thinking tokens included, USD per 1M units."""
    cached_mtok: Price | None = None
    """Price of a cached token read in a later request, USD per 1M units; null: no caching."""
    storage_mtok_hour: Decimal | None = None
    """Explicit-cache storage, USD per 1M units per hour, prorated; null: not priced."""
    batch_input_mtok: Price | None = None
    """Batch-mode input price, USD per 1M units; null: no batch price known."""
    batch_output_mtok: Price | None = None
    """Batch-mode output price, USD per 1M units."""
    batch_cached_mtok: Price | None = None
    """Batch-mode cached read price, USD per 1M units (often the standard price)."""
    batch_storage_mtok_hour: Decimal | None = None
    """Batch-mode storage, USD per 1M units per hour."""
    audio_input_mtok: Price | None = None
    """Input price of AUDIO tokens, USD per 1M; null: not published, so audio input cannot be billed (never at the
    text price). Where the page gives one price for every input modality, the table repeats it here."""
    audio_cached_mtok: Price | None = None
    """Price of a cached AUDIO token read, USD per 1M; null: cached audio cannot be billed."""
    batch_audio_input_mtok: Price | None = None
    """Batch-mode input price of AUDIO tokens, USD per 1M; null: batch audio input cannot be billed."""
    batch_audio_cached_mtok: Price | None = None
    """Batch-mode price of a cached AUDIO token read, USD per 1M."""
    image_input_mtok: Price | None = None
    """Input price of IMAGE tokens where the page lists one apart from text (Live API models), USD per 1M; null:
    images are billed at the text input price, as the page says for most models."""
    video_input_mtok: Price | None = None
    """Input price of VIDEO tokens where the page lists one apart from text (Live API models), USD per 1M; null:
    video is billed at the text input price."""
    audio_output_mtok: Price | None = None
    """Output price of AUDIO tokens (text-to-speech, native-audio models), USD per 1M; null: the model produces no
    audio, so audio output cannot be billed."""
    image_output_mtok: Price | None = None
    """Output price of IMAGE tokens (image-generation models), USD per 1M; null: image output cannot be billed."""
    batch_audio_output_mtok: Price | None = None
    """Batch-mode output price of AUDIO tokens, USD per 1M."""
    batch_image_output_mtok: Price | None = None
    """Batch-mode output price of IMAGE tokens, USD per 1M."""
    image_output_sizes: tuple[ImageOutputSize, ...] = ()
    """Published per-image prices of an image-generation model, e.g. 1K and 4K images; each must equal its tokens
    at `image_output_mtok` to within half a cent (the page rounds to tenths of a cent)."""
    unit: Unit = "token"
    """What the prices count: tokens, or characters (Vertex AI billed Gemini 1.0/1.5 per character)."""
    note: str | None = None
    """Caveats in plain sentences: why a figure is single-source or derived, announced-but-unavailable rates."""
    effective_approximate: bool = False
    """True when `effective` is an estimate (e.g. the first day a price was seen), shown as `about <date>`."""
    confidence: Confidence | None = None
    """How sure the figures of this period are, unless `figure_confidence` says otherwise; null: not stated."""
    figure_confidence: tuple[FigureConfidence, ...] = ()
    """Figures whose confidence differs from the period's, e.g. a cached price derived from the input price."""

    def source_records(self) -> tuple[Source, ...]:
        """`sources` as Source records (bare URLs in older tables become records without title or date)."""
        return tuple(item if isinstance(item, Source) else Source(item) for item in self.sources)

    def __post_init__(self) -> None:
        # Bare URL strings (the older form, still accepted in users' tables) become Source records.
        if any(isinstance(item, str) for item in self.sources):
            object.__setattr__(self, "sources", tuple(Source(item) if isinstance(item, str) else item
                                                      for item in self.sources))


@dataclass(frozen=True)
class CacheMinimum:
    """The smallest cacheable context according to one dated version of Google's docs."""

    __pydantic_config__ = _CONFIG

    tokens: int
    """Minimum number of tokens an explicit cache must hold."""
    doc_date: date
    """Date of the document version that states it; it applies from this date."""
    source: str
    """URL of the document."""
    doc_date_approximate: bool = False
    """True when `doc_date` is an estimate (the document version is not dated exactly), shown as `about <date>`."""


@dataclass(frozen=True)
class ModelPrices:
    """One model on one platform, with every price period it ever had."""

    __pydantic_config__ = _CONFIG

    id: str
    """Canonical model id as the API names it, e.g. `gemini-1.5-pro`."""
    name: str
    """Display name, e.g. `Gemini 1.5 Pro`."""
    periods: tuple[PricePeriod, ...]
    """Price periods, strictly ascending by `effective`; the first one is when the model appeared."""
    aliases: tuple[str, ...] = ()
    """Other ids that mean this model, e.g. versioned ids `gemini-1.5-pro-002`."""
    context_window_tokens: int | None = None
    """Largest prompt the model accepts, in tokens; null: not published. (Older tables call it `context_window`.)"""
    long_context_threshold: int | None = None
    """Prompt size above which the whole request is billed at the upper tier; null: one tier."""
    caching: Caching = "explicit"
    """Context caching the API offers: explicit caches (with storage), implicit only, or none."""
    implicit_caching_since: date | None = None
    """First day on which implicit cache hits were billed at the cached price; null: no implicit caching."""
    min_cache_tokens: tuple[CacheMinimum, ...] = ()
    """Minimum cacheable size by document date, ascending; the newest on or before the as-of date applies."""
    shutdown: date | None = None
    """Day the model was retired (or left the price list), when known."""
    shutdown_approximate: bool = False
    """True when `shutdown` is an estimate (e.g. the last day the model was seen listed), shown as `about <date>`."""
    note: str | None = None
    """Caveats about the model as a whole."""


@dataclass(frozen=True)
class PriceFile:
    """One YAML price table: the models of one platform."""

    __pydantic_config__ = _CONFIG

    platform: Platform
    """Which surface bills these prices: the Gemini Developer API or Vertex AI."""
    models: tuple[ModelPrices, ...]
    """The models in this file."""
    description: str | None = None
    """What the table covers, for humans."""
    default_ttl_seconds: int = 3600
    """Cache lifetime when the user gives none."""
    min_ttl_seconds: int = 0
    """Shortest cache lifetime the platform allows. Vertex AI's 60 s applies even when a file gives less."""
