"""The audit record: one hash chain of every staff access and change, that the app never rewrites
and that `gitops-coach audit verify` checks."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from app.accounts import service as accounts
from app.audit import log as audit
from app.cli import cli
from app.db import get_engine
from app.hiring import service as hiring
from app.hiring.invitations import Candidate
from app.models import AuditEvent, AuditHead, Role
from tests.factories import create_user
from tests.hiring.conftest import NOW, bank, new_assessment, owner_of

__all__ = ["bank"]  # the published questions an assessment needs, as a fixture

runner = CliRunner()


def events(db: Session) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def tamper(db: Session, sql: str, **values: object) -> None:
    """What someone with database access could do behind the app's back."""
    db.flush()
    db.connection().execute(text(sql), values)
    db.expire_all()


def some_history(db: Session) -> list[AuditEvent]:
    admin = create_user(db, Role.admin)
    assessment = new_assessment(db)
    [issued] = hiring.invite(
        db, owner_of(db, assessment), assessment.id, [Candidate("Ada", "ada@example.com")], NOW
    ).issued
    reviewer = create_user(db)
    accounts.set_role(db, user_id=reviewer.id, role=Role.reviewer, by=admin, now=NOW)
    accounts.disable_user(db, user_id=reviewer.id, by=admin, now=NOW)
    db.flush()
    assert issued.invitation.assessment_id == assessment.id
    return events(db)


@pytest.mark.usefixtures("bank")
def test_staff_actions_make_one_chain_filed_under_their_assessment_and_person(db: Session) -> None:
    history = some_history(db)
    actions = [e.action for e in history]
    assert actions[:2] == ["assessment.create", "invitation.create"]
    assert actions[-2:] == ["user.set-role", "user.disable"]
    assert history[0].assessment_id == history[0].target_id
    assert history[1].assessment_id == history[0].target_id
    assert history[-2].subject_id == history[-2].target_id
    assert history[-2].detail == "candidate -> reviewer"
    assert [e.previous for e in history[1:]] == [e.digest for e in history[:-1]]
    head = db.get_one(AuditHead, 1)
    assert head.digest == history[-1].digest
    assert audit.verify(db) == audit.Verification(head.events)


@pytest.mark.usefixtures("bank")
def test_a_changed_event_breaks_the_chain_exactly_there(db: Session) -> None:
    history = some_history(db)
    tamper(db, "UPDATE audit_events SET action = 'nothing' WHERE id = :id", id=history[1].id)
    result = audit.verify(db)
    assert not result.intact
    assert result.broken_at == history[1].id
    assert "fields were changed" in result.reason


@pytest.mark.usefixtures("bank")
def test_a_deleted_event_breaks_the_chain_at_the_one_after_it(db: Session) -> None:
    history = some_history(db)
    tamper(db, "DELETE FROM audit_events WHERE id = :id", id=history[1].id)
    result = audit.verify(db)
    assert result.broken_at == history[2].id
    assert "before it was changed or deleted" in result.reason


@pytest.mark.usefixtures("bank")
def test_cutting_off_the_last_events_shows_too(db: Session) -> None:
    history = some_history(db)
    tamper(db, "DELETE FROM audit_events WHERE id = :id", id=history[-1].id)
    result = audit.verify(db)
    assert result.broken_at is None
    assert "1 event(s) missing at the end" in result.reason


@pytest.mark.usefixtures("bank")
def test_the_app_never_changes_or_deletes_an_event(db: Session) -> None:
    history = some_history(db)
    db.commit()  # kept: each refused attempt below is rolled back on its own
    before = [(e.id, e.action, e.digest) for e in history]
    history[0].action = "rewritten"
    with pytest.raises(audit.AuditRewriteRefused):
        db.flush()
    db.rollback()
    db.delete(db.get_one(AuditEvent, before[0][0]))
    with pytest.raises(audit.AuditRewriteRefused):
        db.flush()
    db.rollback()
    for statement in (delete(AuditEvent), update(AuditEvent).values(action="x")):
        with pytest.raises(audit.AuditRewriteRefused):
            db.execute(statement)
    db.rollback()
    assert [(e.id, e.action, e.digest) for e in events(db)] == before


@pytest.mark.usefixtures("bank")
def test_audit_verify_from_the_shell(db: Session) -> None:
    history = some_history(db)
    db.commit()  # the command opens its own session (joined to the test's transaction)
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{len(history)} audit event(s); the chain is intact." in result.output
    tamper(db, "UPDATE audit_events SET target_id = 0 WHERE id = :id", id=history[2].id)
    db.commit()
    result = runner.invoke(cli, ["audit", "verify"])
    assert result.exit_code == 1
    assert f"broken at event {history[2].id}" in result.output
    assert "2 event(s) before it check out" in result.output


def test_changes_from_the_shell_are_recorded_as_the_shell(db: Session) -> None:
    user = create_user(db)
    db.commit()
    result = runner.invoke(cli, ["users", "set-role", "--email", user.email, "--role", "editor"])
    assert result.exit_code == 0, result.output
    [event] = [e for e in events(db) if e.subject_id == user.id]
    assert (event.actor_id, event.actor_role, event.action) == (None, audit.SHELL, "user.set-role")


@pytest.mark.usefixtures("migrated")
def test_parallel_appends_queue_on_the_head_and_never_fork_the_chain() -> None:
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN IMMEDIATE: appends queue anyway")
    factory = sessionmaker(bind=engine)
    with factory() as db:
        last = db.scalar(select(func.max(AuditEvent.id))) or 0
        head = db.get(AuditHead, 1)
        saved = (head.digest, head.events) if head else None

    def append(n: int) -> None:
        with factory.begin() as db:
            audit.append(db, audit.Actor(n, "reviewer"), "test.parallel", ("test", n), NOW)

    try:
        with ThreadPoolExecutor(max_workers=12) as pool:
            list(pool.map(append, range(24)))
        with factory() as db:
            assert audit.verify(db).intact
            assert db.scalar(select(func.count()).where(AuditEvent.id > last)) == 24
    finally:
        with factory.begin() as db:
            db.execute(delete(AuditEvent).where(AuditEvent.id > last))
            if saved:
                db.execute(update(AuditHead).values(digest=saved[0], events=saved[1]))
