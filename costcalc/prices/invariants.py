"""Invariants a valid price table keeps, beyond its schema; each problem names its data path."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from costcalc.prices.schema import MODALITY_PRICE_FIELDS, ModelPrices, Price, PriceFile, PricePeriod, TieredPrice

DataPath = tuple[Any, ...]

_PRICE_FIELDS = ("input_mtok", "output_mtok", "cached_mtok", "batch_input_mtok", "batch_output_mtok",
                 "batch_cached_mtok", *MODALITY_PRICE_FIELDS)
_PAIRS = (("cached_mtok", "input_mtok"), ("batch_cached_mtok", "batch_input_mtok"),
          ("audio_cached_mtok", "audio_input_mtok"), ("batch_audio_cached_mtok", "batch_audio_input_mtok"))
_BATCH_TWINS = tuple((name, name.removeprefix("batch_")) for name in MODALITY_PRICE_FIELDS if name.startswith("batch_"))
IMAGE_PRICE_TOLERANCE = Decimal("0.005")
"""How far a published per-image price may be from its tokens at `image_output_mtok`: the page rounds per-image
prices to tenths of a cent (1,290 x $30 / 1M = $0.0387, published as $0.039), never by half a cent."""


@dataclass(frozen=True)
class Problem:
    """One broken invariant, at a path into the file's data."""

    path: DataPath
    message: str
    other: DataPath | None = None
    """For a duplicate: where the name was first seen."""


def check_file(price_file: PriceFile, today: date | None = None) -> list[Problem]:
    """Every invariant of one file; an empty list means it is sound."""
    today = today or date.today()
    problems: list[Problem] = []
    for m_index, model in enumerate(price_file.models):
        problems.extend(_check_model(model, ("models", m_index), today))
    problems.extend(check_unique([(("models", i), m) for i, m in enumerate(price_file.models)]))
    return problems


def check_unique(models: Iterable[tuple[DataPath, ModelPrices]]) -> list[Problem]:
    """No id or alias may name two models of one platform."""
    seen: dict[str, tuple[DataPath, str]] = {}
    problems = []
    for path, model in models:
        for a_index, name in enumerate((model.id, *model.aliases)):
            key = name.lower()
            where = path + (("id",) if a_index == 0 else ("aliases", a_index - 1))
            if key in seen:
                first, owner = seen[key]
                problems.append(Problem(where, f"{name!r} already names {owner}; ids and aliases must be unique "
                                        "within a platform", first))
            else:
                seen[key] = (where, model.id)
    return problems


def _check_model(model: ModelPrices, path: DataPath, today: date) -> Iterator[Problem]:
    if not model.periods:
        yield Problem((*path, "periods"), f"{model.id} has no price periods; add at least one")
    for name in ("context_window_tokens", "long_context_threshold"):
        value = getattr(model, name)
        if value is not None and not 0 < value <= MAX_TOKENS:
            yield Problem((*path, name), f"{name} must be positive and at most {MAX_TOKENS:,}, got {value:,}")
    if model.caching == "implicit" and model.implicit_caching_since is None:
        yield Problem((*path, "caching"), f"{model.id} has caching: implicit but no implicit_caching_since; "
                      "give the day implicit cache hits started")
    if model.implicit_caching_since is not None and model.caching == "none":
        yield Problem((*path, "implicit_caching_since"), f"{model.id} has caching: none; remove "
                      "implicit_caching_since or set caching: implicit")
    for index, minimum in enumerate(model.min_cache_tokens):
        if not 0 < minimum.tokens <= MAX_TOKENS:
            yield Problem((*path, "min_cache_tokens", index, "tokens"), "minimum cacheable tokens must be positive")
        if index and minimum.doc_date <= model.min_cache_tokens[index - 1].doc_date:
            yield Problem((*path, "min_cache_tokens", index, "doc_date"),
                          "min_cache_tokens are not sorted: list them by ascending doc_date")
    for index, period in enumerate(model.periods):
        where = (*path, "periods", index)
        if index and period.effective <= model.periods[index - 1].effective:
            previous = model.periods[index - 1].effective
            yield Problem((*where, "effective"), f"periods are not sorted: {period.effective} must come after "
                          f"{previous}; move this period before that one or fix the date")
        yield from _check_period(model, period, where, today)


def _check_period(model: ModelPrices, period: PricePeriod, path: DataPath, today: date) -> Iterator[Problem]:
    if not period.sources or not all(s.url.strip() for s in period.source_records()):
        yield Problem((*path, "sources"), "every period needs at least one source URL")
    if period.checked > today:
        yield Problem((*path, "checked"), f"checked date {period.checked} is in the future; use the day you checked")
    for name in _PRICE_FIELDS:
        price: Price | None = getattr(period, name)
        if price is None:
            continue
        if isinstance(price, TieredPrice):
            if model.long_context_threshold is None:
                yield Problem((*path, name), f"{name} is split in tiers but {model.id} has no "
                              "long_context_threshold; give one price or set the threshold")
            if price.upper < price.lower:
                yield Problem((*path, name), f"{name}: upper tier {price.upper} is below lower tier {price.lower}")
        elif model.long_context_threshold is not None and name in MODALITY_PRICE_FIELDS:
            yield Problem((*path, name), f"{name} is one flat price but {model.id} has a long-context threshold; "
                          "give it as {lower, upper} like the text prices (repeat the figure if both tiers agree)")
        problem = next(filter(None, (_implausible(value) for value in _figures(price))), None)
        if problem:
            yield Problem((*path, name), f"{name} {problem}")
    for cached_name, input_name in _PAIRS:
        cached, given = getattr(period, cached_name), getattr(period, input_name)
        if cached is not None and given is not None:
            for tier, (c, i) in enumerate(zip(_figures(cached, given), _figures(given, cached), strict=True)):
                if c > i:
                    yield Problem((*path, cached_name), f"{cached_name} {c} is above {input_name} {i}"
                                  f"{' (upper tier)' if tier else ''}; a cached read never costs more than input")
    yield from _check_modalities(model, period, path)
    yield from _check_storage(model, period, path)


