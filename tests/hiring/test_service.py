"""Assessments, reviewers, invitations, accommodations and stages through the service functions,
on the real database. Refused calls are shown to change no row."""

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from app.hiring import service
from app.hiring.access import Action
from app.hiring.invitations import Candidate, CandidateListError, hash_token
from app.models import (
    AnswerMode,
    AssessmentQuestion,
    AuditEvent,
    Invitation,
    InvitationStatus,
    Question,
    QuestionStatus,
    Role,
    Stage,
)
from app.questions import service as questions
from tests.factories import create_user
from tests.hiring.conftest import NOW, invited, new_assessment, owner_of, row_counts, spec


def _events(db: Session) -> list[tuple[int | None, str, str, str, int]]:
    rows = db.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(e.actor_id, e.actor_role, e.action, e.target_type, e.target_id) for e in rows]


# --- creating an assessment ----------------------------------------------------------------------


def test_an_assessment_pins_the_current_versions_with_the_banks_times(db: Session, bank: list[str]) -> None:
    owner = create_user(db, Role.reviewer)
    assessment = new_assessment(db, owner, retakes_allowed=1, ai_scoring=False, retention_days=180)
    pinned = list(db.scalars(select(AssessmentQuestion).order_by(AssessmentQuestion.position)))
    current = {q.slug: q.current_version_id for q in db.scalars(select(Question))}
    assert [p.question_version_id for p in pinned] == [current[s] for s in bank]
    assert [(p.prep_seconds, p.answer_seconds) for p in pinned] == [(30, 150), (30, 120)]
    assert (assessment.owner_id, assessment.retakes_allowed, assessment.ai_scoring) == (owner.id, 1, False)
    assert (assessment.allow_video, assessment.allow_audio, assessment.allow_typed) == (True, False, True)
    assert assessment.retention_days == 180
    assert _events(db) == [(owner.id, "reviewer", "assessment.create", "assessment", assessment.id)]


@pytest.mark.usefixtures("bank")
def test_later_edits_to_a_question_leave_the_assessment_on_its_version(db: Session) -> None:
    new_assessment(db)
    before = db.scalars(select(AssessmentQuestion.question_version_id)).all()
    question = questions.get_question(db, "sync-interval")
    edited = {**question.current_version.content, "title": "Sync interval, edited"}  # type: ignore[union-attr]
    questions.save_question(db, "sync-interval", edited, create_user(db, Role.editor))
    assert db.scalars(select(AssessmentQuestion.question_version_id)).all() == before


@pytest.mark.usefixtures("bank")
def test_one_time_for_all_questions_overrides_the_banks(db: Session) -> None:
    new_assessment(db, prep_seconds=0, answer_seconds=300)
    assert {(q.prep_seconds, q.answer_seconds) for q in db.scalars(select(AssessmentQuestion))} == {(0, 300)}


@pytest.mark.usefixtures("bank")
def test_the_deadline_is_stored_in_utc_with_its_zone(db: Session) -> None:
    berlin = new_assessment(db)  # 18:00 in Berlin in December is 17:00 UTC
    assert berlin.deadline_at == datetime(2026, 12, 15, 17, 0, tzinfo=UTC)
    assert berlin.deadline_zone == "Europe/Berlin"
    tokyo = new_assessment(db, time_zone="Asia/Tokyo")
    assert tokyo.deadline_at == datetime(2026, 12, 15, 9, 0, tzinfo=UTC)


def test_a_wall_time_the_clocks_skip_is_refused_and_a_repeated_one_means_the_first() -> None:
    with pytest.raises(InvalidInput, match="the clocks skip it"):
        service.deadline_in_utc(datetime(2027, 3, 28, 2, 30), "Europe/Berlin")
    first = service.deadline_in_utc(datetime(2027, 10, 31, 2, 30), "Europe/Berlin")
    assert first == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still summer time, UTC+2
    with pytest.raises(InvalidInput, match="not a time zone"):
        service.deadline_in_utc(datetime(2027, 1, 1), "Mars/Olympus")
    with pytest.raises(InvalidInput, match="not a time zone"):
        service.deadline_in_utc(datetime(2027, 1, 1), "../../etc/passwd")


