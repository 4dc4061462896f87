"""No request can stall the site or make it buffer without bound: bodies are limited before any
layer reads them, a slow upload holds no database lock, pages that only read take no write lock,
and every error, even a 500, carries the security headers."""

import hashlib
import inspect
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import insert, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.cli import uvicorn_options
from app.db import (
    READ_ONLY,
    DbDep,
    commit_in_the_route_thread,
    get_db,
    get_engine,
    get_sessionmaker,
)
from app.main import create_app
from app.models import User
from app.web import log_unexpected
from tests.factories import PASSWORD, create_user, csrf_token, sign_in
from tests.servers import serving


def _headers(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": csrf_token(client)}


# --- the global body limit ----------------------------------------------------------------------


def test_a_declared_oversize_body_is_refused_before_it_is_read(client: TestClient) -> None:
    headers = {"Content-Length": str(300 * 2**20), "Content-Type": "application/x-www-form-urlencoded"}
    response = client.post("/login", content=b"email=x", headers=headers)
    assert response.status_code == 413
    assert "1 MB" in response.text


def test_a_streamed_body_is_stopped_at_the_limit_before_csrf_or_sign_in(client: TestClient) -> None:
    def body() -> Iterator[bytes]:  # 4 MB, 64 KB at a time, with no Content-Length
        for _ in range(64):
            yield b"a" * 65536

    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    assert client.post("/login", content=body(), headers=headers).status_code == 413


def test_json_routes_refuse_a_large_body_before_the_user_check(client: TestClient) -> None:
    response = client.post(
        "/api/takes/1/typed", content=b"[" + b"1," * 2**20 + b"1]", headers=_headers(client)
    )
    assert response.status_code == 413


def test_only_the_chunk_route_accepts_more_than_the_default(app: FastAPI) -> None:
    from app.limits import BodyLimitMiddleware

    stack: list[Any] = app.user_middleware  # starlette types each entry by its own factory's parameters
    limit = next(m for m in stack if m.cls is BodyLimitMiddleware)
    middleware = BodyLimitMiddleware(app, *limit.args, **limit.kwargs)
    assert middleware.limit_for("PUT", "/api/takes/7/chunks/3") == 8 * 2**20
    assert middleware.limit_for("POST", "/api/takes/7/chunks/3") == 2**20
    assert middleware.limit_for("PUT", "/api/takes/7/chunks/3/x") == 2**20


def test_a_form_with_too_many_fields_is_a_400_not_a_500(client: TestClient) -> None:
    token = csrf_token(client)
    files = {f"f{n}": (None, "x") for n in range(1001)} | {"csrf_token": (None, token)}
    response = client.post("/login", files=files)
    assert response.status_code == 400
    assert "fields" in response.text


def test_a_form_field_over_the_part_limit_is_refused_not_a_500(client: TestClient) -> None:
    token = csrf_token(client)
    response = client.post("/login", files={"csrf_token": (None, token), "email": (None, "a" * (2**20 + 10))})
    assert response.status_code in (400, 413)


# --- ids, headers, caching ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/api/takes/99999999999999999999999",
        "/sessions/99999999999999999999999",
        "/sessions/1/answers/99999999999999999999999",
        "/api/sessions/99999999999999999999999/status",
    ],
)
def test_huge_ids_are_invalid_input_not_a_crash(client: TestClient, db: Session, path: str) -> None:
    sign_in(client, create_user(db))
    assert client.get(path, follow_redirects=False).status_code == 422


@pytest.mark.usefixtures("connection")
def test_a_500_carries_the_security_headers() -> None:
    app = create_app()  # a fresh app: the shared one must not gain a test route
    router = APIRouter()

    @router.get("/boom-for-test")
    def boom() -> None:
        raise RuntimeError("boom")

    app.include_router(router)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom-for-test")
    assert response.status_code == 500
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"


def test_signed_in_pages_are_never_cached_and_public_ones_may_be(client: TestClient, db: Session) -> None:
    assert "no-store" not in client.get("/login").headers.get("cache-control", "")
    sign_in(client, create_user(db))
    for path in ("/account", "/sessions", "/progress", "/questions"):
        assert client.get(path).headers["cache-control"] == "no-store", path


# --- transactions -------------------------------------------------------------------------------


@pytest.mark.usefixtures("migrated")
def test_a_read_only_session_reads_while_another_connection_holds_the_write_lock() -> None:
    if get_engine().dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    with get_engine().connect() as writer:
        writer.begin()  # BEGIN IMMEDIATE: the write lock
        writer.execute(text("SELECT 1"))
        started = time.monotonic()
        with get_sessionmaker()(info={READ_ONLY: True}) as reader:
            reader.scalar(select(User.id).limit(1))
        assert time.monotonic() - started < 1
        writer.rollback()


@pytest.mark.usefixtures("db")
def test_a_read_only_session_refuses_to_write() -> None:
    with get_sessionmaker()(info={READ_ONLY: True}) as reader:
        reader.add(User(email="w@example.com", display_name="W", password_hash="x"))
        with pytest.raises(RuntimeError, match="read-only"):
            reader.flush()


def _app_with(router: APIRouter) -> FastAPI:
    """A fresh app (the shared one must not gain test routes) with `router` wrapped as create_app does."""
    app = create_app()
    commit_in_the_route_thread(route for route in router.routes if isinstance(route, APIRoute))
    app.include_router(router)
    return app


