"""Sign-up, sign-in, sign-out, the account page, password-reset links and the admin's user list.
Thin: parse, call, render."""

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts import api_tokens, service
from app.accounts.csrf import SESSION_COOKIE, rotate_nonce
from app.accounts.deps import (
    ADMINS_ONLY,
    AdminUser,
    CheckedPassword,
    CurrentUser,
    NewPasswordHash,
    OptionalUser,
)
from app.config import Settings, SettingsDep
from app.db import DbDep
from app.errors import AppError
from app.models import Role, User
from app.models.base import utcnow
from app.web import RowId, redirect, render, safe_next

router = APIRouter()
# What sign-up says about a taken email: not that the account exists (no enumeration).
SIGN_UP_REFUSED = "We could not create an account with these details. If you already have one, sign in."


def client_address(request: Request) -> str:
    """The peer's address; behind a proxy, uvicorn sets it from X-Forwarded-For only when the
    proxy is listed in `serve --forwarded-allow-ips`."""
    return request.client.host if request.client else "unknown"


def _signed_in(request: Request, response: Response, new: service.NewSession) -> Response:
    response.set_cookie(
        SESSION_COOKIE,
        new.token,
        expires=new.expires_at,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    rotate_nonce(response, secure=request.url.scheme == "https")
    return response


def _start(request: Request, db: DbDep, settings: Settings, user: User, target: str, notice: str) -> Response:
    new = service.start_session(db, user, settings, request.headers.get("user-agent", ""))
    return _signed_in(request, redirect(target, notice), new)


@router.get("/signup", response_class=HTMLResponse)
def signup_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(safe_next(next))
    return render(request, "accounts/signup.html", {"form": {}, "next": safe_next(next)})


@router.post("/signup")
def signup(
    request: Request,
    password_hash: NewPasswordHash,  # first: hashed before the transaction opens
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form()],
    display_name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    try:
        user = service.sign_up(
            db,
            email=email,
            password=password,
            display_name=display_name,
            address=client_address(request),
            settings=settings,
            password_hash=password_hash,
        )
    except AppError as error:
        form = {"email": email, "display_name": display_name}
        message = SIGN_UP_REFUSED if isinstance(error, service.EmailTaken) else error.message
        context = {"form": form, "error": message, "next": safe_next(next)}
        return render(request, "accounts/signup.html", context, error.status_code)
    return _start(request, db, settings, user, safe_next(next), "signed-up")


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, user: OptionalUser, next: str | None = None) -> Response:
    if user is not None:
        return redirect(safe_next(next))
    response = render(request, "accounts/login.html", {"next": safe_next(next), "email": ""})
    if request.cookies.get(SESSION_COOKIE):
        response.delete_cookie(SESSION_COOKIE)  # a session the app ended: its reason is shown once here
    return response


