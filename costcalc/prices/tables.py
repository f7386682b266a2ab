"""Finding, loading (through a content-keyed cache) and searching the price tables."""

from __future__ import annotations

import json
import os
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from costcalc.cost.request import PricedModel
from costcalc.cost.results import to_jsonable
from costcalc.errors import CostcalcError, PricingFileError
from costcalc.prices.decode import decode
from costcalc.prices.files import read_text
from costcalc.prices.schema import PriceFile

_PACKAGE = Path(__file__).resolve().parent.parent
_CACHE_FORMAT = b"costcalc-cache-1\n"


def bundled_pricing_dir() -> Path:
    """The tables shipped with costcalc: inside the wheel, or `pricing/` beside a source checkout."""
    inside = _PACKAGE / "pricing"
    return inside if inside.is_dir() else _PACKAGE.parent / "pricing"


def pricing_files(location: Path) -> list[Path]:
    """A file, or every `*.yaml`/`*.yml` in a folder, sorted by name."""
    if location.is_dir():
        files = sorted(p for p in location.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
        if not files:
            raise PricingFileError(f"{location}:1: folder has no .yaml price tables")
        return files
    if not location.exists():
        raise PricingFileError(f"{location}:1: no such file or folder; give a price table or a folder of them")
    return [location]


def _cache_dir() -> Path | None:
    if os.environ.get("COSTCALC_NO_CACHE"):
        return None
    configured = os.environ.get("COSTCALC_CACHE_DIR")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "costcalc"


def _cache_key(content: bytes) -> str:
    """Checksums of the file and of the validating code, so a changed rule re-validates every file.

    CRC-32 catches every change of up to 32 consecutive bits (any edited price) and Adler-32 is a second,
    independent check; hashlib would cost more to import than the whole lookup.
    """
    rules = ("prices/schema.py", "prices/invariants.py", "prices/confidence.py")
    parts = [_CACHE_FORMAT, *((_PACKAGE / name).read_bytes() for name in rules), content]
    blob = b"\0".join(parts)
    return f"{zlib.crc32(blob):08x}{zlib.adler32(blob):08x}{len(content):x}"


def load_price_file(path: Path) -> PriceFile:
    """One validated file; validation (YAML + pydantic) runs once per distinct file content."""
    text = read_text(path)
    cache = _cache_dir()
    cached = cache / f"{_cache_key(text.encode())}.json" if cache else None
    if cached is not None:
        try:
            rebuilt = decode(PriceFile, json.loads(cached.read_text(encoding="utf-8")))
            if isinstance(rebuilt, PriceFile):
                return rebuilt
        except Exception:  # a missing or damaged cache entry just means: validate again
            pass
    from costcalc.prices.validation import validate_text

    price_file, messages = validate_text(path, text)
    if messages or price_file is None:
        more = f" (and {len(messages) - 1} more: run `costcalc pricing validate {path}`)" if len(messages) > 1 else ""
        raise PricingFileError(messages[0] + more)
    if cached is not None:
        _write_atomically(cached, json.dumps(to_jsonable(price_file)))
    return price_file


def _write_atomically(target: Path, text: str) -> None:
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        pass  # an unwritable cache only costs speed


@dataclass
class PriceTables:
    """Every loaded model, by platform; later files override earlier ones model by model."""

    files: list[tuple[Path, PriceFile]] = field(default_factory=list)
    overridden: dict[tuple[str, str], str] = field(default_factory=dict)
    """(platform, model id) -> the file whose definition a later file replaced."""
    _by_platform: dict[str, dict[str, PricedModel]] = field(default_factory=dict)

    def add(self, path: Path, price_file: PriceFile) -> None:
        self.files.append((path, price_file))
        models = self._by_platform.setdefault(price_file.platform, {})
        for model in price_file.models:
            previous = models.pop(model.id, None)  # re-inserted last: later files come first in lookups
            if previous is not None:
                self.overridden[(price_file.platform, model.id)] = previous.source_file
                # An override keeps the names users already type (versioned ids) unless it redefines them.
                model = replace(model, aliases=tuple(dict.fromkeys((*model.aliases, *previous.model.aliases))))
            models[model.id] = PricedModel(model, price_file.platform, str(path), price_file.default_ttl_seconds,
                                           price_file.min_ttl_seconds)

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


def load_tables(extra: Path | str | Sequence[Path | str] | None = None, *, bundled: bool = True) -> PriceTables:
    """The bundled tables, then `extra` files or folders whose models override or extend them by id."""
    given = [] if extra is None else [extra] if isinstance(extra, (str, Path)) else list(extra)
    locations: Iterable[Path] = [*([bundled_pricing_dir()] if bundled else []), *(Path(p) for p in given)]
    tables = PriceTables()
    for location in locations:
        for path in pricing_files(location):
            tables.add(path, load_price_file(path))
    return tables