@pytest.mark.usefixtures("connection")
def test_a_writer_writes_in_its_route_and_a_dependency_may_not() -> None:
    """A writer's dependencies run before it takes the write lock, so they may only read."""
    router = APIRouter()

    def writing_dependency(db: DbDep) -> None:
        create_user(db, email="dep@example.com")

    @router.post("/write-in-route-for-test")
    def in_route(db: DbDep) -> dict[str, int]:
        return {"id": create_user(db, email="route@example.com").id}

    @router.post("/write-in-dependency-for-test", dependencies=[Depends(writing_dependency)])
    def after_dependency() -> None:
        return None

    with TestClient(_app_with(router), raise_server_exceptions=False) as client:
        headers = {"X-CSRF-Token": csrf_token(client, "/login")}
        assert client.post("/write-in-route-for-test", headers=headers).status_code == 200
        assert client.post("/write-in-dependency-for-test", headers=headers).status_code == 500
    with get_sessionmaker()() as db:
        emails = set(db.scalars(select(User.email).where(User.email.like("%@example.com"))))
    assert "route@example.com" in emails
    assert "dep@example.com" not in emails


# --- a real server --------------------------------------------------------------------------------


def _sign_up(http: httpx.Client) -> None:
    page = http.get("/signup")
    token = page.text.split('name="csrf-token" content="')[1].split('"')[0]
    form = {"csrf_token": token, "email": "slow@example.com", "display_name": "Slow", "password": PASSWORD}
    assert http.post("/signup", data=form).status_code == 303


def _trickle_chunk(url: str, cookies: httpx.Cookies, headers: dict[str, str], take: int) -> socket.socket:
    """A chunk upload that sends its headers and 10 bytes of a 1 MB body, then nothing."""
    cookie = "; ".join(f"{name}={value}" for name, value in cookies.items())
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port))
    digest = hashlib.sha256(b"x").hexdigest()
    request = (
        f"PUT /api/takes/{take}/chunks/0 HTTP/1.1\r\nHost: {parts.netloc}\r\nCookie: {cookie}\r\n"
        f"X-CSRF-Token: {headers['X-CSRF-Token']}\r\nX-Chunk-SHA256: {digest}\r\n"
        f"Content-Length: {2**20}\r\n\r\n"
    )
    sock.sendall(request.encode() + b"\x1a\x45\xdf\xa3" + bytes(6))
    return sock


def test_a_slow_upload_does_not_stall_the_rest_of_the_site(tmp_path: Path) -> None:
    with serving(tmp_path) as url, httpx.Client(base_url=url, timeout=10) as http:
        _sign_up(http)
        token = http.get("/sessions").text.split('name="csrf-token" content="')[1].split('"')[0]
        headers = {"X-CSRF-Token": token}
        http.post("/consent", data={"csrf_token": token, "agree": "yes"})
        created = http.post("/sessions", data={"csrf_token": token, "kind": "mock", "mode": "video"})
        session_id = int(created.headers["location"].split("/")[2])
        take = http.post(f"/api/sessions/{session_id}/questions/1/takes", headers=headers).json()["take_id"]
        http.post(f"/api/takes/{take}/start", headers=headers)
        slow = [_trickle_chunk(url, http.cookies, headers, take) for _ in range(3)]
        try:
            time.sleep(0.5)
            started = time.monotonic()
            assert http.get("/sessions").status_code == 200
            assert http.get("/healthz").status_code == 200
            assert http.post(f"/api/takes/{take}/stop", headers=headers).status_code == 200
            assert time.monotonic() - started < 3
        finally:
            for sock in slow:
                sock.close()


def test_no_async_route_touches_the_database(app: FastAPI) -> None:
    """Database work is blocking: on the event loop it would stall every other request. An async
    route may read its body; its database work belongs in a sync route or dependency."""

    def needs_session(dependant: Dependant) -> bool:
        return any(d.call is get_db or needs_session(d) for d in dependant.dependencies)

    offenders = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in _routes(app)
        if inspect.iscoroutinefunction(route.endpoint) and needs_session(route.dependant)
    ]
    assert offenders == []


def _routes(app: FastAPI) -> list[APIRoute]:
    found: list[APIRoute] = []
    for route in app.routes:
        if hasattr(route, "original_router"):
            found += [r for r in route.original_router.routes if isinstance(r, APIRoute)]
        elif isinstance(route, APIRoute):
            found.append(route)
    return found


def test_database_errors_are_logged_without_emails_or_hashes(
    db: Session, caplog: pytest.LogCaptureFixture
) -> None:
    """Neither the SQL parameters nor the driver's message (PostgreSQL's DETAIL quotes the row)."""
    row = {
        "email": "twin@example.com",
        "display_name": "T",
        "password_hash": "$argon2id$secret-hash",
        "role": "candidate",
    }
    db.execute(insert(User).values(**row))
    with pytest.raises(IntegrityError) as caught, db.begin_nested():
        db.execute(insert(User).values(**row))
    request = Request(
        {"type": "http", "method": "POST", "path": "/signup", "headers": [], "query_string": b""}
    )
    with caplog.at_level(logging.ERROR):
        log_unexpected(request, caught.value)
    assert "IntegrityError" in caplog.text or "UniqueViolation" in caplog.text
    assert "secret-hash" not in caplog.text
    assert "twin@example.com" not in caplog.text


def test_forwarded_headers_are_trusted_only_from_named_proxies() -> None:
    assert uvicorn_options("127.0.0.1", 8000, 1, "")["proxy_headers"] is False
    trusted = uvicorn_options("127.0.0.1", 8000, 1, "10.0.0.5")
    assert trusted["proxy_headers"] is True
    assert trusted["forwarded_allow_ips"] == "10.0.0.5"


def test_serve_keeps_its_files_private(tmp_path: Path) -> None:
    with serving(tmp_path) as url:
        httpx.get(f"{url}/healthz")
    var = tmp_path / "var"
    for path in [var / "coach.db", var / "jobs.db", var / "secret_key"]:
        assert path.stat().st_mode & 0o077 == 0, path
    assert var.stat().st_mode & 0o077 == 0
