"""Plain factory functions and browser-like helpers used by the tests."""

import hashlib
import itertools
import re
from datetime import UTC, datetime

import yaml
from fastapi.testclient import TestClient
from httpx2 import Response  # what TestClient returns: starlette builds it on httpx2
from sqlalchemy.orm import Session

from app.accounts.service import hash_password
from app.config import get_settings
from app.interviews import service as interviews
from app.interviews import takes, uploads
from app.media.storage import FileStorage, MediaStorage, get_storage
from app.models import InterviewSession, Question, QuestionStatus, Role, Take, User
from app.models.base import utcnow
from app.paths import QUESTION_BANK_DIR
from app.questions import service as questions

PASSWORD = "correct horse battery"
_PASSWORD_HASH = hash_password(PASSWORD)  # hashed once: argon2 is slow on purpose
_serial = itertools.count(1)


def create_user(
    db: Session, role: Role = Role.candidate, email: str | None = None, name: str | None = None
) -> User:
    n = next(_serial)
    user = User(
        email=email or f"user{n}@example.com",
        display_name=name or f"User {n}",
        password_hash=_PASSWORD_HASH,
        role=role,
    )
    db.add(user)
    db.flush()
    return user


def csrf_token(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    match = re.search(r'<meta name="csrf-token" content="([0-9a-f]+)">', page.text)
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def post_form(client: TestClient, path: str, data: dict[str, str] | None = None) -> Response:
    """Submit a form the way the browser would: with the page's CSRF token."""
    return client.post(path, data={"csrf_token": csrf_token(client), **(data or {})}, follow_redirects=False)


def sign_in(client: TestClient, user: User, password: str = PASSWORD) -> Response:
    response = post_form(client, "/login", {"email": user.email, "password": password})
    assert response.status_code == 303, response.text
    return response


def publish_question(db: Session, slug: str, **changes: object) -> Question:
    """A published question with the shipped content of `slug` (and any changes)."""
    content = {
        **yaml.safe_load((QUESTION_BANK_DIR / "questions" / f"{slug}.yaml").read_text()),
        **changes,
    }
    editor = create_user(db, Role.editor)
    question = questions.create_question(db, content, editor)
    questions.set_status(db, slug, QuestionStatus.published)
    db.flush()
    return question


def consenting_candidate(db: Session) -> User:
    user = create_user(db)
    interviews.give_consent(db, user, datetime.now(UTC))
    return user


def local_storage() -> FileStorage:
    """The storage of the test settings: files, whose folder tests may look into."""
    storage = get_storage()
    assert isinstance(storage, FileStorage)
    return storage


def submit_recording(
    db: Session,
    user: User,
    interview: InterviewSession,
    position: int,
    data: bytes,
    storage: MediaStorage | None = None,
) -> Take:
    """Record and upload a whole answer in one chunk, as the browser would in several."""
    storage = storage or get_storage()
    take = takes.begin_take(db, user, interview, position, utcnow())
    takes.start_answer(take, utcnow())
    uploads.receive_chunk(db, storage, get_settings(), take, 0, data, hashlib.sha256(data).hexdigest())
    return uploads.finish_upload(storage, take, 1, "video/webm", utcnow())
