"""Shared vocabulary of the authorization matrix: who asks, and what each of them must get."""

from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import Mount

ACTORS = ("anonymous", "candidate", "other_candidate", "reviewer", "editor", "admin")
SIGNED_IN = ACTORS[1:]
LOGIN = "login"  # a redirect to the sign-in page


@dataclass(frozen=True)
class Rule:
    """Expected outcome per actor: an HTTP status, or LOGIN for a redirect to /login."""

    outcomes: dict[str, int | str]
    form: dict[str, str] = field(default_factory=dict)
    json: dict[str, object] | None = None  # sent as JSON, with the CSRF token in the header
    query: str = ""
    raw: bytes | None = None  # sent as the body, with its SHA-256 in X-Chunk-SHA256

    def __post_init__(self) -> None:
        assert set(self.outcomes) == set(ACTORS), f"every actor needs an outcome: {self.outcomes}"


def rule(default: int | str, form: dict[str, str] | None = None, **overrides: int | str) -> Rule:
    return Rule({actor: overrides.get(actor, default) for actor in ACTORS}, form or {})


def with_input(
    base: Rule,
    form: dict[str, str] | None = None,
    json: dict[str, object] | None = None,
    query: str = "",
    raw: bytes | None = None,
) -> Rule:
    return Rule(base.outcomes, form or base.form, json, query, raw)


def owner_page(status: int = 200) -> Rule:
    """The owner's own resource: everyone else is told it does not exist."""
    return Rule({a: LOGIN if a == "anonymous" else status if a == "candidate" else 404 for a in ACTORS})


def owner_action(status: int = 303, **inputs: object) -> Rule:
    outcomes = {a: 401 if a == "anonymous" else status if a == "candidate" else 404 for a in ACTORS}
    return with_input(Rule(outcomes), **inputs)  # type: ignore[arg-type]


def public(status: int = 200, **kw: Any) -> Rule:
    return rule(status, **kw)


def signed_in_page(**overrides: int | str) -> Rule:
    return rule(200, None, anonymous=LOGIN, **overrides)


def signed_in_action(status: int = 303, form: dict[str, str] | None = None, **overrides: int | str) -> Rule:
    return rule(status, form, anonymous=401, **overrides)


def role_page(*roles: str, status: int = 200) -> Rule:
    allowed = {*roles, "admin"}
    return Rule({a: LOGIN if a == "anonymous" else status if a in allowed else 403 for a in ACTORS})


def role_action(*roles: str, status: int = 303, form: dict[str, str] | None = None) -> Rule:
    allowed = {*roles, "admin"}
    return Rule({a: 401 if a == "anonymous" else status if a in allowed else 403 for a in ACTORS}, form or {})


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the app serves, looking inside included routers and mounts."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if hasattr(route, "original_router"):
                walk(route.original_router.routes, prefix + route.include_context.prefix)
            elif isinstance(route, APIRoute):
                found.update((method, prefix + route.path) for method in (route.methods or set()) - {"HEAD"})
            elif isinstance(route, Mount):
                found.add(("GET", prefix + route.path + "/{path}"))

    walk(app.routes, "")
    return found
