"""The application factory."""

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles

import app.jobs.registry  # noqa: F401  (registers every job, so routes can enqueue them by name)
from app.accounts import log_redaction
from app.accounts import routes as accounts
from app.accounts.csrf import CSRFMiddleware
from app.config import get_settings
from app.db import commit_in_the_route_thread
from app.hiring import api_routes as hiring_api
from app.hiring import impact_routes as hiring_impact
from app.hiring import review_routes as hiring_review
from app.hiring import routes as hiring
from app.hiring import share_routes as hiring_share
from app.interviews import routes as interviews
from app.interviews.uploads import CHUNK_LIMIT_BYTES
from app.limits import BodyLimitMiddleware, LargerBody
from app.ops import routes as ops
from app.ops.middleware import RequestContextMiddleware
from app.paths import STATIC_DIR
from app.privacy import routes as privacy
from app.questions import routes as questions
from app.scoring import routes as scoring
from app.scoring.consistency import publishing_problems
from app.site import routes as site
from app.web import SecurityHeadersMiddleware, install_error_handlers


def create_app() -> FastAPI:
    app = FastAPI(title="GitOps Interview Coach", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    # Routes are tried in order, every one of a router before the next, and no path is served by
    # two routers: the busiest first (a recording's chunks and status polls, then pages), so a
    # request skips the accounts' routes it will not match.
    for router in (
        interviews.router,
        scoring.router,
        questions.router,
        hiring.router,
        hiring_review.router,
        hiring_api.router,
        hiring_share.router,
        hiring_impact.router,
        privacy.router,
        site.router,
        ops.router,
        accounts.router,
    ):
        commit_in_the_route_thread(route for route in router.routes if isinstance(route, APIRoute))
        app.include_router(router)
    app.state.publish_check = publishing_problems  # the editor publishes only self-consistent questions
    install_error_handlers(app)
    log_redaction.install()
    app.add_middleware(CSRFMiddleware, secret=get_settings().resolved_secret_key())
    chunks = LargerBody("PUT", interviews.CHUNK_PATH, CHUNK_LIMIT_BYTES)
    app.add_middleware(BodyLimitMiddleware, larger=[chunks])  # outside CSRF: it bounds every read
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(RequestContextMiddleware)  # added last, so it wraps (and times) everything
    return app
