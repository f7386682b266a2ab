"""`costcalc pricing check --against FEED`: the prices in force on a date compared with a peer's published feed.

The peer is LiteLLM (`model_prices_and_context_window.json`) or genai-prices (`data.json`), read from a local file
(see `costcalc.prices.peer_feeds`; nothing is downloaded). Every matched model is compared price by price, exactly:

* `input_mtok`, `output_mtok`, `cached_mtok`: a value on both sides that differs is a `differs`; a value on one side
  only is `missing_in_peer` / `missing_in_costcalc`. Where either side has a long-context tier the key is split
  into `.lower` (costcalc's lower tier vs the peer's base) and `.upper` (costcalc's upper tier vs the peer's tier
  at costcalc's threshold, e.g. LiteLLM's `*_above_200k_tokens`, or the peer's last tier).
* `batch_input_mtok`, `batch_output_mtok`: compared only where both sides have the figure (peers often omit them).

`CheckReport.ok` is True when nothing `differs`: missing figures are listed but do not fail the check, because a
peer that leaves a price out is incomplete, not wrong. Skipped (listed with the reason): models without a costcalc
price on the date, periods billed per character (Vertex AI's Gemini 1.0/1.5), and feed entries named by a costcalc
alias when the feed also has the model under its id. Feed models no costcalc id or alias names are only counted.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Literal

from costcalc.cost.request import PricedModel, find_period
from costcalc.errors import CostcalcError
from costcalc.prices.peer_feeds import Feed, PeerModel, PeerPrice, PeerPrices, load_feed
from costcalc.prices.schema import Price, PricePeriod, TieredPrice
from costcalc.prices.tables import PriceTables

__all__ = ["CheckReport", "Disagreement", "ModelMatch", "check_against", "load_feed", "render_check"]

Kind = Literal["differs", "missing_in_peer", "missing_in_costcalc"]
# (costcalc field, peer field, compared only when both sides have it)
_FIELDS = (("input_mtok", "input", False), ("output_mtok", "output", False), ("cached_mtok", "cached", False),
           ("batch_input_mtok", "batch_input", True), ("batch_output_mtok", "batch_output", True))
_KEY_ORDER = {f"{name}{tier}": i for i, (name, tier) in
              enumerate((name, tier) for name, _, _ in _FIELDS for tier in ("", ".lower", ".upper"))}


@dataclass(frozen=True)
class Disagreement:
    """One price of one model on which costcalc and the peer disagree."""

    platform: str
    model: str
    """costcalc's model id."""
    key: str
    """The price: a PricePeriod field, with `.lower`/`.upper` when tiered, e.g. `cached_mtok.upper`."""
    ours: Decimal | None
    """costcalc's figure, USD per 1M tokens; None: costcalc has no such price."""
    theirs: Decimal | None
    """The peer's figure, USD per 1M tokens; None: the peer has no such price."""
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
    """Every disagreement between costcalc's prices in force on `as_of` and one peer feed."""

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
    """Matched but not compared: no costcalc price on `as_of`, billed per character, or an alias the id covers."""
    unmatched_feed_models: int
    """Feed models on a checked platform that no costcalc id or alias names."""
    ok: bool = field(init=False)
    """True when at least one model was compared and nothing disagrees, not even a price one side lacks."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "ok", bool(self.compared_models) and not self.disagreements)


def check_against(tables: PriceTables, feed: Feed, as_of: date, platform: str | None = None) -> CheckReport:
    """Compare the prices in force on `as_of` with the feed's, model by model and price by price."""
    platforms = [platform] if platform else tables.platforms()
    if platform:
        tables.models(platform)  # an unloaded platform is the user's error, said once
    peers = [peer for peer in feed.models if peer.platform in platforms]
    matched = _match(tables, peers)
    found: list[Disagreement] = []
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
        found.extend(_compare(entry, period, peer, peer.prices_on(as_of)))
    found.sort(key=lambda d: (d.platform, d.model, d.peer_name, _KEY_ORDER[d.key]))
    return CheckReport(feed.path, feed.peer, as_of, platform, tuple(found), tuple(compared), tuple(skipped),
                       len(peers) - len(compared) - len(skipped))


