"""Reading a peer's published price feed (LiteLLM's or genai-prices' JSON) into exact prices per 1M tokens.

Numbers are parsed with `parse_float=Decimal`, so no binary float ever holds a price: LiteLLM's `1.25e-06` per token
becomes `Decimal("1.25e-06") * 1_000_000 = 1.25` per 1M, exactly. One exception keeps float noise out: a figure
written with 16 or 17 significant digits (how a program prints a binary float, e.g. `7.500000000000001e-08`) is
rounded to 15 significant digits, the precision a float round-trips; shorter figures are used as written.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Context, Decimal
from pathlib import Path
from typing import Any, Literal

from costcalc.errors import PricingFileError
from costcalc.prices.files import read_text

MAX_FEED_BYTES = 50 * 1024 * 1024
"""Larger files are refused before reading: LiteLLM's feed is a few MB."""
FLOAT_DIGITS = 15
"""Significant digits a binary float round-trips; longer figures in a feed are float noise."""
_MILLION = Decimal(1_000_000)
_ROUND = Context(prec=FLOAT_DIGITS)

FeedFormat = Literal["litellm", "genai-prices"]
PEER_NAMES: dict[str, str] = {"litellm": "LiteLLM", "genai-prices": "genai-prices"}

# LiteLLM's per-token fields, by the PeerPrices figure they give. Tiers are `<field>_above_<N>k_tokens`, and for a
# batch field `<standard field>_above_<N>k_tokens_batches` (`cache_read_input_token_cost_above_200k_tokens_batches`).
_LITELLM_FIELDS = {"input": "input_cost_per_token", "output": "output_cost_per_token",
                   "cached": "cache_read_input_token_cost", "batch_input": "input_cost_per_token_batches",
                   "batch_output": "output_cost_per_token_batches",
                   "batch_cached": "cache_read_input_token_cost_batches",
                   "reasoning_output": "output_cost_per_reasoning_token",
                   "audio_input": "input_cost_per_audio_token", "audio_cached": "cache_read_input_audio_token_cost",
                   "batch_audio_input": "input_cost_per_audio_token_batches",
                   "batch_audio_cached": "cache_read_input_audio_token_cost_batches",
                   "image_input": "input_cost_per_image_token", "video_input": "input_cost_per_video_token",
                   "audio_output": "output_cost_per_audio_token", "image_output": "output_cost_per_image_token",
                   "batch_image_output": "output_cost_per_image_token_batches"}
_LITELLM_PER_IMAGE = "output_cost_per_image"
"""LiteLLM's price of one generated image in USD (not per token): compared with costcalc's first published size."""
_LITELLM_TIER = re.compile(r"(.+)_above_(\d{1,7})k_tokens(_batches)?")
_TIERED_FIELDS = frozenset(_LITELLM_FIELDS.values())
# LiteLLM's counts: the largest prompt, and the smallest context an explicit cache may hold.
_LITELLM_CONTEXT_WINDOW = "max_input_tokens"
_LITELLM_MIN_CACHE = "prompt_cache_min_tokens"


class _NotANumber(ValueError):
    """JSON's non-standard NaN/Infinity, refused: no price is infinite."""


@dataclass(frozen=True)
class PeerPrice:
    """One price of a peer's model in USD per 1M tokens: the base figure and any long-context tiers."""

    base: Decimal | None
    """The price at or below every threshold; None when the peer gives only tier figures."""
    tiers: tuple[tuple[int, Decimal], ...] = ()
    """(prompt tokens above which it applies, price), ascending."""

    def upper(self, threshold: int | None) -> Decimal | None:
        """The tier at `threshold` if the peer has one there, else its last tier, else None."""
        exact = [price for start, price in self.tiers if start == threshold]
        return exact[0] if exact else (self.tiers[-1][1] if self.tiers else None)


@dataclass(frozen=True)
class PeerPrices:
    """The figures of one peer model that costcalc compares; None where the peer has no such price."""

    input: PeerPrice | None = None
    output: PeerPrice | None = None
    cached: PeerPrice | None = None
    batch_input: PeerPrice | None = None
    batch_output: PeerPrice | None = None
    batch_cached: PeerPrice | None = None
    reasoning_output: PeerPrice | None = None
    """The price of thinking tokens, where the peer states it apart from output (costcalc bills them as output)."""
    audio_input: PeerPrice | None = None
    audio_cached: PeerPrice | None = None
    batch_audio_input: PeerPrice | None = None
    batch_audio_cached: PeerPrice | None = None
    image_input: PeerPrice | None = None
    video_input: PeerPrice | None = None
    audio_output: PeerPrice | None = None
    image_output: PeerPrice | None = None
    batch_image_output: PeerPrice | None = None
    image_output_per_image: PeerPrice | None = None
    """USD per generated image (LiteLLM's `output_cost_per_image`), not per 1M tokens."""


