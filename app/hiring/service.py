"""Hiring rules that need the database: creating assessments, adding reviewers, issuing
invitations and sending them, opening an assessment for a person (with the admin's access
recorded). Functions flush; the request commits. Mail is composed here but sent by the caller
after the commit, outside any transaction."""

import random
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, selectinload

from app.audit import log as audit
from app.config import Settings
from app.errors import Conflict, Forbidden, Gone, InvalidInput, NotFound
from app.hiring import access, webhook_events
from app.hiring.access import Action, Person
from app.hiring.invitations import Candidate, check_link, hash_token, issue_token, parse_candidate_list
from app.hiring.schemas import MAX_QUESTIONS, AssessmentSpec
from app.interviews import service as interviews
from app.jobs.queue import enqueue_after_commit
from app.models import (
    AnswerMode,
    Assessment,
    AssessmentMember,
    AssessmentQuestion,
    CandidateStage,
    Invitation,
    InvitationStatus,
    Question,
    QuestionStatus,
    Role,
    Stage,
    User,
)
from app.questions import service as bank

MIN_LEAD = timedelta(hours=1)  # a deadline sooner than this leaves candidates no time
MAX_LEAD = timedelta(days=366)
MAX_INVITATIONS = 2000  # per assessment: bounded work for every page and export that lists them
MAX_EXTRA_TIME_PERCENT = 200
MAX_REASON = 2000
SEND_INVITATION = "send_invitation"  # the job that emails a new link (app.hiring.tasks)


def person(user: User) -> Person:
    return Person(user.id, user.role)


def record(
    db: Session, actor: User, action: str, target_type: str, target_id: int, now: datetime, detail: str = ""
) -> None:
    """Write one staff access or change to the audit record, filed under its assessment and,
    for an invitation, under the candidate who used it."""
    assessment_id: int | None = target_id if target_type == "assessment" else None
    subject_id: int | None = None
    if target_type == "invitation" and (invitation := db.get(Invitation, target_id)) is not None:
        assessment_id, subject_id = invitation.assessment_id, invitation.used_by_id
    audit.append(
        db,
        audit.Actor(actor.id, actor.role.value),
        action,
        (target_type, target_id),
        now,
        assessment_id=assessment_id,
        subject_id=subject_id,
        detail=detail,
    )


