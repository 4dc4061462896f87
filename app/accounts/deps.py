"""Who is asking: typed dependencies that every route uses for authentication and roles."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.accounts import service
from app.db import SessionDep
from app.errors import Forbidden, NotAuthenticated
from app.models import Role, SignOutReason, User

SESSION_COOKIE = "coach_session"
# What a browser whose session the app ended is told (on the sign-in page, and by the API).
SIGNED_OUT = {
    SignOutReason.role_changed: "Your role was changed; please sign in again.",
    SignOutReason.disabled: "Your account was disabled by an admin, so you were signed out.",
    SignOutReason.password_reset: "Your password was reset; please sign in with the new one.",
    SignOutReason.password_changed: "Your password was changed; please sign in again.",
}


@dataclass(frozen=True)
class Viewer:
    """What pages show about the signed-in user, copied when the user is loaded, so an error
    page can render it without the database (its handler runs on the event loop)."""

    id: int
    email: str
    display_name: str
    role: Role


def user_from_request(request: Request, session: Session) -> User | None:
    """The signed-in user, looked up once per request; a Viewer copy is kept for templates.
    When the app ended this browser's session, `request.state.signed_out` says why."""
    if "user" not in request.state._state:
        token = request.cookies.get(SESSION_COOKIE)
        request.state.user = service.user_for_token(session, token) if token else None
        if request.state.user is not None:
            user = request.state.user
            request.state.viewer = Viewer(user.id, user.email, user.display_name, user.role)
        elif token:
            request.state.signed_out = service.signed_out_reason(session, token)
    found: User | None = request.state.user
    return found


def _optional_user(request: Request, session: SessionDep) -> User | None:
    return user_from_request(request, session)


def _required_user(request: Request, session: SessionDep) -> User:
    user = user_from_request(request, session)
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


ReviewerUser = Annotated[User, Depends(require_role(Role.reviewer))]
EditorUser = Annotated[User, Depends(require_role(Role.editor))]
AdminUser = Annotated[User, Depends(require_role(Role.admin))]
