"""`costcalc serve`: the web page and JSON API (docs/web.md). FastAPI and uvicorn load only here."""

from __future__ import annotations

import ipaddress
import sys
from typing import Annotated

import typer

from costcalc.cli.common import PricingOpt, load, user_errors
from costcalc.errors import CostcalcError
from costcalc.units import parse_count

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _megabytes(text: str, option: str) -> int:
    return parse_count(text, option, allow_zero=False, maximum=10_000) << 20


@user_errors
def serve_command(
    host: Annotated[str, typer.Option("--host", help="Address to listen on; only this machine by default.")]
    = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=0, max=65535)] = 8000,
    max_upload: Annotated[str, typer.Option("--max-upload", help="Largest bill upload, in MB.")] = "20",
    max_unpacked: Annotated[str, typer.Option("--max-unpacked", help="Largest uploaded .gz once unpacked, in MB.")]
    = "200",
    pricing: PricingOpt = None,
) -> None:
    """A web page (estimate, recommend, bill upload, price history) and the CLI's JSON over HTTP."""
    try:
        import uvicorn

        from costcalc.web.app import create_app
        from costcalc.web.payloads import Limits
    except ImportError as missing:
        raise CostcalcError(f"costcalc serve needs the web extra ({missing.name} is missing): "
                            "pip install 'costcalc[web]'") from None
    limits = Limits(upload_bytes=_megabytes(max_upload, "--max-upload"),
                    unpacked_bytes=_megabytes(max_unpacked, "--max-unpacked"))
    app = create_app(load(pricing), limits)
    if not is_loopback(host):
        sys.stderr.write(f"costcalc: warning: listening on {host}, not only this machine: anyone who can reach it "
                         "can use this server (it has no login); use --host 127.0.0.1 to keep it local\n")
    shown = f"[{host}]" if ":" in host else host
    sys.stderr.write(f"costcalc: serving on http://{shown}:{port}/ (Ctrl+C stops)\n")
    uvicorn.run(app, host=host, port=port, log_level="warning", server_header=False)


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)