def deadline_in_utc(local: datetime, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in an IANA zone. A time the zone skips (clocks going
    forward) is refused rather than silently moved; a repeated one means its first occurrence."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"{zone!r} is not a time zone; use a name like Europe/Berlin.") from None
    aware = local.replace(tzinfo=tz, fold=0)
    if aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != local:
        raise InvalidInput(f"{local:%Y-%m-%d %H:%M} does not exist in {zone}: the clocks skip it.")
    return aware.astimezone(UTC)


def _pinned_questions(db: Session, slugs: Sequence[str]) -> list[Question]:
    found = {
        q.slug: q
        for q in db.scalars(
            select(Question)
            .options(selectinload(Question.current_version))
            .where(
                Question.slug.in_(slugs),
                Question.status == QuestionStatus.published,
                Question.retired_at.is_(None),
            )
        )
    }
    missing = [s for s in slugs if s not in found or found[s].current_version_id is None]
    if missing:
        raise InvalidInput(f"No published question {', '.join(repr(s) for s in missing)}.")
    return [found[s] for s in slugs]


def _question_times(question: Question, spec: AssessmentSpec) -> tuple[int, int]:
    assert question.current_version is not None
    content = question.current_version.content
    prep = spec.prep_seconds if spec.prep_seconds is not None else int(content["prep_seconds"])
    answer = spec.answer_seconds if spec.answer_seconds is not None else int(content["answer_seconds"])
    return prep, answer


def create_assessment(db: Session, owner: User, spec: AssessmentSpec, now: datetime) -> Assessment:
    """A new assessment owned by `owner`, its questions pinned to the versions current now."""
    if not access.may_create_assessment(owner.role):
        raise Forbidden("Only reviewers and admins create assessments.")
    deadline = deadline_in_utc(spec.deadline_local, spec.time_zone)
    if not now + MIN_LEAD <= deadline <= now + MAX_LEAD:
        raise InvalidInput("Set the deadline at least an hour and at most a year from now.")
    questions = _pinned_questions(db, spec.question_slugs)
    assessment = Assessment(
        owner_id=owner.id,
        title=spec.title,
        role=spec.role,
        level=spec.level,
        instructions=spec.instructions,
        retakes_allowed=spec.retakes_allowed,
        allow_video=AnswerMode.video in spec.answer_modes,
        allow_audio=AnswerMode.audio in spec.answer_modes,
        allow_typed=AnswerMode.typed in spec.answer_modes,
        deadline_at=deadline,
        deadline_zone=spec.time_zone,
        ai_scoring=spec.ai_scoring,
        feedback_after_close=spec.feedback_after_close,
        retention_days=spec.retention_days,
        created_at=now,
    )
    db.add(assessment)
    db.flush()
    for position, question in enumerate(questions, start=1):
        prep, answer = _question_times(question, spec)
        assert question.current_version_id is not None
        db.add(
            AssessmentQuestion(
                assessment_id=assessment.id,
                position=position,
                question_version_id=question.current_version_id,
                prep_seconds=prep,
                answer_seconds=answer,
            )
        )
    record(db, owner, "assessment.create", "assessment", assessment.id, now)
    db.flush()
    return assessment


def _member_ids(db: Session, assessment_id: int) -> set[int]:
    return set(
        db.scalars(select(AssessmentMember.user_id).where(AssessmentMember.assessment_id == assessment_id))
    )


def standing_in(db: Session, user: User, assessment: Assessment) -> access.Standing | None:
    return access.standing(person(user), assessment.owner_id, _member_ids(db, assessment.id))


def open_assessment(
    db: Session,
    user: User,
    assessment_id: int,
    action: Action,
    now: datetime,
    target: tuple[str, int] | None = None,
) -> Assessment:
    """The assessment, if `user` may do `action` with it. Someone with no standing at all is told
    it does not exist; an admin's access is recorded, naming `target` (a candidate) if given."""
    assessment = db.get(Assessment, assessment_id)
    standing = standing_in(db, user, assessment) if assessment else None
    if assessment is None or standing is None:
        raise NotFound("There is no such assessment.")
    if action not in access.ALLOWED[standing]:
        raise Forbidden(
            f"As {standing.value} of this assessment you cannot {action.value.replace('-', ' ')}."
        )
    if access.is_recorded(standing):
        target_type, target_id = target or ("assessment", assessment.id)
        record(db, user, f"assessment.{action.value}", target_type, target_id, now)
    return assessment


def add_member(
    db: Session, actor: User, assessment_id: int, member_id: int, now: datetime
) -> AssessmentMember:
    assessment = open_assessment(db, actor, assessment_id, Action.manage_members, now)
    member = db.get(User, member_id)
    if member is None or member.disabled_at is not None or not access.may_be_member(member.role):
        raise InvalidInput("Only an active reviewer or admin can be added to an assessment.")
    if member.id == assessment.owner_id or member.id in _member_ids(db, assessment.id):
        raise Conflict(f"{member.display_name} already has access to this assessment.")
    added = AssessmentMember(
        assessment_id=assessment.id, user_id=member.id, added_by_id=actor.id, added_at=now
    )
    db.add(added)
    record(db, actor, "assessment.add-member", "assessment", assessment.id, now)
    db.flush()
    return added


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str  # for the link, shown or mailed once; only its hash is stored


@dataclass(frozen=True)
class InvitationBatch:
    issued: list[IssuedInvitation]
    already_invited: list[str]  # emails this assessment had invited before: left as they were
    repeated_lines: tuple[int, ...] = ()


def invite(
    db: Session, actor: User, assessment_id: int, candidates: Sequence[Candidate], now: datetime
) -> InvitationBatch:
    """One invitation per new candidate (the first of any repeated email), expiring at the
    assessment's deadline. Candidates come from `invitations.candidate` or a parsed list."""
    assessment = open_assessment(db, actor, assessment_id, Action.invite, now)
    if assessment.deadline_at <= now:
        raise Gone("This assessment's deadline has passed; move it before inviting anyone.")
    emails = [c.email for c in candidates]
    existing = set(
        db.scalars(
            select(Invitation.email).where(
                Invitation.assessment_id == assessment.id, Invitation.email.in_(emails)
            )
        )
    )
    first_of: dict[str, Candidate] = {}
    for candidate in candidates:
        if candidate.email not in existing:
            first_of.setdefault(candidate.email, candidate)
    new = list(first_of.values())
    count = db.scalar(select(func.count()).where(Invitation.assessment_id == assessment.id)) or 0
    if count + len(new) > MAX_INVITATIONS:
        raise InvalidInput(f"An assessment can have at most {MAX_INVITATIONS} invitations; it has {count}.")
    issued = []
    for candidate in new:
        token = issue_token()
        invitation = Invitation(
            assessment_id=assessment.id,
            token_hash=token.token_hash,
            email=candidate.email,
            name=candidate.name,
            invited_by_id=actor.id,
            created_at=now,
            expires_at=assessment.deadline_at,
        )
        db.add(invitation)
        db.flush()
        record(db, actor, "invitation.create", "invitation", invitation.id, now)
        issued.append(IssuedInvitation(invitation, token.token))
    db.flush()
    return InvitationBatch(issued, sorted(existing))


def invite_list(
    db: Session, actor: User, assessment_id: int, data: str | bytes, now: datetime
) -> InvitationBatch:
    """Invite everyone on a pasted or uploaded name,email list: all of it, or (on any bad line) none."""
    parsed = parse_candidate_list(data)
    batch = invite(db, actor, assessment_id, parsed.candidates, now)
    return InvitationBatch(batch.issued, batch.already_invited, parsed.repeated_lines)


def mark_emailed(db: Session, invitation_ids: Sequence[int], now: datetime) -> None:
    """Note which invitations reached the mail server. Sending happens outside the transaction
    (the database is never held across network I/O), so this is a second, short one."""
    for invitation in db.scalars(select(Invitation).where(Invitation.id.in_(invitation_ids))):
        invitation.emailed_at = now
    db.flush()


# --- the candidate's side of an invitation -------------------------------------------------------


def claim_invitation(db: Session, token: str, account: User, now: datetime) -> Invitation:
    """Open an invitation link as `account`: the first account to do so owns the invitation, and
    no other can use the link afterwards (even when two open it at the same moment)."""
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == hash_token(token)))
    check_link(invitation, token, account.id, now)
    assert invitation is not None
    if invitation.used_by_id is None:
        claimed = db.execute(
            update(Invitation)
            .where(Invitation.id == invitation.id, Invitation.used_by_id.is_(None))
            .values(used_by_id=account.id, used_at=now, status=InvitationStatus.opened)
            .execution_options(synchronize_session=False)
        )
        if not claimed.rowcount:  # type: ignore[attr-defined]
            raise Forbidden("This invitation was already used by another account. Sign in with that one.")
        db.refresh(invitation)
    return invitation


