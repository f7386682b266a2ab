"""genai-prices' data JSON: its Google models, as PeerModels with prices per 1M tokens (see `peer_feeds`)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date
from typing import Any

from costcalc.prices.peer_feeds import Dated, PeerModel, PeerPrice, PeerPrices, Spot, Spots, count, number

# genai-prices' per-1M fields by the PeerPrices figure they give (`processing: batch` variants give the batch ones).
_GENAI_FIELDS = {"input": "input_mtok", "output": "output_mtok", "cached": "cache_read_mtok",
                 "reasoning_output": "output_reasoning_mtok", "audio_input": "input_audio_mtok",
                 "audio_cached": "cache_audio_read_mtok", "image_input": "input_image_mtok",
                 "video_input": "input_video_mtok", "audio_output": "output_audio_mtok",
                 "image_output": "output_image_mtok"}


def genai_models(providers: list[dict[str, Any]], spots: Spots) -> tuple[PeerModel, ...]:
    """genai-prices' Google models (prices already per 1M tokens); other providers are not Gemini.

    genai-prices lists Google once for the Gemini API and Vertex AI alike; its prices are the Gemini API's.
    """
    models = []
    for provider in providers:
        if provider.get("id") != "google":
            continue
        for raw in provider["models"]:
            if not isinstance(raw, dict) or not isinstance(raw.get("id"), str):
                raise spots.at('"google"').error("a genai-prices google model has no string id")
            model_id = raw["id"]
            spot = spots.at(r'"id"\s*:\s*' + re.escape(json.dumps(model_id)))
            prices = raw.get("prices")
            conditional = prices if isinstance(prices, list) else [{"prices": prices or {}}]
            standard = tuple(_dated(c, model_id, spot) for c in conditional if isinstance(c, dict))
            batch = tuple(_dated(v, model_id, spot) for v in raw.get("price_variants") or ()
                          if isinstance(v, dict) and v.get("when") == {"processing": "batch"})
            matches = _clause(raw["match"]) if isinstance(raw.get("match"), dict) else None
            window = count(raw.get("context_window"), f"{model_id!r} context_window", spot)
            models.append(PeerModel("gemini-api", model_id, model_id, standard, batch, matches, window))
    return tuple(models)


def _dated(conditional: dict[str, Any], model_id: str, spot: Spot) -> Dated:
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


def _genai_price(value: Any, where: str, spot: Spot) -> PeerPrice | None:
    """A number, or TieredPrices `{base, tiers: [{start, price}]}`; both already USD per 1M tokens."""
    if not isinstance(value, dict):
        price = number(value, where, spot)
        return None if price is None else PeerPrice(price)
    tiers = []
    for tier in value.get("tiers") or ():
        start = tier.get("start") if isinstance(tier, dict) else None
        price = number(tier.get("price"), f"{where} tier price", spot) if isinstance(tier, dict) else None
        if not isinstance(start, int) or isinstance(start, bool) or price is None:
            raise spot.error(f"{where} has a tier without a whole-number start and a price")
        tiers.append((start, price))
    return PeerPrice(number(value.get("base"), f"{where} base", spot), tuple(sorted(tiers)))


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
