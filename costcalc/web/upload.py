"""`/api/bill`: an uploaded log billed by the same `costcalc.usage` biller as `costcalc bill` (python engine).

The upload is copied to a private temporary folder (a .gz is unpacked there, up to a limit, because a few
megabytes of gzip can unpack to gigabytes) and read under the name the user gave it, so bad records are listed
as `traffic.jsonl:3`, as the CLI lists them.
"""

from __future__ import annotations

import gzip
import re
import tempfile
import zlib
from pathlib import Path
from typing import Any, Protocol

from costcalc.cli.common import check_platform
from costcalc.cost.results import to_jsonable
from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables

CHUNK = 1 << 20
DEFAULT_NAME = "upload.jsonl"


class TooLarge(CostcalcError):
    """Shown with status 413."""


def upload_name(given: str | None) -> str:
    """The file's own name (no folders), in safe characters, for messages and bad-record listings."""
    name = re.split(r"[\\/]", given or "")[-1]
    name = re.sub(r"[^A-Za-z0-9._-]", "_", name).lstrip(".")[:100]
    return name or DEFAULT_NAME


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def _copy(source: Readable, target: Path, limit: int, what: str) -> None:
    written = 0
    with open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            written += len(chunk)
            if written > limit:
                raise TooLarge(f"{what} is larger than {limit >> 20} MB, this server's limit; bill it with "
                               "`costcalc bill FILE` instead")
            out.write(chunk)


def bill_upload(tables: PriceTables, stream: Readable, filename: str | None, platform: str, strict: bool,
                upload_bytes: int, unpacked_bytes: int) -> Any:
    """`costcalc bill FILE --format json` for one uploaded file."""
    from costcalc.usage.engine import UsageBiller

    name = upload_name(filename)
    biller = UsageBiller(tables, check_platform(platform), strict=strict, workers=1)  # no forking in a server
    with tempfile.TemporaryDirectory(prefix="costcalc-upload-") as folder:
        path = Path(folder) / "log.jsonl"
        if name.endswith(".gz"):
            _copy(stream, Path(folder) / "log.jsonl.gz", upload_bytes, f"the upload {name}")
            try:
                with gzip.open(Path(folder) / "log.jsonl.gz", "rb") as unpacked:
                    _copy(unpacked, path, unpacked_bytes, f"{name} unpacked")
            except (OSError, EOFError, zlib.error) as error:
                raise CostcalcError(f"{name} is not a readable gzip file ({error}); upload the plain .jsonl, or a "
                                    "complete .gz") from None
        else:
            _copy(stream, path, upload_bytes, f"the upload {name}")
        biller.read(path, name=name)
        return to_jsonable(biller.result().to_json())