# --- accommodations, stages -----------------------------------------------------------------------


def open_invitation(db: Session, user: User, invitation_id: int, action: Action, now: datetime) -> Invitation:
    """An invitation of an assessment `user` may do `action` with; otherwise it does not exist."""
    invitation = db.get(Invitation, invitation_id)
    if invitation is None:
        raise NotFound("There is no such candidate.")
    open_assessment(db, user, invitation.assessment_id, action, now, ("invitation", invitation.id))
    return invitation


def accommodate(
    db: Session,
    actor: User,
    invitation_id: int,
    now: datetime,
    *,
    expires_at: datetime | None = None,
    extra_time_percent: int | None = None,
) -> Invitation:
    """Give one candidate a later deadline and/or extra time on every answer (in percent)."""
    invitation = open_invitation(db, actor, invitation_id, Action.invite, now)
    if invitation.status == InvitationStatus.submitted:
        raise Conflict("This candidate has already submitted.")
    if expires_at is not None:
        if not now < expires_at <= now + MAX_LEAD:
            raise InvalidInput("Set the new deadline in the future and at most a year from now.")
        invitation.expires_at = expires_at
        if invitation.status == InvitationStatus.expired:
            invitation.status = InvitationStatus.opened if invitation.used_by_id else InvitationStatus.invited
    if extra_time_percent is not None:
        if not 0 <= extra_time_percent <= MAX_EXTRA_TIME_PERCENT:
            raise InvalidInput(f"Extra time is between 0 and {MAX_EXTRA_TIME_PERCENT} percent.")
        invitation.extra_time_percent = extra_time_percent
    record(db, actor, "invitation.accommodate", "invitation", invitation.id, now)
    _retime(db, invitation)
    db.flush()
    return invitation