def _match(tables: PriceTables, peers: list[PeerModel]) -> dict[int, tuple[PricedModel, str | None]]:
    """Feed model (by position) -> (costcalc model, why it is skipped or None).

    By costcalc id or alias first; a feed model named by an alias is skipped when the feed also names that model by
    its id (a versioned or preview entry would repeat the id's row, or contradict it with a preview's own prices).
    Then genai-prices' match rule, only against costcalc ids no feed model claimed, and only when it accepts
    exactly one, so a preview's old prices are never compared with the model it became.
    """
    known = {platform: {name.lower() for entry in tables.models(platform)
                        for name in (entry.model.id, *entry.model.aliases)} for platform in tables.platforms()}
    found: dict[int, PricedModel] = {}
    for i, peer in enumerate(peers):
        if _normal(peer.lookup) in known.get(peer.platform, ()):  # spares find_model's did-you-mean on misses
            found[i] = tables.find_model(peer.lookup, peer.platform)
    by_id = {(e.platform, e.model.id): peers[i].name for i, e in found.items() if _named_by_id(e, peers[i])}
    matched: dict[int, tuple[PricedModel, str | None]] = {}
    for i, entry in found.items():
        named = by_id.get((entry.platform, entry.model.id))
        shadowed = named is not None and not _named_by_id(entry, peers[i])
        matched[i] = (entry, f"alias of {entry.model.id}, compared as the peer's {named}" if shadowed else None)
    claimed = {(entry.platform, entry.model.id) for entry in found.values()}
    for i, peer in enumerate(peers):
        if i in matched or peer.matches is None or peer.platform not in tables.platforms():
            continue
        rule = peer.matches
        candidates = [entry for entry in tables.models(peer.platform)
                      if (entry.platform, entry.model.id) not in claimed and rule(entry.model.id.lower())]
        if len(candidates) == 1:
            matched[i] = (candidates[0], None)
            claimed.add((peer.platform, candidates[0].model.id))
    return matched


def _normal(name: str) -> str:
    """A name as `PriceTables.find_model` compares it."""
    return name.strip().lower().removeprefix("models/")


def _named_by_id(entry: PricedModel, peer: PeerModel) -> bool:
    return entry.model.id.lower() == _normal(peer.lookup)


def _compare(entry: PricedModel, period: PricePeriod, peer: PeerModel, prices: PeerPrices) -> list[Disagreement]:
    threshold = entry.model.long_context_threshold
    found = []
    for name, peer_field, both_only in _FIELDS:
        ours: Price | None = getattr(period, name)
        theirs: PeerPrice | None = getattr(prices, peer_field)
        our_lower, our_upper = (ours.lower, ours.upper) if isinstance(ours, TieredPrice) else (ours, None)
        their_lower = theirs.base if theirs else None
        their_upper = theirs.upper(threshold) if theirs else None
        tiered = our_upper is not None or their_upper is not None
        pairs = [(f"{name}.lower" if tiered else name, our_lower, their_lower)]
        if tiered:
            pairs.append((f"{name}.upper", our_upper, their_upper))
        for key, mine, other in pairs:
            kind = _kind(mine, other)
            if kind and not (both_only and kind != "differs"):
                found.append(Disagreement(peer.platform, entry.model.id, key, mine, other, peer.name, kind))
    return found


def _kind(ours: Decimal | None, theirs: Decimal | None) -> Kind | None:
    if ours is None and theirs is None:
        return None
    if theirs is None:
        return "missing_in_peer"
    if ours is None:
        return "missing_in_costcalc"
    return "differs" if ours != theirs else None  # exact: 0.3125 and 0.31 differ


_KIND_TEXT = {"differs": "differs", "missing_in_peer": "missing in peer", "missing_in_costcalc": "missing in costcalc"}


def render_check(report: CheckReport) -> None:
    """A table of the disagreements (Model | Key | costcalc | peer | Kind) and a one-line verdict."""
    from rich.markup import escape

    from costcalc.cli.safe_rich import Console, Table
    from costcalc.units import format_price

    console = Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 200)
    if report.disagreements:
        table = Table(title=f"costcalc vs {report.peer} ({escape(report.feed)}): prices in force on {report.as_of}, "
                      "USD per 1M tokens", show_edge=False)
        for name in ("Model", "Key", "costcalc", "peer", "Kind"):
            table.add_column(name, justify="right" if name in ("costcalc", "peer") else "left", no_wrap=True)
        for d in report.disagreements:
            same = d.peer_name.rsplit("/", 1)[-1] == d.model  # LiteLLM's `gemini/` prefix alone is no news
            name = d.model if same else f"{d.model} (peer: {d.peer_name})"
            table.add_row(escape(f"{d.platform} {name}"), d.key, format_price(d.ours) if d.ours is not None else "—",
                          format_price(d.theirs) if d.theirs is not None else "—", _KIND_TEXT[d.kind])
        console.print(table)
    differs = sum(d.kind == "differs" for d in report.disagreements)
    missing = len(report.disagreements) - differs
    verdict = "ok" if report.ok else "DISAGREE"
    console.print(f"{verdict}: {differs} price(s) differ, {missing} missing on one side; "
                  f"{len(report.compared_models)} feed model(s) compared with {report.peer} as of {report.as_of}; "
                  f"{len(report.skipped_models)} skipped; {report.unmatched_feed_models} match no costcalc model",
                  markup=False)
