"""The FastAPI app: the page, the JSON API (`api.py`), and errors as `{"error": "one line"}` with a 4xx status.

Interactive API docs (Swagger UI, ReDoc) are off: they load their scripts from a CDN, and the page must work
offline. The OpenAPI description is at /openapi.json.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from costcalc import __version__
from costcalc.errors import CostcalcError
from costcalc.prices.tables import PriceTables
from costcalc.text import one_line
from costcalc.web.limits import Guard
from costcalc.web.payloads import Limits
from costcalc.web.upload import TooLarge

JSON_BODY_BYTES = 64 << 10
"""Every JSON body is a handful of options; only the bill upload is big."""
MULTIPART_SLACK = 64 << 10
"""Room for the multipart framing and form fields around the uploaded file."""


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": one_line(message)}, status_code=status)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def _validation_message(error: RequestValidationError) -> str:
    problems: dict[str, str] = {}  # one problem per field: a union type reports one per member
    for problem in error.errors():
        kind, field = problem.get("type", ""), _field(problem.get("loc", ()))
        if kind == "extra_forbidden":
            problems.setdefault(field, f"unknown field {field!r}")
        elif kind == "json_invalid":
            problems.setdefault("", "the body is not valid JSON")
        else:
            message = str(problem.get("msg", "invalid")).removeprefix("Value error, ")
            problems.setdefault(field, f"{field}: {message}")
    shown = list(problems.values())[:3]
    more = len(problems) - len(shown)
    return "; ".join(shown) + (f" (and {more} more)" if more > 0 else "") + " (see /openapi.json)"


def create_app(tables: PriceTables, limits: Limits | None = None) -> FastAPI:
    """The app over `tables` (loaded once: the CLI's `load`, with --pricing and COSTCALC_PRICING)."""
    from costcalc.web.api import router

    limits = limits or Limits()
    app = FastAPI(title="costcalc", version=__version__, docs_url=None, redoc_url=None,
                  description="What Gemini context caching costs: the costcalc CLI's JSON over HTTP.")
    app.state.tables = tables
    app.state.limits = limits
    app.include_router(router)
    static = resources.files("costcalc.web") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    def page() -> FileResponse:
        return FileResponse(str(static / "index.html"), media_type="text/html; charset=utf-8")

    @app.exception_handler(CostcalcError)
    def user_error(_: Request, error: CostcalcError) -> JSONResponse:
        return _error(413 if isinstance(error, TooLarge) else 400, str(error))

    @app.exception_handler(RequestValidationError)
    def invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return _error(422, _validation_message(error))

    @app.exception_handler(HTTPException)
    def http_error(_: Request, error: HTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(Exception)
    def internal(_: Request, error: Exception) -> JSONResponse:
        # A bug, not bad input: still one line of JSON, never a traceback page.
        return _error(500, f"internal error: {type(error).__name__}; please report it with the request you sent")

    def limit_for(path: str) -> int:
        return limits.upload_bytes + MULTIPART_SLACK if path == "/api/bill" else JSON_BODY_BYTES

    app.add_middleware(Guard, limit_for=limit_for)
    return app
