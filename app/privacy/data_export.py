"""A person's own data, to download: a zip with `data.json` (their account, consents, every
practice session and interview with its questions, answers, transcripts and automatic scores)
and every recording and poster frame they made, under `recordings/`."""

import json
import zipfile
from collections.abc import Iterator
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.media.storage import MediaStorage
from app.models import (
    Assessment,
    ConsentRecord,
    InterviewSession,
    Invitation,
    SelfIdentification,
    SessionQuestion,
    Take,
    TakeScore,
    TakeTranscript,
    User,
)

IN_MEMORY_BYTES = 8 * 2**20  # a larger zip is spooled to a temporary file
READ_BYTES = 2**20


def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _take(
    take: Take, transcript: TakeTranscript | None, score: TakeScore | None, file: str | None
) -> dict[str, Any]:
    return {
        "number": take.number,
        "mode": take.mode.value,
        "state": take.state.value,
        "started_at": _iso(take.answer_started_at),
        "ended_at": _iso(take.ended_at),
        "duration_seconds": take.duration_seconds,
        "typed_text": take.typed_text,
        "recording": file,
        "transcript": None if transcript is None else {"text": transcript.text, "words": transcript.words},
        "automatic_score": None if score is None else score.report,
    }


def _recording_name(session: InterviewSession, question: SessionQuestion, take: Take) -> str | None:
    if not take.media_type or not take.media_bytes:
        return None
    extension = take.media_type.split("/")[-1].split(";")[0]
    return f"recordings/session-{session.id}/question-{question.position}-take-{take.number}.{extension}"


def personal_data(db: Session, user: User) -> tuple[dict[str, Any], list[tuple[str, Take]]]:
    """What data.json says, and each recording's name in the zip with its take."""
    sessions = db.scalars(
        select(InterviewSession)
        .where(InterviewSession.user_id == user.id)
        .options(
            selectinload(InterviewSession.questions).selectinload(SessionQuestion.question_version),
            selectinload(InterviewSession.questions).selectinload(SessionQuestion.takes),
        )
        .order_by(InterviewSession.id)
    ).all()
    take_ids = [t.id for s in sessions for q in s.questions for t in q.takes]
    transcripts = {
        t.take_id: t for t in db.scalars(select(TakeTranscript).where(TakeTranscript.take_id.in_(take_ids)))
    }
    scores = {s.take_id: s for s in db.scalars(select(TakeScore).where(TakeScore.take_id.in_(take_ids)))}
    invitations = db.execute(
        select(Invitation, Assessment.title, SelfIdentification)
        .join(Assessment)
        .outerjoin(SelfIdentification, SelfIdentification.invitation_id == Invitation.id)
        .where(Invitation.used_by_id == user.id)
    ).all()
    files: list[tuple[str, Take]] = []
    described = []
    for session in sessions:
        questions = []
        for question in session.questions:
            takes = []
            for take in question.takes:
                name = _recording_name(session, question, take)
                if name:
                    files.append((name, take))
                score = scores.get(take.id) if session.ai_scoring else None  # never for one who declined
                takes.append(_take(take, transcripts.get(take.id), score, name))
            title = question.question_version.content.get("title")
            questions.append({"position": question.position, "question": title, "takes": takes})
        described.append(
            {
                "id": session.id,
                "interview_for": session.invitation_id,
                "mode": session.mode.value,
                "started_at": _iso(session.created_at),
                "questions": questions,
            }
        )
    consents = db.scalars(select(ConsentRecord).where(ConsentRecord.user_id == user.id)).all()
    data = {
        "account": {
            "email": user.email,
            "name": user.display_name,
            "role": user.role.value,
            "created_at": _iso(user.created_at),
        },
        "consents": [{"version": c.version, "given_at": _iso(c.given_at)} for c in consents],
        "interviews": [
            {
                "id": invitation.id,
                "assessment": title,
                "status": invitation.status.value,
                "terms_accepted_at": _iso(invitation.consented_at),
                "declined_automatic_scoring": invitation.declined_ai_scoring,
                "submitted_at": _iso(invitation.submitted_at),
                "voluntary_self_identification": None
                if told is None
                else {"sex": told.sex, "race_ethnicity": told.race, "answered_at": _iso(told.answered_at)},
            }
            for invitation, title, told in invitations
        ],
        "sessions": described,
    }
    return data, files


def write_zip(db: Session, storage: MediaStorage, user: User, out: IO[bytes]) -> None:
    data, files = personal_data(db, user)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, indent=2, ensure_ascii=False))
        for name, take in files:
            assert take.media_type is not None
            if storage.recording_size(take.media_key, take.media_type) is None:
                continue  # not assembled yet, or removed: data.json still names it
            with storage.recording_file(take.media_key, take.media_type) as path:
                archive.write(path, name, compress_type=zipfile.ZIP_STORED)  # already compressed media
            poster = storage.read_poster(take.media_key)
            if poster:
                archive.writestr(name.rsplit(".", 1)[0] + "-poster.jpg", poster)


def zip_stream(db: Session, storage: MediaStorage, user: User) -> Iterator[bytes]:
    """The zip, built before the first byte is sent (so a failure is an error page, not a cut file)."""
    spool = SpooledTemporaryFile(max_size=IN_MEMORY_BYTES)  # noqa: SIM115 (closed when the stream ends)
    write_zip(db, storage, user, spool)
    spool.seek(0)

    def chunks() -> Iterator[bytes]:
        with spool:
            while block := spool.read(READ_BYTES):
                yield block

    return chunks()
