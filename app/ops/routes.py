"""`/readyz` for load balancers and orchestrators, `/metrics` for Prometheus."""

import hmac
from typing import Annotated

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse, Response

from app.config import SettingsDep
from app.metrics import exposition
from app.ops.live import LiveMetrics
from app.ops.readiness import readiness

router = APIRouter()
live = LiveMetrics()


@router.get("/readyz")
def readyz() -> Response:
    checks = readiness()
    ready = all(outcome == "ok" for outcome in checks.values())
    return JSONResponse({"status": "ok" if ready else "error", **checks}, status_code=200 if ready else 503)


@router.get("/metrics")
def metrics(settings: SettingsDep, authorization: Annotated[str | None, Header()] = None) -> Response:
    """Open, unless COACH_METRICS_TOKEN is set: then only for `Authorization: Bearer <token>`."""
    if settings.metrics_token is not None:
        expected = f"Bearer {settings.metrics_token.get_secret_value()}".encode()
        if not hmac.compare_digest((authorization or "").encode(), expected):
            return JSONResponse(
                {"detail": "The metrics need the token set in COACH_METRICS_TOKEN."},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
    body, content_type = exposition(live)
    return Response(body, media_type=content_type)