def with_extra_time(seconds: int, extra_time_percent: int) -> int:
    return seconds + seconds * extra_time_percent // 100


def _retime(db: Session, invitation: Invitation) -> None:
    """After an extension or extra time: the candidate's session (if begun) closes at the new
    deadline, and questions not yet begun get the new answer times."""
    session = interviews.session_for_invitation(db, invitation.id)
    if session is None:
        return
    pinned = db.scalars(
        select(AssessmentQuestion)
        .where(AssessmentQuestion.assessment_id == invitation.assessment_id)
        .order_by(AssessmentQuestion.position)
    )
    seconds = {q.position: with_extra_time(q.answer_seconds, invitation.extra_time_percent) for q in pinned}
    interviews.retime_session(session, invitation.expires_at, seconds)


def stage_history(db: Session, invitation_id: int) -> list[CandidateStage]:
    """Every stage change of a candidate, oldest first; the last one is the current stage."""
    return list(
        db.scalars(
            select(CandidateStage)
            .where(CandidateStage.invitation_id == invitation_id)
            .order_by(CandidateStage.set_at, CandidateStage.id)
        )
    )


def current_stage(history: Sequence[CandidateStage]) -> Stage:
    return history[-1].stage if history else Stage.new


def set_stage(
    db: Session, actor: User, invitation_id: int, stage: Stage, reason: str, now: datetime
) -> CandidateStage:
    """Move a candidate to a stage. Only a person does this, and each change is kept."""
    invitation = open_invitation(db, actor, invitation_id, Action.decide, now)
    if current_stage(stage_history(db, invitation.id)) == stage:
        raise Conflict(f"This candidate is already at {stage.value}.")
    change = CandidateStage(
        invitation_id=invitation.id,
        stage=stage,
        set_by_id=actor.id,
        reason=reason_text(reason, required=False),
        set_at=now,
    )
    db.add(change)
    record(db, actor, f"stage.{stage.value}", "invitation", invitation.id, now)
    db.flush()
    webhook_events.emit(db, invitation, webhook_events.STAGE_CHANGED, now, stage=stage.value)
    return change


def reason_text(text: str, *, required: bool) -> str:
    reason = text.strip()
    if required and not reason:
        raise InvalidInput("Say why you change a rating you gave before seeing the others.")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"Keep the reason under {MAX_REASON} characters.")
    return reason


# --- the reviewer's pages -------------------------------------------------------------------------


def my_assessments(db: Session, user: User) -> list[Assessment]:
    """The assessments `user` owns or was added to, newest first."""
    member_of = select(AssessmentMember.assessment_id).where(AssessmentMember.user_id == user.id)
    query = select(Assessment).where((Assessment.owner_id == user.id) | Assessment.id.in_(member_of))
    return list(db.scalars(query.order_by(Assessment.created_at.desc(), Assessment.id.desc())))


def other_assessments(db: Session, user: User) -> list[Assessment]:
    """For an admin, who manages every assessment's membership: those they neither own nor belong to."""
    if user.role != Role.admin:
        return []
    mine = {a.id for a in my_assessments(db, user)}
    everything = db.scalars(select(Assessment).order_by(Assessment.created_at.desc(), Assessment.id.desc()))
    return [a for a in everything if a.id not in mine]


def draw_questions(
    db: Session, competency: str, difficulty: str, count: int, exclude: Collection[str], rng: random.Random
) -> list[str]:
    """`count` published questions (slugs) exercising `competency` at `difficulty` (either may be
    empty: any), at random, leaving out those already picked."""
    if not 1 <= count <= MAX_QUESTIONS:
        raise InvalidInput(f"Draw between 1 and {MAX_QUESTIONS} questions.")
    pool = [
        q.slug
        for q in bank.list_published(db, difficulty=difficulty, with_content=True)
        if q.slug not in exclude and (not competency or competency in bank.competency_ids(q))
    ]
    if len(pool) < count:
        raise InvalidInput(
            f"Only {len(pool)} more published questions match that competency and difficulty; "
            f"draw fewer or widen the choice."
        )
    return rng.sample(pool, count)