@pytest.mark.parametrize(
    ("changes", "complaint"),
    [
        ({"deadline_local": datetime(2026, 12, 1, 10, 30)}, "at least an hour"),  # 09:30 UTC, NOW is 09:00
        ({"deadline_local": datetime(2028, 1, 1, 12, 0)}, "at most a year"),
        ({"question_slugs": ["drift-manual-edit", "no-such-question"]}, "'no-such-question'"),
        ({"time_zone": "Nowhere/Special"}, "not a time zone"),
    ],
)
@pytest.mark.usefixtures("bank")
def test_bad_settings_are_refused_and_nothing_is_created(
    db: Session, changes: dict[str, object], complaint: str
) -> None:
    owner = create_user(db, Role.reviewer)
    before = row_counts(db)
    with pytest.raises(InvalidInput, match=complaint):
        service.create_assessment(db, owner, spec(**changes), NOW)
    assert row_counts(db) == before


@pytest.mark.usefixtures("bank")
def test_a_draft_or_retired_question_cannot_be_put_in_an_assessment(db: Session) -> None:
    questions.set_status(db, "sync-interval", QuestionStatus.draft)
    with pytest.raises(InvalidInput, match="'sync-interval'"):
        new_assessment(db)


@pytest.mark.parametrize("role", [Role.candidate, Role.editor])
@pytest.mark.usefixtures("bank")
def test_only_reviewers_and_admins_create_assessments(db: Session, role: Role) -> None:
    user = create_user(db, role)
    before = row_counts(db)
    with pytest.raises(Forbidden):
        service.create_assessment(db, user, spec(), NOW)
    assert row_counts(db) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"question_slugs": ["sync-interval", "sync-interval"]}, "listed twice"),
        ({"question_slugs": []}, "question_slugs"),
        ({"answer_modes": set()}, "answer_modes"),
        ({"retakes_allowed": 6}, "retakes_allowed"),
        ({"retention_days": 2000}, "retention_days"),
        ({"answer_seconds": 10}, "answer_seconds"),
        ({"title": "Platform\nBcc: everyone@example.com"}, "control characters"),
        ({"deadline_local": datetime(2026, 12, 15, 18, 0, tzinfo=UTC)}, "local time"),
        ({"level": "principal"}, "level"),
    ],
)
def test_the_form_refuses_bad_values_before_the_service_sees_them(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(ValidationError, match=field):
        spec(**changes)


# --- who may open it, and reviewers --------------------------------------------------------------


@pytest.mark.usefixtures("bank")
def test_strangers_are_told_it_does_not_exist_and_admins_are_recorded(db: Session) -> None:
    assessment = new_assessment(db)
    for role in (Role.reviewer, Role.editor, Role.candidate):
        with pytest.raises(NotFound):
            service.open_assessment(db, create_user(db, role), assessment.id, Action.view, NOW)
    with pytest.raises(NotFound):
        service.open_assessment(db, create_user(db, Role.reviewer), assessment.id + 999, Action.view, NOW)
    owner_events = _events(db)
    service.open_assessment(db, owner_of(db, assessment), assessment.id, Action.view, NOW)
    assert _events(db) == owner_events  # the owner's own views are not access to someone else's data
    admin = create_user(db, Role.admin)
    service.open_assessment(db, admin, assessment.id, Action.view, NOW)
    db.flush()
    assert _events(db)[-1] == (admin.id, "admin", "assessment.view", "assessment", assessment.id)


@pytest.mark.usefixtures("bank")
def test_the_owner_adds_a_reviewer_who_then_sees_it_but_cannot_add_others(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    colleague, third = create_user(db, Role.reviewer), create_user(db, Role.reviewer)
    with pytest.raises(NotFound):
        service.open_assessment(db, colleague, assessment.id, Action.view, NOW)
    service.add_member(db, owner, assessment.id, colleague.id, NOW)
    assert service.open_assessment(db, colleague, assessment.id, Action.rate, NOW) is assessment
    before = row_counts(db)
    with pytest.raises(Forbidden):
        service.add_member(db, colleague, assessment.id, third.id, NOW)
    with pytest.raises(Conflict, match="already has access"):
        service.add_member(db, owner, assessment.id, colleague.id, NOW)
    assert row_counts(db) == before


@pytest.mark.parametrize("role", [Role.editor, Role.candidate])
@pytest.mark.usefixtures("bank")
def test_only_staff_can_be_added(db: Session, role: Role) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    outsider = create_user(db, role)
    before = row_counts(db)
    with pytest.raises(InvalidInput, match="active reviewer or admin"):
        service.add_member(db, owner, assessment.id, outsider.id, NOW)
    assert row_counts(db) == before


@pytest.mark.usefixtures("bank")
def test_an_admin_manages_membership_and_it_is_recorded(db: Session) -> None:
    assessment = new_assessment(db)
    admin, colleague = create_user(db, Role.admin), create_user(db, Role.reviewer)
    service.add_member(db, admin, assessment.id, colleague.id, NOW)
    assert [e[1:3] for e in _events(db)[-2:]] == [
        ("admin", "assessment.manage-members"),
        ("admin", "assessment.add-member"),
    ]
    with pytest.raises(Forbidden):  # looking and membership, not running the assessment
        service.invite(db, admin, assessment.id, [Candidate("Bo", "bo@example.com")], NOW)


# --- invitations ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("bank")
def test_invitations_store_only_the_tokens_hash_and_expire_with_the_deadline(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    batch = service.invite(
        db,
        owner,
        assessment.id,
        [Candidate("Ana", "ana@example.com"), Candidate("Bo", "bo@example.com")],
        NOW,
    )
    assert len(batch.issued) == 2
    assert batch.already_invited == []
    for issued in batch.issued:
        row = db.get_one(Invitation, issued.invitation.id)
        assert row.token_hash == hash_token(issued.token)
        assert issued.token not in {str(v) for v in vars(row).values()}
        assert (row.status, row.expires_at, row.used_by_id) == (
            InvitationStatus.invited,
            assessment.deadline_at,
            None,
        )
    assert len({i.token for i in batch.issued}) == 2
    assert [e[2] for e in _events(db)[-2:]] == ["invitation.create", "invitation.create"]


@pytest.mark.usefixtures("bank")
def test_an_email_given_twice_in_one_call_is_invited_once_under_its_first_name(db: Session) -> None:
    assessment = new_assessment(db)
    twice = [
        Candidate("Ana", "ana@example.com"),
        Candidate("Bo", "bo@example.com"),
        Candidate("A. L.", "ana@example.com"),
    ]
    batch = service.invite(db, owner_of(db, assessment), assessment.id, twice, NOW)
    assert [(i.invitation.name, i.invitation.email) for i in batch.issued] == [
        ("Ana", "ana@example.com"),
        ("Bo", "bo@example.com"),
    ]


@pytest.mark.usefixtures("bank")
def test_inviting_someone_again_leaves_their_invitation_as_it_was(db: Session) -> None:
    assessment = new_assessment(db)
    first = invited(db, assessment)
    owner = owner_of(db, assessment)
    batch = service.invite(db, owner, assessment.id, [Candidate("Ana L", "ana@example.com")], NOW)
    assert batch.issued == []
    assert batch.already_invited == ["ana@example.com"]
    assert db.get_one(Invitation, first.invitation.id).token_hash == hash_token(first.token)


@pytest.mark.usefixtures("bank")
def test_a_pasted_list_imports_everyone_or_nobody(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    before = row_counts(db)
    with pytest.raises(CandidateListError) as caught:
        service.invite_list(db, owner, assessment.id, "Ana,ana@example.com\nBo,bo-at-example\n", NOW)
    assert [e.line for e in caught.value.errors] == [2]
    assert row_counts(db) == before
    batch = service.invite_list(
        db, owner, assessment.id, "name,email\nAna,ana@example.com\nAna,ANA@example.com\n", NOW
    )
    assert [i.invitation.email for i in batch.issued] == ["ana@example.com"]
    assert batch.repeated_lines == (3,)


@pytest.mark.usefixtures("bank")
def test_a_reviewer_added_to_the_assessment_cannot_invite_and_nothing_changes(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    colleague = create_user(db, Role.reviewer)
    service.add_member(db, owner, assessment.id, colleague.id, NOW)
    before = row_counts(db)
    with pytest.raises(Forbidden):
        service.invite(db, colleague, assessment.id, [Candidate("Bo", "bo@example.com")], NOW)
    assert row_counts(db) == before


@pytest.mark.usefixtures("bank")
def test_nobody_is_invited_after_the_deadline(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    with pytest.raises(Gone):
        service.invite(db, owner, assessment.id, [Candidate("Bo", "bo@example.com")], assessment.deadline_at)


# --- opening a link ------------------------------------------------------------------------------


@pytest.mark.usefixtures("bank")
def test_the_first_account_to_open_a_link_owns_it_and_a_second_is_refused(db: Session) -> None:
    issued = invited(db, new_assessment(db))
    ana, mallory = create_user(db), create_user(db)
    opened = service.claim_invitation(db, issued.token, ana, NOW)
    assert (opened.used_by_id, opened.used_at, opened.status) == (ana.id, NOW, InvitationStatus.opened)
    assert service.claim_invitation(db, issued.token, ana, NOW + timedelta(hours=1)).used_at == NOW
    with pytest.raises(Forbidden, match="another account"):
        service.claim_invitation(db, issued.token, mallory, NOW)
    assert db.get_one(Invitation, issued.invitation.id).used_by_id == ana.id


@pytest.mark.usefixtures("bank")
def test_a_wrong_or_expired_link_opens_nothing(db: Session) -> None:
    assessment = new_assessment(db)
    issued = invited(db, assessment)
    ana = create_user(db)
    with pytest.raises(NotFound):
        service.claim_invitation(db, issued.token[:-2] + "xx", ana, NOW)
    with pytest.raises(Gone):
        service.claim_invitation(db, issued.token, ana, assessment.deadline_at)
    assert db.get_one(Invitation, issued.invitation.id).used_by_id is None


# --- accommodations and stages -------------------------------------------------------------------


@pytest.mark.usefixtures("bank")
def test_an_extension_reopens_an_expired_invitation_and_extra_time_is_kept(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    issued = invited(db, assessment)
    later = assessment.deadline_at + timedelta(days=3)
    issued.invitation.status = InvitationStatus.expired
    service.accommodate(db, owner, issued.invitation.id, NOW, expires_at=later, extra_time_percent=50)
    row = db.get_one(Invitation, issued.invitation.id)
    assert (row.expires_at, row.extra_time_percent, row.status) == (later, 50, InvitationStatus.invited)
    ana = create_user(db)
    assert (
        service.claim_invitation(db, issued.token, ana, assessment.deadline_at + timedelta(days=1)).used_by_id
        == ana.id
    )
    with pytest.raises(InvalidInput, match="between 0 and 200"):
        service.accommodate(db, owner, issued.invitation.id, NOW, extra_time_percent=250)
    with pytest.raises(InvalidInput, match="in the future"):
        service.accommodate(db, owner, issued.invitation.id, NOW, expires_at=NOW - timedelta(hours=1))


@pytest.mark.usefixtures("bank")
def test_stages_are_set_by_people_and_every_change_is_kept(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    colleague = create_user(db, Role.reviewer)
    service.add_member(db, owner, assessment.id, colleague.id, NOW)
    invitation = invited(db, assessment).invitation
    assert service.current_stage(service.stage_history(db, invitation.id)) == Stage.new
    service.set_stage(db, colleague, invitation.id, Stage.in_review, "", NOW)
    service.set_stage(
        db, owner, invitation.id, Stage.advance, "  strong on drift  ", NOW + timedelta(hours=1)
    )
    history = service.stage_history(db, invitation.id)
    assert [(h.stage, h.set_by_id, h.reason) for h in history] == [
        (Stage.in_review, colleague.id, ""),
        (Stage.advance, owner.id, "strong on drift"),
    ]
    assert service.current_stage(history) == Stage.advance
    with pytest.raises(Conflict, match="already at advance"):
        service.set_stage(db, owner, invitation.id, Stage.advance, "", NOW)
    strangers = create_user(db, Role.reviewer), create_user(db, Role.admin)
    before = row_counts(db)
    for stranger, refusal in zip(strangers, (NotFound, Forbidden), strict=True):
        with pytest.raises(refusal):
            service.set_stage(db, stranger, invitation.id, Stage.decline, "", NOW)
    assert row_counts(db) == before


# --- what the database itself refuses ------------------------------------------------------------


@pytest.mark.usefixtures("bank")
def test_the_database_refuses_an_assessment_without_answer_modes(db: Session) -> None:
    assessment = new_assessment(db)
    assessment.allow_video = assessment.allow_typed = False
    with pytest.raises(IntegrityError), db.begin_nested():
        db.flush()


@pytest.mark.usefixtures("bank")
def test_the_spec_answer_modes_map_to_the_columns(db: Session) -> None:
    assessment = new_assessment(db, answer_modes={AnswerMode.audio})
    assert (assessment.allow_video, assessment.allow_audio, assessment.allow_typed) == (False, True, False)
