"""`costcalc pricing check --against FEED`: the figures in force on a date compared with a peer's published feed.

The peer is LiteLLM (`model_prices_and_context_window.json`) or genai-prices (`data.json`), read from a local file
(see `costcalc.prices.peer_feeds`; nothing is downloaded). Every matched model is compared figure by figure, exactly,
and every comparison is listed in `CheckReport.compared_figures` as `agree`, `differ` or `missing`:

* Prices both sides state for every model: `input_mtok`, `output_mtok`, `cached_mtok`, `batch_input_mtok`,
  `batch_output_mtok`, `batch_cached_mtok`. A figure on one side only is `missing` (`ours` or `peer` is null).
  Where either side has a long-context tier the field is split into `.lower` (costcalc's lower tier vs the
  peer's base) and `.upper` (costcalc's upper tier vs the peer's tier at costcalc's threshold, e.g. LiteLLM's
  `*_above_200k_tokens`, or the peer's last tier).
* Figures compared only where the peer states them: `reasoning_output_mtok` (the peer's thinking-token price, e.g.
  LiteLLM's `output_cost_per_reasoning_token`, against costcalc's `output_mtok`: Gemini bills thinking as
  output), `context_window_tokens` and `min_cache_tokens` (the minimum in force on the date); and the modality
  prices: `audio_input_mtok`, `audio_cached_mtok` and their batch twins, `image_input_mtok`, `video_input_mtok`,
  `audio_output_mtok`, `image_output_mtok`, `batch_image_output_mtok` (genai-prices' `input_audio_mtok`,
  `cache_audio_read_mtok`, `output_audio_mtok`...; LiteLLM's `input_cost_per_audio_token`,
  `cache_read_input_audio_token_cost`, `output_cost_per_audio_token`...), and `image_output_usd_per_image`
  (LiteLLM's `output_cost_per_image` against costcalc's first `image_output_sizes` price). A peer without a
  modality price bills that modality at its text price, which says nothing about a modality price of costcalc's.

`CheckReport.ok` is True when at least one figure was compared and every one agrees: a figure one side lacks fails
the check too, because a price missing from a table silently prices a request at nothing. Skipped (listed with the
reason): models without a costcalc price on the date, periods billed per character (Vertex AI's Gemini 1.0/1.5),
and feed entries that name a model the feed already has under its costcalc id. Feed models that name no costcalc
model are only counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from costcalc.errors import CostcalcError
from costcalc.prices.model import PricedModel, find_period, min_cache_tokens
from costcalc.prices.peer_feeds import Feed, PeerModel, PeerPrice, PeerPrices, load_feed
from costcalc.prices.peer_match import match_models
from costcalc.prices.schema import Price, PricePeriod, TieredPrice
from costcalc.prices.tables import PriceTables

__all__ = ["CheckReport", "ComparedFigure", "Disagreement", "ModelMatch", "check_against", "load_feed"]

Kind = Literal["differs", "missing_in_peer", "missing_in_costcalc"]
Status = Literal["agree", "differ", "missing"]
# (field, costcalc PricePeriod field, PeerPrices field, compared only where the peer states it)
_PRICE_FIELDS = (("input_mtok", "input_mtok", "input", False), ("output_mtok", "output_mtok", "output", False),
                 ("cached_mtok", "cached_mtok", "cached", False),
                 ("batch_input_mtok", "batch_input_mtok", "batch_input", False),
                 ("batch_output_mtok", "batch_output_mtok", "batch_output", False),
                 ("batch_cached_mtok", "batch_cached_mtok", "batch_cached", False),
                 ("reasoning_output_mtok", "output_mtok", "reasoning_output", True),
                 *((name, name, name.removesuffix("_mtok"), True) for name in (
                     "audio_input_mtok", "audio_cached_mtok", "batch_audio_input_mtok", "batch_audio_cached_mtok",
                     "image_input_mtok", "video_input_mtok", "audio_output_mtok", "image_output_mtok",
                     "batch_image_output_mtok")))
_PER_IMAGE = "image_output_usd_per_image"
"""USD per generated image: costcalc's first published size against the peer's per-image price."""
_COUNT_FIELDS = ("context_window_tokens", "min_cache_tokens")
_FIELD_ORDER = {name: i for i, name in enumerate(
    [f"{name}{tier}" for name, _, _, _ in _PRICE_FIELDS for tier in ("", ".lower", ".upper")] + [_PER_IMAGE]
    + list(_COUNT_FIELDS))}


@dataclass(frozen=True)
class ComparedFigure:
    """One figure of one model as costcalc and the peer state it."""

    platform: str
    model: str
    """costcalc's model id."""
    peer_name: str
    """The feed's name of the model, e.g. `gemini/gemini-2.5-pro`."""
    field: str
    """A price (`cached_mtok`, with `.lower`/`.upper` when tiered; `reasoning_output_mtok`: the peer's thinking-token
    price against costcalc's `output_mtok`), USD per 1M tokens; or a count of tokens (`context_window_tokens`,
    `min_cache_tokens`)."""
    ours: Decimal | int | None
    """costcalc's figure; None: costcalc has none."""
    peer: Decimal | int | None
    """The peer's figure; None: the peer has none."""
    status: Status
    """`agree` (exactly equal), `differ`, or `missing` (one side has no figure)."""


