"""Exact money for integer aggregates: each aggregate key is priced once (docs/usage-billing.md, Money).

Any engine that produces `dict[AggregateKey, Counts]` calls `price_aggregates` and gets the same amounts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from costcalc.cost.money import MILLION, SECONDS_PER_HOUR, exact, token_cost
from costcalc.errors import CostcalcError
from costcalc.prices.modality import Modality, Use, modality_price
from costcalc.prices.model import pick
from costcalc.prices.schema import PricePeriod
from costcalc.prices.tables import PriceTables
from costcalc.usage.counts import AggregateKey, Aggregates, Counts
from costcalc.usage.times import NS_PER_SECOND

STORAGE_PLACES = 20
"""Storage (which divides by 3600) is rounded half to even to 10^-20 USD, once per aggregate key."""
_STORAGE_DIVISOR = MILLION * SECONDS_PER_HOUR * NS_PER_SECOND
_ZERO = Decimal(0)


def round_places(value: Fraction, places: int = STORAGE_PLACES) -> Decimal:
    """`value` rounded half to even to `places` decimals, exactly (Fraction rounding, no float), without
    trailing zeros."""
    units = round(value * 10**places)
    while places > 0 and units % 10 == 0:
        units //= 10
        places -= 1
    return Decimal(units).scaleb(-places)


def storage_token_hours(token_ns: int) -> Decimal:
    """Token-hours of `token_ns` token-nanoseconds, rounded like storage money."""
    return round_places(Fraction(token_ns, SECONDS_PER_HOUR * NS_PER_SECOND))


@dataclass(frozen=True)
class Buckets:
    """Money per bucket, USD."""

    fresh_input: Decimal = _ZERO
    """Uncached prompt tokens (tool-use prompt included) at the input price."""
    cached_input: Decimal = _ZERO
    """Cached prompt tokens (implicit hits and explicit-cache reads) at the cached price."""
    output: Decimal = _ZERO
    """Candidates and thinking tokens at the output price."""
    creation: Decimal = _ZERO
    """Caches' tokens billed once as standard input when created."""
    storage: Decimal = _ZERO
    """Caches' tokens x hours at the storage price."""

    @property
    def total(self) -> Decimal:
        return self.fresh_input + self.cached_input + self.output + self.creation + self.storage

    @exact
    def __add__(self, other: Buckets) -> Buckets:
        return Buckets(self.fresh_input + other.fresh_input, self.cached_input + other.cached_input,
                       self.output + other.output, self.creation + other.creation, self.storage + other.storage)


@dataclass(frozen=True)
class AggregateRates:
    """The prices one aggregate key was billed at, USD per 1M tokens (storage: per hour); None: not used.

    The text prices bill what is left of each total after its modality parts (TEXT and DOCUMENT); each modality
    price bills its part (docs/billing-rules.md, "Modalities"). Batch keys show the batch figures."""

    input_mtok: Decimal | None
    cached_mtok: Decimal | None
    output_mtok: Decimal | None
    creation_input_mtok: Decimal | None
    """Standard input price at the key's tier (cache creation is never batch)."""
    storage_mtok_hour: Decimal | None
    audio_input_mtok: Decimal | None = None
    """Set when the key has fresh or cached AUDIO tokens (cached ones are input in the cost without caching)."""
    image_input_mtok: Decimal | None = None
    video_input_mtok: Decimal | None = None
    audio_cached_mtok: Decimal | None = None
    image_cached_mtok: Decimal | None = None
    video_cached_mtok: Decimal | None = None
    audio_output_mtok: Decimal | None = None
    image_output_mtok: Decimal | None = None
    creation_audio_input_mtok: Decimal | None = None
    """Standard audio input price at the key's tier: caches' audio tokens at creation."""


MODALITY_ROWS = ("TEXT", "AUDIO", "IMAGE", "VIDEO", "ALL")
"""The rows of the modality breakdown: TEXT includes DOCUMENT (always at the text price); ALL is storage, one
price for every modality."""


@dataclass(frozen=True)
class ModalityTokens:
    """Tokens of one modality in each bucket (TEXT: what is left of each total after the parts)."""

    fresh_input: int = 0
    cached_input: int = 0
    output: int = 0
    creation: int = 0

    def __add__(self, other: ModalityTokens) -> ModalityTokens:
        return ModalityTokens(self.fresh_input + other.fresh_input, self.cached_input + other.cached_input,
                              self.output + other.output, self.creation + other.creation)


def modality_tokens(counts: Counts) -> dict[str, ModalityTokens]:
    """Tokens per modality row (ALL has none: storage is token-time, in `storage_token_ns`)."""
    audio = ModalityTokens(counts.fresh_audio_tokens, counts.cached_audio_tokens, counts.output_audio_tokens,
                           counts.creation_audio_tokens)
    image = ModalityTokens(counts.fresh_image_tokens, counts.cached_image_tokens, counts.output_image_tokens)
    video = ModalityTokens(counts.fresh_video_tokens, counts.cached_video_tokens)
    text = ModalityTokens(
        counts.fresh_input_tokens - audio.fresh_input - image.fresh_input - video.fresh_input,
        counts.cached_input_tokens - audio.cached_input - image.cached_input - video.cached_input,
        counts.output_tokens - audio.output - image.output, counts.creation_tokens - audio.creation)
    return {"TEXT": text, "AUDIO": audio, "IMAGE": image, "VIDEO": video, "ALL": ModalityTokens()}


