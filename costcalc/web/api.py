"""The JSON API: each endpoint answers exactly what the matching CLI command prints with `--format json`.

Endpoints are plain functions (FastAPI runs them in its thread pool): the library is synchronous and CPU-bound.
"""

from __future__ import annotations

from typing import Annotated, Any, Optional

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from costcalc.text import json_safe
from costcalc.web import payloads
from costcalc.web.requests import BreakevenBody, EstimateBody, RecommendBody

router = APIRouter(prefix="/api")
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input: `{\"error\": \"one line saying what to do\"}`"},
    413: {"description": "Body or upload over this server's limit: `{\"error\": ...}`"},
    422: {"description": "Body of the wrong shape (unknown field, wrong type): `{\"error\": ...}`"},
}


class CLIJSON(Response):
    """The CLI's JSON text: control characters escaped as `print_json` escapes them."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        import json

        return json_safe(json.dumps(content, ensure_ascii=False)).encode()


def _tables(request: Request) -> Any:
    return request.app.state.tables


@router.post("/estimate", response_class=CLIJSON, responses=ERRORS,
             summary="costcalc estimate --format json")
def estimate(body: EstimateBody, request: Request) -> Any:
    """Cost without caching and with an explicit cache, side by side, with the break-even."""
    return CLIJSON(payloads.estimate(_tables(request), body))


@router.post("/breakeven", response_class=CLIJSON, responses=ERRORS,
             summary="costcalc breakeven --format json")
def breakeven(body: BreakevenBody, request: Request) -> Any:
    """Queries after which an explicit cache is cheaper, and the read rate that pays its storage."""
    return CLIJSON(payloads.breakeven(_tables(request), body))


@router.post("/recommend", response_class=CLIJSON, responses=ERRORS,
             summary="costcalc recommend --rate R --for D --format json")
def recommend(body: RecommendBody, request: Request) -> Any:
    """The caching strategy for generated traffic, what it saves, and every strategy's cost."""
    return CLIJSON(payloads.recommend(_tables(request), body, request.app.state.limits))


@router.post("/bill", response_class=CLIJSON, responses=ERRORS, summary="costcalc bill FILE --format json")
def bill(request: Request, file: Annotated[UploadFile, File(description="A JSONL usage log, plain or .gz.")],
         platform: Annotated[str, Form(max_length=40)] = "gemini-api",
         strict: Annotated[bool, Form()] = False) -> Any:
    """What a logged traffic cost; records that cannot be billed are listed with their line and reason."""
    from costcalc.web.upload import bill_upload

    limits: payloads.Limits = request.app.state.limits
    return CLIJSON(bill_upload(_tables(request), file.file, file.filename, platform, strict,
                               limits.upload_bytes, limits.unpacked_bytes))


@router.get("/models", response_class=CLIJSON, responses=ERRORS, summary="costcalc models --format json")
def models(request: Request, as_of: Annotated[Optional[str], Query(max_length=40)] = None,
           platform: Annotated[Optional[str], Query(max_length=40)] = None) -> Any:
    """Every model with the prices in force on a date (default: today)."""
    return CLIJSON(payloads.models(_tables(request), as_of, platform))


@router.get("/prices/{model}", response_class=CLIJSON, responses=ERRORS,
            summary="costcalc prices MODEL --history --format json")
def prices(model: str, request: Request, platform: Annotated[str, Query(max_length=40)] = "gemini-api") -> Any:
    """One model's every price period, with sources and confidence (the price history chart)."""
    return CLIJSON(payloads.prices(_tables(request), model, platform))
