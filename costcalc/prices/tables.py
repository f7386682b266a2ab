"""Finding, loading (through a content-keyed cache) and searching the price tables."""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from costcalc.errors import CostcalcError, PricingFileError
from costcalc.prices.files import read_text
from costcalc.prices.model import PricedModel
from costcalc.prices.schema import PLATFORM_MIN_TTL_SECONDS, ModelPrices, PriceFile

_PACKAGE = Path(__file__).resolve().parent.parent


def bundled_pricing_dir() -> Path:
    """The tables shipped with costcalc: inside the wheel, or `pricing/` beside a source checkout."""
    inside = _PACKAGE / "pricing"
    return inside if inside.is_dir() else _PACKAGE.parent / "pricing"


def pricing_files(location: Path) -> list[Path]:
    """A file, or every `*.yaml`/`*.yml` in a folder, sorted by name."""
    if "\0" in str(location):
        raise PricingFileError(f"{str(location)!r}:1: not a file name (it contains a NUL byte)")
    if location.is_dir():
        files = sorted(p for p in location.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise PricingFileError(f"{location}:1: folder has no .yaml price tables")
        return files
    if not location.exists():
        raise PricingFileError(f"{location}:1: no such file or folder; give a price table or a folder of them")
    return [location]


def load_price_file(path: Path | str) -> PriceFile:
    """One validated file; validation (YAML + pydantic) runs once per distinct file content (see cache.py)."""
    from costcalc.prices import cache

    if not isinstance(path, (str, os.PathLike)):  # an int would be taken as a file descriptor
        raise CostcalcError(f"path must be a file path (str or Path), got {type(path).__name__} {path!r:.60}")
    path = Path(path)
    text = read_text(path)
    content = text.encode("utf-8")
    cached = cache.read_entry(content)
    if cached is not None:
        return cached
    from costcalc.prices.validation import validate_text

    price_file, messages = validate_text(path, text)
    if messages or price_file is None:
        more = f" (and {len(messages) - 1} more: run `costcalc pricing validate {path}`)" if len(messages) > 1 else ""
        raise PricingFileError(messages[0] + more)
    cache.write_entry(content, price_file)
    return price_file


@dataclass
class PriceTables:
    """Every loaded model, by platform; later files override earlier ones model by model."""

    files: list[tuple[Path, PriceFile]] = field(default_factory=list)
    overridden: dict[tuple[str, str], str] = field(default_factory=dict)
    """(platform, model id) -> the file whose definition a later file replaced."""
    _by_platform: dict[str, dict[str, PricedModel]] = field(default_factory=dict)
    _names: dict[str, dict[str, str]] = field(default_factory=dict)
    """platform -> lower-case id or alias -> the model id it names."""

    def add(self, path: Path, price_file: PriceFile) -> None:
        """Add a file's models; a model with an existing id replaces it, any other clash of names is an error."""
        self.files.append((path, price_file))
        models = self._by_platform.setdefault(price_file.platform, {})
        for model in price_file.models:
            names = self._names.setdefault(price_file.platform, {})
            _check_names(path, model, models, names)
            names.update((name.lower(), model.id) for name in (model.id, *model.aliases))
            previous = models.pop(model.id, None)  # re-inserted last: later files come first in lookups
            if previous is not None:
                self.overridden[(price_file.platform, model.id)] = previous.source_file
                # An override keeps the names users already type (versioned ids) unless it redefines them.
                model = replace(model, aliases=tuple(dict.fromkeys((*model.aliases, *previous.model.aliases))))
            shortest = max(price_file.min_ttl_seconds, PLATFORM_MIN_TTL_SECONDS.get(price_file.platform, 0))
            models[model.id] = PricedModel(model, price_file.platform, str(path), price_file.default_ttl_seconds,
                                           shortest)

    def newest_check(self) -> date | None:
        """The most recent `checked` date of any period in force in the loaded tables."""
        return max((period.checked for models in self._by_platform.values() for entry in models.values()
                    for period in entry.model.periods), default=None)

    def platforms(self) -> list[str]:
        return list(self._by_platform)

    def models(self, platform: str = "gemini-api") -> list[PricedModel]:
        """The models of a platform, in table order."""
        if platform not in self._by_platform:
            known = ", ".join(self._by_platform) or "none"
            raise CostcalcError(f"no price table for platform {platform!r} is loaded (loaded: {known})")
        return list(self._by_platform[platform].values())

    def find_model(self, name: str, platform: str = "gemini-api") -> PricedModel:
        """A model by id or alias, case-insensitive; `models/` prefixes as the API writes them are ignored."""
        if not isinstance(name, str) or not isinstance(platform, str):
            bad, value = ("name", name) if not isinstance(name, str) else ("platform", platform)
            raise CostcalcError(f"{bad} must be text (str), got {type(value).__name__} {value!r:.60}")
        wanted = name.strip().lower().removeprefix("models/")
        names: dict[str, PricedModel] = {}
        # Later files first, so an override's aliases win over the bundled ones.
        for entry in reversed(self.models(platform)):
            for known in (entry.model.id, *entry.model.aliases):
                names.setdefault(known.lower(), entry)
        if wanted in names:
            return names[wanted]
        import difflib

        close = difflib.get_close_matches(wanted, list(names), n=3, cutoff=0.6)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise CostcalcError(f"unknown model {name!r} on {platform}{hint} (`costcalc models` lists them)")


def _check_names(path: Path, model: ModelPrices, models: dict[str, PricedModel], names: dict[str, str]) -> None:
    """Overriding is done by id, on purpose; an alias (or id) that names another model would silently take
    `-m that-name` over, so it is refused, naming both files."""
    for name in (model.id, *model.aliases):
        owner = names.get(name.lower())
        if owner is not None and owner != model.id:
            other = models[owner]
            what = "id" if name == model.id else "alias"
            raise PricingFileError(
                f"{path}:{_line_mentioning(path, name)}: {what} {name!r} of model {model.id} already names "
                f"{other.model.id} in {other.source_file}:{_line_mentioning(Path(other.source_file), name)}; "
                f"rename it (to override {other.model.id}, use its id)")


def _line_mentioning(path: Path, name: str) -> int:
    """The first line that mentions `name`, for an error message (1 when the file cannot be read again)."""
    try:
        lines = read_text(path).splitlines()
    except PricingFileError:
        return 1
    return next((number for number, line in enumerate(lines, 1) if name.lower() in line.lower()), 1)


def load_tables(extra: Path | str | Sequence[Path | str] | None = None, *, bundled: bool = True) -> PriceTables:
    """The bundled tables, then `extra` files or folders whose models override or extend them by id."""
    if not isinstance(bundled, bool):
        raise CostcalcError(f"bundled must be True or False, got {type(bundled).__name__} {bundled!r:.60}")
    if extra is not None and not isinstance(extra, (str, os.PathLike, list, tuple)):
        raise CostcalcError(f"extra must be a path or a list of paths, got {type(extra).__name__} {extra!r:.60}")
    given = [] if extra is None else [extra] if isinstance(extra, (str, os.PathLike)) else list(extra)
    for item in given:
        if not isinstance(item, (str, os.PathLike)) or not str(item):
            raise CostcalcError(f"extra must be paths (str or Path), got {type(item).__name__} {item!r:.60}")
    locations: Iterable[Path] = [*([bundled_pricing_dir()] if bundled else []), *(Path(p) for p in given)]
    tables = PriceTables()
    for location in locations:
        for path in pricing_files(location):
            tables.add(path, load_price_file(path))
    return tables
