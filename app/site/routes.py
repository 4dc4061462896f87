"""Site-wide pages: the home page and the health check."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from app.accounts.deps import VIEWER_KNOWN
from app.db import database_reachable, get_sessionmaker
from app.web import render

router = APIRouter()


@router.get("/", response_class=HTMLResponse, dependencies=[VIEWER_KNOWN])
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/healthz")
def healthz() -> Response:
    ok = database_reachable(get_sessionmaker())
    return JSONResponse(
        {"status": "ok" if ok else "error", "database": "reachable" if ok else "unreachable"},
        status_code=200 if ok else 503,
    )