@dataclass(frozen=True)
class Dated:
    """Prices that apply from `start` on (None: no start date, genai-prices' unconstrained price)."""

    start: date | None
    prices: PeerPrices


@dataclass(frozen=True)
class PeerModel:
    """One model of a feed, on the costcalc platform its provider maps to."""

    platform: str
    name: str
    """The feed's name for it, e.g. `gemini/gemini-2.5-pro` (LiteLLM) or `gemini-2.5-pro` (genai-prices)."""
    lookup: str
    """The name to find in costcalc's tables: `name` without a `gemini/` or `vertex_ai/` prefix."""
    standard: tuple[Dated, ...]
    """Price sets in feed order; the last one started on or before a date applies (the first if none has)."""
    batch: tuple[Dated, ...] = ()
    """Batch overrides (genai-prices' `processing: batch` variants), first active one wins per price."""
    matches: Callable[[str], bool] | None = field(default=None, compare=False, repr=False)
    """genai-prices' match rule for a model name, when the feed has one."""
    context_window: int | None = None
    """Largest prompt in tokens (LiteLLM's `max_input_tokens`, genai-prices' `context_window`); None: not given."""
    min_cache_tokens: int | None = None
    """Smallest explicit cache in tokens (LiteLLM's `prompt_cache_min_tokens`); None: not given."""

    def prices_on(self, day: date) -> PeerPrices:
        """The peer's prices in force on `day`, with batch figures from the variants active then.

        A genai-prices batch variant overrides only the prices it names, and the first active variant naming a
        price wins (genai-prices' own rule); a price no active variant names stays the standard one, so with any
        batch variant active the batch cached price is the variant's `cache_read_mtok` or else the standard one.
        """
        standard = next((d.prices for d in reversed(self.standard) if d.start is None or d.start <= day),
                        self.standard[0].prices if self.standard else PeerPrices())
        active = [variant.prices for variant in self.batch if variant.start is None or variant.start <= day]
        if not active:
            return standard
        batch: dict[str, PeerPrice | None] = {}
        for name in ("input", "output", "cached", "audio_input", "audio_cached", "image_output"):
            named = (getattr(prices, name) for prices in active)
            batch[f"batch_{name}"] = next((value for value in named if value is not None), getattr(standard, name))
        return replace(standard, **batch)


@dataclass(frozen=True)
class Feed:
    """A peer's price feed, read from a local file."""

    path: str
    format: FeedFormat
    models: tuple[PeerModel, ...]
    """Models on a costcalc platform (Gemini API or Vertex AI), in feed order."""

    @property
    def peer(self) -> str:
        return PEER_NAMES[self.format]


def load_feed(path: Path) -> Feed:
    """Read a LiteLLM or genai-prices feed from a local file; the format is recognised from the content."""
    text = _read(path)
    try:
        data = json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
    except json.JSONDecodeError as error:
        raise PricingFileError(f"{path}:{error.lineno}: invalid JSON: {error.msg} (column {error.colno}); "
                               "give the feed file as published") from None
    except _NotANumber as error:
        line = _line_of(text, re.escape(str(error)))
        raise PricingFileError(f"{path}:{line}: invalid JSON: {error} is not a number; give the feed file as "
                               "published") from None
    except RecursionError:
        raise PricingFileError(f"{path}:1: invalid JSON: nested too deeply to be a price feed") from None
    except ValueError as error:  # e.g. an integer of thousands of digits
        raise PricingFileError(f"{path}:1: invalid JSON: {error}") from None
    from costcalc.prices.peer_genai import genai_models

    if isinstance(data, dict) and isinstance(data.get("providers"), list) and _providers(data["providers"]):
        return Feed(str(path), "genai-prices", genai_models(data["providers"], Spots(path, text)))
    if isinstance(data, list) and data and _providers(data):
        return Feed(str(path), "genai-prices", genai_models(data, Spots(path, text)))
    if isinstance(data, dict) and any(isinstance(v, dict) and ("litellm_provider" in v or "input_cost_per_token" in v)
                                      for k, v in data.items() if k != "sample_spec"):
        return Feed(str(path), "litellm", _litellm_models(data, path, text))
    raise PricingFileError(f"{path}:1: not a LiteLLM or genai-prices price feed; give LiteLLM's "
                           "model_prices_and_context_window.json or genai-prices' data.json (a local file)")


def _read(path: Path) -> str:
    return read_text(path, limit=MAX_FEED_BYTES, kind="price feed", oversize_hint="give the feed file itself")