@dataclass(frozen=True)
class Disagreement:
    """One figure of one model on which costcalc and the peer disagree."""

    platform: str
    model: str
    """costcalc's model id."""
    key: str
    """The figure, as `ComparedFigure.field`, e.g. `cached_mtok.upper`."""
    ours: Decimal | int | None
    """costcalc's figure; None: costcalc has no such figure."""
    theirs: Decimal | int | None
    """The peer's figure; None: the peer has no such figure."""
    peer_name: str
    """The feed's name of the model, e.g. `gemini/gemini-2.5-pro`."""
    kind: Kind


@dataclass(frozen=True)
class ModelMatch:
    """A feed model paired with a costcalc model."""

    platform: str
    model: str
    peer_name: str
    reason: str | None = None
    """Why it was not compared (skipped models only)."""


@dataclass(frozen=True)
class CheckReport:
    """Every figure compared between costcalc's tables on `as_of` and one peer feed, and the disagreements."""

    feed: str
    """Path of the feed file."""
    peer: str
    """`LiteLLM` or `genai-prices`."""
    as_of: date
    platform: str | None
    """The only platform checked; None: every platform both sides have."""
    disagreements: tuple[Disagreement, ...]
    compared_models: tuple[ModelMatch, ...]
    skipped_models: tuple[ModelMatch, ...]
    """Matched but not compared: no costcalc price on `as_of`, billed per character, or a name the feed already
    has under the costcalc id."""
    unmatched_feed_models: int
    """Feed models on a checked platform that name no costcalc model."""
    compared_figures: tuple[ComparedFigure, ...] = ()
    """Every figure compared, agreeing or not, model by model."""
    nothing_compared: str | None = None
    """Why no figure was compared, in words; None when some were."""
    ok: bool = field(init=False)
    """True when at least one figure was compared and all agree, not even a figure one side lacks."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", bool(self.compared_figures) and not self.disagreements)


def check_against(tables: PriceTables, feed: Feed, as_of: date, platform: str | None = None) -> CheckReport:
    """Compare the figures in force on `as_of` with the feed's, model by model and figure by figure."""
    platforms = [platform] if platform else tables.platforms()
    if platform:
        tables.models(platform)  # an unloaded platform is the user's error, said once
    peers = [peer for peer in feed.models if peer.platform in platforms]
    matched = match_models(tables, peers)
    figures: list[ComparedFigure] = []
    compared: list[ModelMatch] = []
    skipped: list[ModelMatch] = []
    for i, peer in enumerate(peers):
        if i not in matched:
            continue
        entry, reason = matched[i]
        pair = ModelMatch(peer.platform, entry.model.id, peer.name)
        try:
            period = find_period(entry.model, as_of)
        except CostcalcError:
            reason = reason or f"no costcalc price on {as_of}"
        else:
            reason = reason or (f"billed per {period.unit} from {period.effective}" if period.unit != "token" else None)
        if reason:
            skipped.append(replace(pair, reason=reason))
            continue
        compared.append(pair)
        figures.extend(_compare(entry, period, peer, peer.prices_on(as_of), as_of))
    figures.sort(key=lambda f: (f.platform, f.model, f.peer_name, _FIELD_ORDER[f.field]))
    found = tuple(Disagreement(f.platform, f.model, f.field, f.ours, f.peer, f.peer_name, _kind(f))
                  for f in figures if f.status != "agree")
    unmatched = len(peers) - len(compared) - len(skipped)
    nothing = None if figures else _why_nothing(feed, platforms, peers, skipped, as_of)
    return CheckReport(feed.path, feed.peer, as_of, platform, found, tuple(compared), tuple(skipped), unmatched,
                       tuple(figures), nothing)


