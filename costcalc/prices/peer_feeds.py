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

# LiteLLM's per-token fields, by the costcalc price they correspond to; `<field>_above_<N>k_tokens` are the tiers.
_LITELLM_FIELDS = {"input": "input_cost_per_token", "output": "output_cost_per_token",
                   "cached": "cache_read_input_token_cost", "batch_input": "input_cost_per_token_batches",
                   "batch_output": "output_cost_per_token_batches"}
# genai-prices' per-1M fields, likewise (`processing: batch` variants supply the batch figures).
_GENAI_FIELDS = {"input": "input_mtok", "output": "output_mtok", "cached": "cache_read_mtok"}
_LITELLM_TIER = re.compile(r"(.+)_above_(\d{1,7})k_tokens")
_TIERED_FIELDS = frozenset(_LITELLM_FIELDS.values())


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

    def prices_on(self, day: date) -> PeerPrices:
        """The peer's prices in force on `day`, with batch figures from the variants active then."""
        standard = next((d.prices for d in reversed(self.standard) if d.start is None or d.start <= day),
                        self.standard[0].prices if self.standard else PeerPrices())
        batch: dict[str, PeerPrice] = {}
        for variant in self.batch:
            if variant.start is None or variant.start <= day:
                for name in ("input", "output"):
                    value = getattr(variant.prices, name)
                    if value is not None:
                        batch.setdefault(f"batch_{name}", value)
        return replace(standard, **batch) if batch else standard


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
    if isinstance(data, dict) and isinstance(data.get("providers"), list) and _providers(data["providers"]):
        return Feed(str(path), "genai-prices", _genai_models(data["providers"], path, text))
    if isinstance(data, list) and data and _providers(data):
        return Feed(str(path), "genai-prices", _genai_models(data, path, text))
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
class _Spot:
    """A model's place in the feed; its line is looked up only when something there is wrong."""

    path: Path
    text: str
    pattern: str
    """Regular expression for the model's name in the file."""

    def error(self, problem: str) -> PricingFileError:
        line = _line_of(self.text, self.pattern)
        return PricingFileError(f"{self.path}:{line}: {problem}; fix or re-download the feed")


def _number(value: Any, where: str, spot: _Spot) -> Decimal | None:
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
        spot = _Spot(path, text, re.escape(json.dumps(name)) + r"\s*:")
        tiers: dict[str, list[tuple[int, Decimal]]] = {}
        for key, value in entry.items():
            found = _LITELLM_TIER.fullmatch(key)
            found = found if found and found.group(1) in _TIERED_FIELDS else None
            number = _number(value, f"{name!r} {key}", spot) if found else None
            if found and number is not None:
                tiers.setdefault(found.group(1), []).append((int(found.group(2)) * 1000, number * _MILLION))
        prices = {key: _litellm_price(_number(entry.get(field_name), f"{name!r} {field_name}", spot),
                                      tiers.get(field_name, []))
                  for key, field_name in _LITELLM_FIELDS.items()}
        lookup = name.removeprefix("gemini/").removeprefix("vertex_ai/")
        models.append(PeerModel(platform, name, lookup, (Dated(None, PeerPrices(**prices)),)))
    return tuple(models)


def _litellm_price(per_token: Decimal | None, tiers: list[tuple[int, Decimal]]) -> PeerPrice | None:
    """A per-token figure times 1,000,000 (exact in Decimal), with its `_above_<N>k_tokens` tiers."""
    if per_token is None and not tiers:
        return None
    return PeerPrice(None if per_token is None else per_token * _MILLION, tuple(sorted(tiers)))


def _genai_models(providers: list[dict[str, Any]], path: Path, text: str) -> tuple[PeerModel, ...]:
    """genai-prices' Google models (prices already per 1M tokens); other providers are not Gemini."""
    models = []
    for provider in providers:
        if provider.get("id") != "google":
            continue
        for raw in provider["models"]:
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                raise _Spot(path, text, '"google"').error("a genai-prices google model has no string id")
            model_id = raw["id"]
            spot = _Spot(path, text, r'"id"\s*:\s*' + re.escape(json.dumps(model_id)))
            prices = raw.get("prices")
            conditional = prices if isinstance(prices, list) else [{"prices": prices or {}}]
            standard = tuple(_dated(c, model_id, spot) for c in conditional if isinstance(c, dict))
            batch = tuple(_dated(v, model_id, spot) for v in raw.get("price_variants") or ()
                          if isinstance(v, dict) and v.get("when") == {"processing": "batch"})
            matches = _clause(raw["match"]) if isinstance(raw.get("match"), dict) else None
            models.append(PeerModel("gemini-api", model_id, model_id, standard, batch, matches))
    return tuple(models)


def _dated(conditional: dict[str, Any], model_id: str, spot: _Spot) -> Dated:
    """A conditional price or variant: its `start_date` (a time-of-day constraint never holds all day) and prices."""
    raw = conditional.get("prices")
    prices = PeerPrices(**{key: _genai_price(raw.get(name), f"{model_id!r} {name}", spot)
                           for key, name in _GENAI_FIELDS.items()}) if isinstance(raw, dict) else PeerPrices()
    constraint = conditional.get("constraint")
    if not isinstance(constraint, dict):
        return Dated(None, prices)
    if "start_date" not in constraint:
        return Dated(date.max, prices)
    try:
        return Dated(date.fromisoformat(str(constraint["start_date"])), prices)
    except ValueError:
        raise spot.error(f"{model_id!r} has start_date {constraint['start_date']!r}, not YYYY-MM-DD") from None


def _genai_price(value: Any, where: str, spot: _Spot) -> PeerPrice | None:
    """A number, or TieredPrices `{base, tiers: [{start, price}]}`; both already USD per 1M tokens."""
    if not isinstance(value, dict):
        number = _number(value, where, spot)
        return None if number is None else PeerPrice(number)
    tiers = []
    for tier in value.get("tiers") or ():
        start = tier.get("start") if isinstance(tier, dict) else None
        price = _number(tier.get("price"), f"{where} tier price", spot) if isinstance(tier, dict) else None
        if not isinstance(start, int) or isinstance(start, bool) or price is None:
            raise spot.error(f"{where} has a tier without a whole-number start and a price")
        tiers.append((start, price))
    return PeerPrice(_number(value.get("base"), f"{where} base", spot), tuple(sorted(tiers)))


def _clause(raw: dict[str, Any]) -> Callable[[str], bool]:
    """genai-prices' match logic as a predicate on a lower-case name; an unknown or bad rule matches nothing."""
    if len(raw) != 1:
        return lambda name: False
    ((kind, argument),) = raw.items()
    if kind in ("or", "and") and isinstance(argument, list):
        parts = [_clause(part) for part in argument if isinstance(part, dict)]
        combine = any if kind == "or" else all
        return lambda name: combine(part(name) for part in parts)
    if not isinstance(argument, str):
        return lambda name: False
    if kind == "regex":
        try:
            pattern = re.compile(argument)
        except re.error:
            return lambda name: False
        return lambda name: pattern.search(name) is not None
    wanted = argument.lower()
    tests: dict[str, Callable[[str], bool]] = {
        "equals": lambda name: name == wanted, "starts_with": lambda name: name.startswith(wanted),
        "ends_with": lambda name: name.endswith(wanted), "contains": lambda name: wanted in name}
    return tests.get(kind, lambda name: False)
