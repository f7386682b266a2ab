"""Which model and prices a record uses: name resolution and per-day price checks, each answered once.

Rules: docs/usage-billing.md, "Model names" and "Bad records".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from costcalc.errors import CostcalcError
from costcalc.prices.modality import MODALITIES, Modality, Use, missing_price, modality_price
from costcalc.prices.model import PricedModel, period_in_force
from costcalc.prices.schema import PricePeriod
from costcalc.prices.tables import PriceTables
from costcalc.usage.counts import AggregateKey

NO_THRESHOLD = 1 << 62
"""Threshold of a one-tier model: no prompt is above it, so the hot loop needs no special case."""
_STABLE_VERSION = re.compile(r"-\d{3}", re.ASCII)


class RecordError(Exception):
    """Why one record cannot be billed: a stable `code` and a one-line `reason` (docs/usage-billing.md)."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


Unpriced = tuple[tuple[Use, Modality, RecordError], ...]


@dataclass(frozen=True)
class ResponsePrices:
    """What a response of one model, on one day, standard or batch, is billed under."""

    threshold: int
    """Long-context threshold (NO_THRESHOLD for one-tier models): prompt + tool use above it is `upper`."""
    lower: AggregateKey
    """Key at or below the threshold (tier `lower`, or `flat`)."""
    upper: AggregateKey
    """Key above the threshold."""
    cached_problem: RecordError | None
    """Why cached tokens cannot be priced on this day (no cached price), or None."""
    unpriced: Unpriced = ()
    """Modality prices this period lacks, each with its `no_modality_price` error: uses in the order input,
    cached, output; modalities in MODALITIES order. Empty for a period that prices every modality a log can
    carry (then no record of it needs a check)."""


class PriceLookup:
    """Model names and (model, day) price checks for one platform, memoised: a log has few distinct ones."""

    def __init__(self, tables: PriceTables, platform: str) -> None:
        self.tables = tables
        self.platform = platform
        self._models: dict[str, PricedModel | RecordError] = {}
        self._responses: dict[tuple[str, date, bool], ResponsePrices | RecordError] = {}

    def model(self, name: str) -> PricedModel:
        """The model a `modelVersion`/`model` names, or RecordError(`unknown_model`)."""
        found = self._models.get(name)
        if found is None:
            found = self._models[name] = self._resolve(name)
        if isinstance(found, RecordError):
            raise found
        return found

    def _resolve(self, name: str) -> PricedModel | RecordError:
        bare = name.strip().rpartition("models/")[2]
        candidates = [bare]
        if _STABLE_VERSION.fullmatch(bare[-4:]):
            candidates.append(bare[:-4])  # gemini-2.0-flash-001 is priced as gemini-2.0-flash
        for candidate in candidates:
            if not candidate:
                continue
            try:
                return self.tables.find_model(candidate, self.platform)
            except CostcalcError:
                continue
        return RecordError("unknown_model", f"unknown model {name!r} on {self.platform}")

    def period(self, entry: PricedModel, day: date) -> PricePeriod:
        """The period in force on `day`, billed per token; else RecordError (`no_price`, `per_character`)."""
        model = entry.model
        chosen = period_in_force(model, day)
        if chosen is None:
            raise RecordError("no_price", f"{model.id} has no price on {day} (its first price is from "
                                          f"{model.periods[0].effective})")
        if chosen.unit != "token":
            raise RecordError("per_character", f"{model.id} was billed per character on {day}; a token log "
                                               "cannot be billed")
        return chosen

    def response(self, name: str, day: date, batch: bool) -> ResponsePrices:
        """Keys and checks for a response; RecordError if no response of this model can be billed that day."""
        memo_key = (name, day, batch)
        found = self._responses.get(memo_key)
        if found is None:
            try:
                found = self._response(name, day, batch)
            except RecordError as error:
                found = error
            self._responses[memo_key] = found
        if isinstance(found, RecordError):
            raise found
        return found

    def _response(self, name: str, day: date, batch: bool) -> ResponsePrices:
        entry = self.model(name)
        model = entry.model
        period = self.period(entry, day)
        if batch and (period.batch_input_mtok is None or period.batch_output_mtok is None):
            raise RecordError("no_batch_price", f"{model.id} has no batch price on {day}")
        cached = period.batch_cached_mtok if batch else period.cached_mtok
        problem = None if cached is not None else RecordError(
            "no_cached_price", f"{model.id} has no {'batch ' if batch else ''}cached-token price on {day}")
        threshold = model.long_context_threshold
        lower = AggregateKey(model.id, period.effective, "flat" if threshold is None else "lower", batch, day)
        upper = AggregateKey(model.id, period.effective, "upper", batch, day)
        return ResponsePrices(NO_THRESHOLD if threshold is None else threshold, lower, upper, problem,
                              unpriced_modalities(model.id, period, batch))


_CHECKED: tuple[tuple[Use, Modality], ...] = tuple(
    (use, modality) for use in ("input", "cached", "output") for modality in MODALITIES
    if not (modality == "TEXT" or (modality == "DOCUMENT" and use != "output")))
"""TEXT (and DOCUMENT input) use the text prices, whose absence has codes of its own (no_price, no_cached_price...)."""


def unpriced_modalities(model_id: str, period: PricePeriod, batch: bool) -> Unpriced:
    """Every (use, modality) this period cannot price, with its `no_modality_price` error. Prices do not depend
    on the tier for being there (a tiered price has both figures), so the lower tier answers for both."""
    return tuple((use, modality, RecordError("no_modality_price",
                                             missing_price(model_id, period, use, modality, batch)))
                 for use, modality in _CHECKED if modality_price(period, use, modality, "lower", batch) is None)

