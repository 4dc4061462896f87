"""What the reviewer's pages are built from: their assessments, the candidate list with status
and stage, questions drawn by competency and difficulty, fresh links, who can still be added."""

import random
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden, InvalidInput, NotFound
from app.hiring import service
from app.hiring.access import Standing
from app.models import AuditEvent, InvitationStatus, Role, Stage
from app.questions import service as questions
from tests.factories import create_user
from tests.hiring.conftest import NOW, SLUGS, invited, new_assessment, owner_of, submitted


@pytest.mark.usefixtures("bank")
def test_a_reviewer_lists_what_they_own_and_what_they_were_added_to(db: Session) -> None:
    reviewer = create_user(db, Role.reviewer)
    own = new_assessment(db, reviewer, title="Own assessment")
    theirs = new_assessment(db, title="Added to")
    service.add_member(db, owner_of(db, theirs), theirs.id, reviewer.id, NOW)
    new_assessment(db, title="Someone else's")
    assert {a.id for a in service.my_assessments(db, reviewer)} == {own.id, theirs.id}
    assert service.other_assessments(db, reviewer) == []


@pytest.mark.usefixtures("bank")
def test_an_admin_also_finds_every_other_assessment_to_manage(db: Session) -> None:
    assessment = new_assessment(db)
    admin = create_user(db, Role.admin)
    assert [a.id for a in service.other_assessments(db, admin)] == [assessment.id]


@pytest.mark.usefixtures("bank")
def test_the_candidate_list_shows_status_submission_and_stage(db: Session) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    waiting = invited(db, assessment, "bo@example.com").invitation
    done = submitted(db, assessment, "ana@example.com")
    service.set_stage(db, owner, done.id, Stage.advance, "", NOW)
    view = service.assessment_view(db, owner, assessment.id, NOW)
    rows = {row.invitation.email: (row.status, row.stage) for row in view.candidates}
    assert rows == {
        "ana@example.com": (InvitationStatus.submitted, Stage.advance),
        "bo@example.com": (InvitationStatus.invited, Stage.new),
    }
    assert view.standing == Standing.owner
    assert [q.position for q in view.questions] == [1, 2]
    after = waiting.expires_at + timedelta(seconds=1)
    late = {
        r.invitation.email: r.status
        for r in service.assessment_view(db, owner, assessment.id, after).candidates
    }
    assert late == {"ana@example.com": InvitationStatus.submitted, "bo@example.com": InvitationStatus.expired}


@pytest.mark.usefixtures("bank")
def test_nobody_outside_the_assessment_sees_its_candidates_and_an_admins_look_is_recorded(
    db: Session,
) -> None:
    assessment = new_assessment(db)
    for outsider in (create_user(db, Role.reviewer), create_user(db, Role.editor), create_user(db)):
        with pytest.raises(NotFound):
            service.assessment_view(db, outsider, assessment.id, NOW)
    admin = create_user(db, Role.admin)
    assert service.assessment_view(db, admin, assessment.id, NOW).standing == Standing.admin
    [event] = db.scalars(select(AuditEvent).where(AuditEvent.actor_id == admin.id))
    assert (event.action, event.target_id) == ("assessment.view", assessment.id)


@pytest.mark.usefixtures("bank")
def test_questions_are_drawn_by_competency_and_difficulty_without_repeating_a_pick(db: Session) -> None:
    second = questions.get_question(db, SLUGS[1])
    wanted = questions.competency_ids(second)[0]
    assert service.draw_questions(db, wanted, second.difficulty, 1, [SLUGS[0]], random.Random(1)) == [
        SLUGS[1]
    ]
    with pytest.raises(InvalidInput, match="Only 0 more published questions"):
        service.draw_questions(db, "", "", 1, SLUGS, random.Random(1))
    with pytest.raises(InvalidInput, match="Only 0 more"):
        service.draw_questions(db, "no-such-competency", "", 1, [], random.Random(1))
    with pytest.raises(InvalidInput, match="between 1 and"):
        service.draw_questions(db, "", "", 0, [], random.Random(1))


@pytest.mark.usefixtures("bank")
def test_a_new_link_replaces_the_old_one(db: Session) -> None:
    assessment = new_assessment(db)
    issued = invited(db, assessment)
    fresh = service.new_link(db, owner_of(db, assessment), issued.invitation.id, NOW)
    candidate = create_user(db)
    with pytest.raises(NotFound):
        service.claim_invitation(db, issued.token, candidate, NOW)
    assert service.claim_invitation(db, fresh.token, candidate, NOW).id == issued.invitation.id


@pytest.mark.usefixtures("bank")
def test_only_the_owner_issues_new_links_and_never_for_a_submitted_candidate(db: Session) -> None:
    assessment = new_assessment(db)
    member = create_user(db, Role.reviewer)
    service.add_member(db, owner_of(db, assessment), assessment.id, member.id, NOW)
    issued = invited(db, assessment)
    before = issued.invitation.token_hash
    with pytest.raises(Forbidden):
        service.new_link(db, member, issued.invitation.id, NOW)
    done = submitted(db, assessment, "bo@example.com")
    with pytest.raises(Conflict):
        service.new_link(db, owner_of(db, assessment), done.id, NOW)
    assert issued.invitation.token_hash == before


@pytest.mark.usefixtures("bank")
def test_staff_to_add_leaves_out_the_owner_members_candidates_editors_and_disabled_accounts(
    db: Session,
) -> None:
    assessment = new_assessment(db)
    owner = owner_of(db, assessment)
    member, free = create_user(db, Role.reviewer), create_user(db, Role.reviewer)
    disabled = create_user(db, Role.reviewer)
    disabled.disabled_at = NOW
    create_user(db, Role.editor)
    create_user(db)
    service.add_member(db, owner, assessment.id, member.id, NOW)
    ids = {u.id for u in service.staff_to_add(db, assessment)}
    assert free.id in ids
    assert not ids & {owner.id, member.id, disabled.id}
    assert all(u.role in (Role.reviewer, Role.admin) for u in service.staff_to_add(db, assessment))
