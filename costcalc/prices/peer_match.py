"""Which costcalc model a peer feed's model is, when the peer names models its own way.

In order, each step only for feed models the earlier ones left unpaired:

1. the feed's name (without `gemini/`, `vertex_ai/`, `models/`) is a costcalc id or alias;
2. genai-prices' match rule for the model accepts the id or an alias of exactly one costcalc model no feed model
   claimed yet;
3. the name has the same dash-separated parts as exactly one costcalc id or alias, in another order: genai-prices
   writes `gemini-flash-1.5-8b` and `gemini-pro-1.5` for `gemini-1.5-flash-8b` and `gemini-1.5-pro`.

A feed model that names a costcalc model the feed also has under its costcalc id is paired but skipped, with the
reason: a versioned, preview or reordered entry would repeat that row, or contradict it with prices of its own.
"""

from __future__ import annotations

from collections import Counter

from costcalc.prices.model import PricedModel
from costcalc.prices.peer_feeds import PeerModel
from costcalc.prices.tables import PriceTables

Matches = dict[int, tuple[PricedModel, "str | None"]]
"""Feed model (by position) -> (costcalc model, why it is skipped or None)."""


def match_models(tables: PriceTables, peers: list[PeerModel]) -> Matches:
    """Pair feed models with costcalc models; see the module docstring for the rules."""
    platforms = tables.platforms()
    known = {platform: {name.lower() for entry in tables.models(platform)
                        for name in (entry.model.id, *entry.model.aliases)} for platform in platforms}
    found: dict[int, PricedModel] = {}
    for i, peer in enumerate(peers):
        if _normal(peer.lookup) in known.get(peer.platform, ()):  # spares find_model's did-you-mean on misses
            found[i] = tables.find_model(peer.lookup, peer.platform)
    claimed = {(entry.platform, entry.model.id) for entry in found.values()}
    for i, peer in enumerate(peers):
        if i in found or peer.matches is None or peer.platform not in platforms:
            continue
        rule = peer.matches
        candidates = [entry for entry in tables.models(peer.platform)
                      if (entry.platform, entry.model.id) not in claimed
                      and any(rule(name.lower()) for name in (entry.model.id, *entry.model.aliases))]
        if len(candidates) == 1:
            found[i] = candidates[0]
            claimed.add((peer.platform, candidates[0].model.id))
    for i, peer in enumerate(peers):
        if i in found or peer.platform not in platforms:
            continue
        parts = _parts(peer.lookup)
        reordered = {entry.model.id: entry for entry in tables.models(peer.platform)
                     if any(_parts(name) == parts for name in (entry.model.id, *entry.model.aliases))}
        if len(reordered) == 1:
            found[i] = next(iter(reordered.values()))
    by_id = {(e.platform, e.model.id): peers[i].name for i, e in found.items() if _named_by_id(e, peers[i])}
    matched: Matches = {}
    for i, entry in found.items():
        named = by_id.get((entry.platform, entry.model.id))
        shadowed = named is not None and not _named_by_id(entry, peers[i])
        matched[i] = (entry, f"another name of {entry.model.id}, compared as the peer's {named}" if shadowed else None)
    return matched


def _normal(name: str) -> str:
    """A name as `PriceTables.find_model` compares it."""
    return name.strip().lower().removeprefix("models/")


def _parts(name: str) -> Counter[str]:
    return Counter(_normal(name).split("-"))


def _named_by_id(entry: PricedModel, peer: PeerModel) -> bool:
    return entry.model.id.lower() == _normal(peer.lookup)
