"""Who is asking: typed dependencies that every route uses for authentication and roles."""

import os
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Form, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from app.accounts import service
from app.accounts.csrf import SESSION_COOKIE
from app.db import DbDep, read_only_db
from app.errors import Forbidden, InvalidInput, NotAuthenticated
from app.limits import LoopSemaphore
from app.models import Role, User
from app.web import SIGNED_OUT, Viewer

# argon2 takes memory and a core per hash (the library releases the GIL): a burst of sign-ins
# waits its turn on the event loop, and leaves a core for every other request.
password_hashing = LoopSemaphore(max(1, (os.cpu_count() or 2) - 1))


def user_from_request(request: Request, db: Session) -> User | None:
    """The signed-in user, looked up once per request; a Viewer copy is kept for templates.
    When the app ended this browser's session, `request.state.signed_out` says why."""
    if "user" not in request.state._state:
        token = request.cookies.get(SESSION_COOKIE)
        request.state.user = service.user_for_token(db, token) if token else None
        if request.state.user is not None:
            user = request.state.user
            request.state.viewer = Viewer(user.id, user.email, user.display_name, user.role)
        elif token:
            request.state.signed_out = service.signed_out_reason(db, token)
    found: User | None = request.state.user
    return found


def _optional_user(request: Request, db: DbDep) -> User | None:
    return user_from_request(request, db)


def _required_user(request: Request, db: DbDep) -> User:
    user = user_from_request(request, db)
    if user is None:
        reason = getattr(request.state, "signed_out", None)
        raise NotAuthenticated(SIGNED_OUT[reason] if reason else "Please sign in to continue.")
    return user


OptionalUser = Annotated[User | None, Depends(_optional_user)]
CurrentUser = Annotated[User, Depends(_required_user)]


def require_role(*roles: Role) -> Callable[[User], User]:
    """A dependency admitting a signed-in user with one of `roles`; admins may do everything."""
    allowed = {*roles, Role.admin}

    def check(user: CurrentUser) -> User:
        if user.role not in allowed:
            raise Forbidden("Your account's role does not allow this page.")
        return user

    return check


_reviewer = require_role(Role.reviewer)
_editor = require_role(Role.editor)
_admin = require_role(Role.admin)
ReviewerUser = Annotated[User, Depends(_reviewer)]
EditorUser = Annotated[User, Depends(_editor)]
AdminUser = Annotated[User, Depends(_admin)]

# The same checks for a route that needs them but not the user: `dependencies=[EDITORS_ONLY]`.
# A route that also takes the user (`editor: EditorUser`) runs the check once: FastAPI caches it.
VIEWER_KNOWN = Depends(_optional_user)  # the page's header shows who is signed in
SIGNED_IN = Depends(_required_user)
REVIEWERS_ONLY = Depends(_reviewer)
EDITORS_ONLY = Depends(_editor)
ADMINS_ONLY = Depends(_admin)


async def _checked_password(
    email: Annotated[str, Form()], password: Annotated[str, Form()]
) -> service.PasswordCheck:
    """Sign-in's slow part, done before the request's transaction opens (declare it first)."""
    async with read_only_db() as db:
        stored = await run_in_threadpool(service.stored_password_hash, db, email)
    async with password_hashing():
        return await run_in_threadpool(service.check_password, stored, password)


async def _new_password_hash(password: Annotated[str, Form()]) -> str | None:
    """Sign-up's slow part, before its transaction; None when the password breaks a rule
    (the service then says which)."""
    try:
        service.check_password_rules(password)
    except InvalidInput:
        return None
    async with password_hashing():
        return await run_in_threadpool(service.hash_password, password)


async def signed_in_user_id(request: Request) -> int | None:
    """Who sent this request, in a short read-only transaction of its own: for limits that must
    apply before the request's body is read and its transaction opens (chunk uploads)."""
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    async with read_only_db() as db:
        user = await run_in_threadpool(service.user_for_token, db, token)
    return user.id if user else None


CheckedPassword = Annotated[service.PasswordCheck, Depends(_checked_password)]
NewPasswordHash = Annotated[str | None, Depends(_new_password_hash)]