def status_now(invitation: Invitation, now: datetime) -> InvitationStatus:
    """The status a page shows: past its deadline, an unsubmitted invitation has expired."""
    if invitation.status != InvitationStatus.submitted and now >= invitation.expires_at:
        return InvitationStatus.expired
    return invitation.status


@dataclass(frozen=True)
class CandidateRow:
    invitation: Invitation
    status: InvitationStatus
    stage: Stage


@dataclass(frozen=True)
class AssessmentView:
    assessment: Assessment
    standing: access.Standing
    questions: list[AssessmentQuestion]
    members: list[User]
    owner: User
    candidates: list[CandidateRow]

    def may(self, action: str) -> bool:
        return Action(action) in access.ALLOWED[self.standing]


def assessment_view(db: Session, user: User, assessment_id: int, now: datetime) -> AssessmentView:
    """Everything the assessment page shows: its settings, questions, reviewers and candidates
    with their status and stage. An admin's look is recorded."""
    assessment = open_assessment(db, user, assessment_id, Action.view, now)
    found = standing_in(db, user, assessment)
    assert found is not None
    pinned = db.scalars(
        select(AssessmentQuestion)
        .options(selectinload(AssessmentQuestion.question_version))
        .where(AssessmentQuestion.assessment_id == assessment.id)
        .order_by(AssessmentQuestion.position)
    )
    members = db.scalars(
        select(User)
        .join(AssessmentMember, AssessmentMember.user_id == User.id)
        .where(AssessmentMember.assessment_id == assessment.id)
        .order_by(User.display_name)
    )
    invitations = list(
        db.scalars(
            select(Invitation).where(Invitation.assessment_id == assessment.id).order_by(Invitation.name)
        )
    )
    stages = current_stages(db, [i.id for i in invitations])
    rows = [CandidateRow(i, status_now(i, now), stages.get(i.id, Stage.new)) for i in invitations]
    owner = db.get_one(User, assessment.owner_id)
    return AssessmentView(assessment, found, list(pinned), list(members), owner, rows)


def current_stages(db: Session, invitation_ids: Sequence[int]) -> dict[int, Stage]:
    changes = db.scalars(
        select(CandidateStage)
        .where(CandidateStage.invitation_id.in_(invitation_ids))
        .order_by(CandidateStage.set_at, CandidateStage.id)
    )
    return {change.invitation_id: change.stage for change in changes}  # the latest wins


def staff_to_add(db: Session, assessment: Assessment) -> list[User]:
    """Active reviewers and admins who have no access to the assessment yet."""
    taken = _member_ids(db, assessment.id) | {assessment.owner_id}
    staff = db.scalars(
        select(User)
        .where(User.role.in_(access.STAFF), User.disabled_at.is_(None))
        .order_by(User.display_name)
    )
    return [u for u in staff if u.id not in taken]


def new_link(db: Session, actor: User, invitation_id: int, now: datetime) -> IssuedInvitation:
    """A fresh link for one candidate; the old one stops working. Only a token's hash is kept, so
    a link cannot be shown or sent twice: every copy, email and reminder is a new link."""
    invitation = open_invitation(db, actor, invitation_id, Action.invite, now)
    if status_now(invitation, now) in (InvitationStatus.submitted, InvitationStatus.expired):
        raise Conflict("This candidate has submitted or their invitation has expired; extend it first.")
    token = rotate_token(invitation)
    record(db, actor, "invitation.new-link", "invitation", invitation.id, now)
    db.flush()
    return IssuedInvitation(invitation, token)


def rotate_token(invitation: Invitation) -> str:
    """Give the invitation a new token, for a new link; the old link stops working."""
    token = issue_token()
    invitation.token_hash = token.token_hash
    return token.token


def invitation_link(site: str, token: str) -> str:
    """The link a candidate opens: `site` is the address people reach the app at (the request's,
    or COACH_PUBLIC_URL for email sent from a job)."""
    return f"{site.rstrip('/')}/invite/{token}"


def mail_invitations(db: Session, settings: Settings, issued: Sequence[IssuedInvitation]) -> bool:
    """With a mail server, email each new invitation once the transaction commits (the job
    issues the link it sends: links shown now would stop working); without one, say so."""
    if settings.smtp_url is None:
        return False
    for one in issued:
        enqueue_after_commit(db, SEND_INVITATION, one.invitation.id, False)
    return True