def _check_modalities(model: ModelPrices, period: PricePeriod, path: DataPath) -> Iterator[Problem]:
    for batch_name, standard_name in _BATCH_TWINS:
        if getattr(period, batch_name) is not None and getattr(period, standard_name) is None:
            yield Problem((*path, batch_name), f"{batch_name} is set without {standard_name}; a batch price needs "
                          "the standard price it discounts: add it or remove the batch figure")
    if model.caching == "none" and period.audio_cached_mtok is not None:
        yield Problem((*path, "audio_cached_mtok"), f"{model.id} has caching: none but a cached audio price; "
                      "remove it or set caching: implicit or explicit")
    if period.image_output_sizes and period.image_output_mtok is None:
        yield Problem((*path, "image_output_sizes"), "image_output_sizes needs image_output_mtok, the price of the "
                      "image tokens each size counts; add it")
    for index, size in enumerate(period.image_output_sizes):
        where = (*path, "image_output_sizes", index)
        if not 0 < size.tokens <= MAX_TOKENS:
            yield Problem((*where, "tokens"), f"image size {size.size!r}: tokens must be positive, got {size.tokens}")
            continue
        problem = _implausible(size.usd_per_image)
        if problem:
            yield Problem((*where, "usd_per_image"), f"image size {size.size!r}: usd_per_image {problem}")
            continue
        rate = period.image_output_mtok
        if isinstance(rate, TieredPrice):
            rate = rate.lower  # a published per-image price is that of an ordinary (lower-tier) request
        if rate is not None:
            worked = size.tokens * rate / 1_000_000
            if abs(worked - size.usd_per_image) > IMAGE_PRICE_TOLERANCE:
                yield Problem((*where, "usd_per_image"), f"image size {size.size!r}: {size.tokens:,} tokens x "
                              f"${rate} / 1M = ${worked}, not ${size.usd_per_image} (more than "
                              f"${IMAGE_PRICE_TOLERANCE} apart); fix the tokens, the price or image_output_mtok")


def _check_storage(model: ModelPrices, period: PricePeriod, path: DataPath) -> Iterator[Problem]:
    for storage_name, cached_name in (("storage_mtok_hour", "cached_mtok"),
                                      ("batch_storage_mtok_hour", "batch_cached_mtok")):
        storage, cached = getattr(period, storage_name), getattr(period, cached_name)
        if storage is not None and _implausible(storage):
            yield Problem((*path, storage_name), f"{storage_name} {_implausible(storage)}")
        if storage is not None and model.caching != "explicit":
            yield Problem((*path, storage_name), f"{storage_name} is set but {model.id} has caching: "
                          f"{model.caching}; storage exists only with explicit caching")
        elif storage is not None and cached is None:
            yield Problem((*path, storage_name), f"{storage_name} is set without {cached_name}; "
                          "an explicit cache needs a read price too")
        elif (storage is None and cached is not None and model.caching == "explicit"
              and storage_name == "storage_mtok_hour" and not period.note):
            yield Problem((*path, cached_name), f"{model.id} has explicit caching but this period has no "
                          "storage_mtok_hour; add it, or say in note why it is unknown")
    if model.caching == "none" and period.cached_mtok is not None:
        yield Problem((*path, "cached_mtok"), f"{model.id} has caching: none but a cached price; "
                      "set caching: implicit or explicit")


MAX_PRICE = Decimal(1_000_000)
MAX_PLACES = 12
MAX_TOKENS = 10**12


def _implausible(value: Decimal) -> str | None:
    """Why a price cannot be real; the bounds also keep exact arithmetic on hostile tables cheap."""
    if not value.is_finite():
        return f"is {value}, not a price"
    if value < 0:
        return "is negative"
    if value == 0:  # a zero would bill a bucket at nothing without anyone noticing: absent is said by leaving it out
        return "is 0; no Gemini price is free: leave the field out where there is no such price"
    if value > MAX_PRICE:
        return f"is above ${MAX_PRICE:,} per 1M; check the number"
    if value != 0 and value.normalize().as_tuple().exponent < -MAX_PLACES:  # type: ignore[operator]
        return f"has more than {MAX_PLACES} decimal places; round it"
    return None


def _figures(price: Price, shape: Price | None = None) -> tuple[Decimal, ...]:
    """A price as (lower, upper), spreading a flat figure over both tiers when compared with a tiered one."""
    if isinstance(price, TieredPrice):
        return (price.lower, price.upper)
    return (price, price) if isinstance(shape, TieredPrice) else (price,)