def _why_nothing(feed: Feed, platforms: list[str], peers: list[PeerModel], skipped: list[ModelMatch],
                 as_of: date) -> str:
    where = " or ".join(platforms)
    if not peers:
        return f"the {feed.peer} feed lists no {where} models"
    if skipped:
        return (f"each of the {len(skipped)} {feed.peer} model(s) that name a costcalc model was skipped (no costcalc "
                f"price per token on {as_of}, or a second name of a model the feed has under its costcalc id)")
    return f"none of the {len(peers)} {where} models in the {feed.peer} feed names a costcalc model"


def _kind(figure: ComparedFigure) -> Kind:
    if figure.status == "differ":
        return "differs"
    return "missing_in_peer" if figure.peer is None else "missing_in_costcalc"


def _status(ours: Decimal | int | None, peer: Decimal | int | None) -> Status | None:
    if ours is None and peer is None:
        return None
    if ours is None or peer is None:
        return "missing"
    return "differ" if ours != peer else "agree"  # exact: 0.3125 and 0.31 differ


def _compare(entry: PricedModel, period: PricePeriod, peer: PeerModel, prices: PeerPrices,
             as_of: date) -> list[ComparedFigure]:
    threshold = entry.model.long_context_threshold
    found = []

    def add(name: str, ours: Decimal | int | None, theirs: Decimal | int | None) -> None:
        status = _status(ours, theirs)
        if status is not None:
            found.append(ComparedFigure(peer.platform, entry.model.id, peer.name, name, ours, theirs, status))

    for name, ours_field, peer_field, peer_only in _PRICE_FIELDS:
        ours: Price | None = getattr(period, ours_field)
        theirs: PeerPrice | None = getattr(prices, peer_field)
        if peer_only and theirs is None:
            continue
        our_lower, our_upper = (ours.lower, ours.upper) if isinstance(ours, TieredPrice) else (ours, None)
        their_lower = theirs.base if theirs else None
        their_upper = theirs.upper(threshold) if theirs else None
        if peer_only and not (theirs and theirs.tiers):
            our_upper = None  # a flat peer figure says nothing about the upper tier
        if our_upper is None and their_upper is None:
            add(name, our_lower, their_lower)
        else:
            add(f"{name}.lower", our_lower, their_lower)
            add(f"{name}.upper", our_upper, their_upper)
    if prices.image_output_per_image is not None:
        sizes = period.image_output_sizes
        add(_PER_IMAGE, sizes[0].usd_per_image if sizes else None, prices.image_output_per_image.base)
    if peer.context_window is not None:
        add("context_window_tokens", entry.model.context_window_tokens, peer.context_window)
    if peer.min_cache_tokens is not None:
        minimum = min_cache_tokens(entry.model, as_of)
        add("min_cache_tokens", minimum.tokens if minimum else None, peer.min_cache_tokens)
    return found