@dataclass(frozen=True)
class PricedAggregate:
    """One aggregate key, its integer counts, the prices used and the money."""

    key: AggregateKey
    counts: Counts
    rates: AggregateRates
    money: Buckets
    without_caching: Decimal
    """The same responses with every cached token at the input price of its modality, and no creation or
    storage."""
    by_modality: dict[str, tuple[Buckets, Decimal]] = field(default_factory=dict)
    """Money and without-caching money per MODALITY_ROWS row that has any (they add up to `money` and
    `without_caching`)."""


def _period(tables: PriceTables, platform: str, key: AggregateKey) -> PricePeriod:
    for period in tables.find_model(key.model, platform).model.periods:
        if period.effective == key.period:
            return period
    raise CostcalcError(f"{key.model} has no price period starting {key.period} in the loaded tables")


def _need(price: Decimal | None, what: str, key: AggregateKey) -> Decimal:
    if price is None:  # an engine let through a record the rules refuse
        raise CostcalcError(f"{key.model} has no {what} in the period from {key.period}, but {key} bills it")
    return price


def _rate(period: PricePeriod, use: Use, modality: Modality, key: AggregateKey, batch: bool, tokens: int
          ) -> Decimal | None:
    """The price of `tokens` of `modality` as `use` (None when there are none to bill)."""
    if not tokens:
        return None
    return _need(modality_price(period, use, modality, key.tier, batch), f"{modality} {use} price", key)


@exact
def price_aggregate(key: AggregateKey, counts: Counts, period: PricePeriod) -> PricedAggregate:
    """Money of one key: each modality part x its price and the rest x the text price, / 1M; storage token-ns x
    price / (1M x 3600 x 10^9)."""
    tier, batch = key.tier, key.batch
    used = counts.responses > 0
    tokens = modality_tokens(counts)
    text, audio, image, video = tokens["TEXT"], tokens["AUDIO"], tokens["IMAGE"], tokens["VIDEO"]
    rates = AggregateRates(
        pick(period.batch_input_mtok if batch else period.input_mtok, tier) if used else None,
        pick(period.batch_cached_mtok if batch else period.cached_mtok, tier) if text.cached_input else None,
        pick(period.batch_output_mtok if batch else period.output_mtok, tier) if used else None,
        pick(period.input_mtok, tier) if text.creation else None,
        period.storage_mtok_hour if counts.storage_token_ns else None,
        _rate(period, "input", "AUDIO", key, batch, audio.fresh_input + audio.cached_input),
        _rate(period, "input", "IMAGE", key, batch, image.fresh_input + image.cached_input),
        _rate(period, "input", "VIDEO", key, batch, video.fresh_input + video.cached_input),
        _rate(period, "cached", "AUDIO", key, batch, audio.cached_input),
        _rate(period, "cached", "IMAGE", key, batch, image.cached_input),
        _rate(period, "cached", "VIDEO", key, batch, video.cached_input),
        _rate(period, "output", "AUDIO", key, batch, audio.output),
        _rate(period, "output", "IMAGE", key, batch, image.output),
        _rate(period, "input", "AUDIO", key, False, audio.creation))
    prices = {  # (input, cached, output, creation) per modality row
        "TEXT": (rates.input_mtok, rates.cached_mtok, rates.output_mtok, rates.creation_input_mtok),
        "AUDIO": (rates.audio_input_mtok, rates.audio_cached_mtok, rates.audio_output_mtok,
                  rates.creation_audio_input_mtok),
        "IMAGE": (rates.image_input_mtok, rates.image_cached_mtok, rates.image_output_mtok, None),
        "VIDEO": (rates.video_input_mtok, rates.video_cached_mtok, None, None)}
    by_modality: dict[str, tuple[Buckets, Decimal]] = {}
    for row, (input_price, cached_price, output_price, creation_price) in prices.items():
        part = tokens[row]
        if part == ModalityTokens() and not (row == "TEXT" and used):
            continue
        money = Buckets(_cost(part.fresh_input, input_price, f"{row} input price", key),
                        _cost(part.cached_input, cached_price, f"{row} cached price", key),
                        _cost(part.output, output_price, f"{row} output price", key),
                        _cost(part.creation, creation_price, f"{row} input price", key))
        without = _ZERO
        if used:
            without = _cost(part.fresh_input + part.cached_input, input_price, f"{row} input price", key) + \
                money.output
        by_modality[row] = (money, without)
    if counts.storage_token_ns:
        price = _need(rates.storage_mtok_hour, "storage price", key)
        storage = round_places(Fraction(counts.storage_token_ns) * Fraction(price) / _STORAGE_DIVISOR)
        by_modality["ALL"] = (Buckets(storage=storage), _ZERO)
    money = sum((item[0] for item in by_modality.values()), Buckets())
    without = sum((item[1] for item in by_modality.values()), _ZERO)
    return PricedAggregate(key, counts, rates, money, without, by_modality)


def _cost(tokens: int, price: Decimal | None, what: str, key: AggregateKey) -> Decimal:
    return token_cost(tokens, _need(price, what, key)) if tokens else _ZERO


def price_aggregates(aggregates: Aggregates, tables: PriceTables, platform: str) -> list[PricedAggregate]:
    """Every key priced once, in key order."""
    periods: dict[tuple[str, date], PricePeriod] = {}
    priced = []
    for key, counts in sorted(aggregates.items()):
        period = periods.get((key.model, key.period))
        if period is None:
            period = periods[key.model, key.period] = _period(tables, platform, key)
        priced.append(price_aggregate(key, counts, period))
    return priced