def _refuse_constant(name: str) -> Any:
    raise _NotANumber(name)


def _line_of(text: str, pattern: str) -> int:
    """Line of the first match of a regular expression in the file; 1 when absent."""
    found = re.search(pattern, text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _providers(items: list[Any]) -> bool:
    return all(isinstance(p, dict) and "id" in p and isinstance(p.get("models"), list) for p in items)


@dataclass(frozen=True)
class Spots:
    """The feed file, for errors that name the line of a model."""

    path: Path
    text: str

    def at(self, pattern: str) -> Spot:
        return Spot(self.path, self.text, pattern)


@dataclass(frozen=True)
class Spot:
    """A model's place in the feed; its line is looked up only when something there is wrong."""

    path: Path
    text: str
    pattern: str
    """Regular expression for the model's name in the file."""

    def error(self, problem: str) -> PricingFileError:
        line = _line_of(self.text, self.pattern)
        return PricingFileError(f"{self.path}:{line}: {problem}; fix or re-download the feed")


def count(value: Any, where: str, spot: Spot) -> int | None:
    """A number of tokens (None for null); LiteLLM writes some as `4096.0`, which is still a whole number."""
    if value is None:
        return None
    whole = isinstance(value, (int, Decimal)) and not isinstance(value, bool) and Decimal(value).is_finite() \
        and Decimal(value) == Decimal(value).to_integral_value()
    if not whole or value < 0 or Decimal(value).adjusted() > 12:
        raise spot.error(f"{where} is {value!r}, not a number of tokens")
    return int(value)


def number(value: Any, where: str, spot: Spot) -> Decimal | None:
    """A price as an exact Decimal (None for null), float noise beyond 15 digits rounded off."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)) or not Decimal(value).is_finite():
        raise spot.error(f"{where} is {value!r}, not a number")
    if value < 0:
        raise spot.error(f"{where} is negative ({value})")
    number = Decimal(value)
    if number and not -30 < number.adjusted() < 7:  # per token; a million dollars per token is no price
        raise spot.error(f"{where} is {value}, not a plausible price")
    return _ROUND.plus(number) if len(number.as_tuple().digits) > FLOAT_DIGITS else number


def _litellm_models(data: dict[str, Any], path: Path, text: str) -> tuple[PeerModel, ...]:
    models = []
    for name, entry in data.items():
        if name == "sample_spec" or not isinstance(entry, dict):
            continue
        provider = entry.get("litellm_provider")
        provider = provider if isinstance(provider, str) else ""
        if provider == "gemini" or (not provider and name.startswith("gemini/")):
            platform = "gemini-api"
        elif provider.startswith("vertex_ai") or (not provider and name.startswith("vertex_ai/")):
            platform = "vertex-ai"
        else:
            continue
        spot = Spot(path, text, re.escape(json.dumps(name)) + r"\s*:")
        tiers: dict[str, list[tuple[int, Decimal]]] = {}
        for key, value in entry.items():
            found = _LITELLM_TIER.fullmatch(key)
            tiered = found.group(1) + (found.group(3) or "") if found else ""
            price = number(value, f"{name!r} {key}", spot) if found and tiered in _TIERED_FIELDS else None
            if found and price is not None:
                tiers.setdefault(tiered, []).append((int(found.group(2)) * 1000, price * _MILLION))
        prices = {key: _litellm_price(number(entry.get(field_name), f"{name!r} {field_name}", spot),
                                      tiers.get(field_name, []))
                  for key, field_name in _LITELLM_FIELDS.items()}
        per_image = number(entry.get(_LITELLM_PER_IMAGE), f"{name!r} {_LITELLM_PER_IMAGE}", spot)
        prices["image_output_per_image"] = None if per_image is None else PeerPrice(per_image)
        lookup = name.removeprefix("gemini/").removeprefix("vertex_ai/")
        models.append(PeerModel(
            platform, name, lookup, (Dated(None, PeerPrices(**prices)),),
            context_window=count(entry.get(_LITELLM_CONTEXT_WINDOW), f"{name!r} {_LITELLM_CONTEXT_WINDOW}", spot),
            min_cache_tokens=count(entry.get(_LITELLM_MIN_CACHE), f"{name!r} {_LITELLM_MIN_CACHE}", spot)))
    return tuple(models)


def _litellm_price(per_token: Decimal | None, tiers: list[tuple[int, Decimal]]) -> PeerPrice | None:
    """A per-token figure times 1,000,000 (exact in Decimal), with its `_above_<N>k_tokens` tiers."""
    if per_token is None and not tiers:
        return None
    return PeerPrice(None if per_token is None else per_token * _MILLION, tuple(sorted(tiers)))
