from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from costcalc import PricedModel, PriceTables, load_tables
from costcalc.prices.schema import CacheMinimum, ModelPrices, PricePeriod, TieredPrice
from tests.click_once import build_commands_once

D = Decimal
build_commands_once()  # typer would rebuild the whole command tree on each of the tests' thousands of calls


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never touch the user's ~/.cache."""
    patch = pytest.MonkeyPatch()
    patch.setenv("COSTCALC_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def tables(_private_cache: None) -> PriceTables:
    return load_tables()


@pytest.fixture
def bundled_tables_once(tables: PriceTables, monkeypatch: pytest.MonkeyPatch) -> PriceTables:
    """For tests that run the CLI on every model and period (hundreds of calls): the session's bundled tables
    instead of reading and checking the validated-table cache again on each call (about 12 ms, most of such a
    test's time). Loading has tests of its own; these tests are about what the commands print."""
    import costcalc.prices.tables as module

    original = module.load_tables

    def load_tables(extra: object = None, *, bundled: bool = True) -> PriceTables:
        return tables if bundled and not extra else original(extra, bundled=bundled)  # type: ignore[arg-type]

    monkeypatch.setattr(module, "load_tables", load_tables)
    return tables


def tiered(lower: str, upper: str) -> TieredPrice:
    return TieredPrice(D(lower), D(upper))


def make_model(*, threshold: int | None = 200_000, input_mtok: object = None, output_mtok: object = None,
               cached_mtok: object = None, storage: str | None = "4.50", minimum: int = 1024,
               window: int | None = 1_048_576, caching: str = "explicit") -> PricedModel:
    """A synthetic 2.5-Pro-like model for property tests (prices default to 2.5 Pro's 90% era)."""
    period = PricePeriod(
        effective=date(2025, 1, 1), checked=date(2025, 1, 1), sources=("https://example.test/prices",),
        input_mtok=tiered("1.25", "2.50") if input_mtok is None else input_mtok,
        output_mtok=tiered("10.00", "15.00") if output_mtok is None else output_mtok,
        cached_mtok=tiered("0.125", "0.25") if cached_mtok is None else cached_mtok,
        storage_mtok_hour=D(storage) if storage else None,
    )
    model = ModelPrices(id="test-model", name="Test Model", periods=(period,), context_window_tokens=window,
                        long_context_threshold=threshold, caching=caching,  # type: ignore[arg-type]
                        min_cache_tokens=(CacheMinimum(minimum, date(2025, 1, 1), "https://example.test/min"),))
    return PricedModel(model, "gemini-api", "<test>")


REPO = Path(__file__).resolve().parent.parent