@router.post("/login")
def login(
    request: Request,
    checked: CheckedPassword,  # first: verified before the transaction opens
    db: DbDep,
    settings: SettingsDep,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    address = client_address(request)
    try:
        user = service.authenticate(
            db, email=email, password=password, address=address, settings=settings, checked=checked
        )
    except AppError as error:
        # Rendered, not raised: the failed attempt must be committed to count towards the limit.
        context = {"next": safe_next(next), "email": email, "error": error.message}
        return render(request, "accounts/login.html", context, error.status_code)
    return _start(request, db, settings, user, safe_next(next), "signed-in")


@router.post("/logout")
def logout(request: Request, db: DbDep) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        service.end_session(db, token)
    response = redirect("/", "signed-out")
    response.delete_cookie(SESSION_COOKIE)
    rotate_nonce(response, secure=request.url.scheme == "https")
    return response


@router.get("/account", response_class=HTMLResponse)
def account(request: Request, db: DbDep, user: CurrentUser) -> Response:
    return render(request, "accounts/account.html", {"tokens": api_tokens.of_user(db, user)})


@router.post("/account/password")
def change_password(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    user: CurrentUser,
    current_password: Annotated[str, Form()],
    new_password: Annotated[str, Form()],
) -> Response:
    try:
        service.change_password(
            db,
            user,
            current=current_password,
            new=new_password,
            address=client_address(request),
            settings=settings,
        )
    except AppError as error:
        return render(request, "accounts/account.html", {"error": error.message}, error.status_code)
    return _start(request, db, settings, user, "/account", "password-changed")


@router.post("/account/tokens", response_class=HTMLResponse)
def create_api_token(
    request: Request, db: DbDep, user: CurrentUser, name: Annotated[str, Form(max_length=200)]
) -> Response:
    row, token = api_tokens.create(db, user, name, utcnow())
    return render(request, "accounts/api_token.html", {"row": row, "token": token})


@router.post("/account/tokens/{api_token_id}/revoke")
def revoke_api_token(db: DbDep, user: CurrentUser, api_token_id: RowId) -> Response:
    api_tokens.revoke(db, user, api_token_id, utcnow())
    return redirect("/account#api-tokens", "token-revoked")


# --- password-reset links ---------------------------------------------------------------------


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_form(request: Request, db: DbDep, token: str) -> Response:
    try:
        who = service.reset_link_user(db, token, utcnow())
    except AppError as error:
        return render(request, "accounts/reset.html", {"error": error.message}, error.status_code)
    return _no_store(render(request, "accounts/reset.html", {"who": who, "token": token}))


@router.post("/reset/{token}")
def reset_password(
    request: Request,
    db: DbDep,
    settings: SettingsDep,
    token: str,
    new_password: Annotated[str, Form()],
) -> Response:
    try:
        user = service.reset_password(db, token, new_password, utcnow())
    except AppError as error:
        context = {"who": _link_user(db, token), "token": token, "error": error.message}
        return _no_store(render(request, "accounts/reset.html", context, error.status_code))
    return _start(request, db, settings, user, "/", "password-reset")


def _link_user(db: DbDep, token: str) -> User | None:
    try:
        return service.reset_link_user(db, token, utcnow())
    except AppError:
        return None


def _no_store(response: Response) -> Response:
    """A page holding a reset token is never cached, so it cannot be replayed from a cache."""
    response.headers["cache-control"] = "no-store"
    return response


# --- admin ------------------------------------------------------------------------------------


def _users_page(request: Request, db: DbDep, extra: dict[str, object] | None = None) -> Response:
    context = {
        "users": service.list_users(db),
        "roles": list(Role),
        "link_hours": service.RESET_LINK_HOURS,
    }
    return render(request, "accounts/users.html", context | (extra or {}))


@router.get("/admin/users", response_class=HTMLResponse, dependencies=[ADMINS_ONLY])
def users(request: Request, db: DbDep) -> Response:
    return _users_page(request, db)


@router.post("/admin/users/{user_id}/disable")
def disable_user(db: DbDep, admin: AdminUser, user_id: RowId) -> Response:
    service.disable_user(db, user_id=user_id, by=admin, now=utcnow())
    return redirect("/admin/users", "user-disabled")


@router.post("/admin/users/{user_id}/enable")
def enable_user(db: DbDep, admin: AdminUser, user_id: RowId) -> Response:
    service.enable_user(db, user_id=user_id, by=admin, now=utcnow())
    return redirect("/admin/users", "user-enabled")


@router.post("/admin/users/{user_id}/reset-link", response_class=HTMLResponse)
def reset_link(request: Request, db: DbDep, admin: AdminUser, user_id: RowId) -> Response:
    """Shown once, on this response only: the admin copies it and sends it to the user."""
    token = service.issue_reset_link(db, user_id=user_id, by=admin, now=utcnow())
    issued = {"user_id": user_id, "url": f"{request.base_url}reset/{token}"}
    return _no_store(_users_page(request, db, {"reset_link": issued}))


@router.post("/admin/users/{user_id}/role")
def set_role(db: DbDep, admin: AdminUser, user_id: RowId, role: Annotated[Role, Form()]) -> Response:
    service.set_role(db, user_id=user_id, role=role, by=admin, now=utcnow())
    return redirect("/admin/users", "role-changed")
