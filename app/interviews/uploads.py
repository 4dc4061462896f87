"""Resumable chunked uploads of a recording: chunks are stored idempotently and checked against
their checksum, the per-take and per-account size caps, and the tail's grace period after the
recording stopped; once every chunk is in, the recording is assembled and handed in."""

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, selectinload

from app.config import Settings
from app.errors import Conflict, InvalidInput, NotFound, PayloadTooLarge, UnsupportedMedia
from app.interviews.takes import hand_in
from app.media.storage import EXTENSIONS, MediaStorage
from app.models import AnswerMode, InterviewSession, SessionQuestion, Take, TakeState, UploadChunk
from app.models.base import utcnow

TAIL_SECONDS = 120  # chunks recorded before the stop may upload this long after it
CHUNK_LIMIT_BYTES = 8 * 1024 * 1024
MAX_CHUNKS = 2000


def is_media(data: bytes) -> bool:
    """WebM/Matroska starts with the EBML magic number; MP4 has an `ftyp` box first."""
    return data.startswith(b"\x1a\x45\xdf\xa3") or data[4:8] == b"ftyp"


def received(take: Take) -> list[int]:
    return [chunk.seq for chunk in take.chunks]


# Built once: a chunk upload runs under SQLite's write lock, so its statements are prepared ahead.
_TAKE_FOR_UPLOAD = (
    select(Take)
    .join(Take.session_question)
    .join(SessionQuestion.session)
    .where(Take.id == bindparam("take_id"), InterviewSession.user_id == bindparam("user_id"))
    .with_for_update(of=Take)
    .options(
        contains_eager(Take.session_question).contains_eager(SessionQuestion.session),
        selectinload(Take.chunks),
    )
)


def take_for_upload(db: Session, user_id: int, take_id: int) -> Take:
    """The user's own take with only what a chunk needs (its chunks; its question and session
    for the owner), in two queries. Its row stays locked until the transaction ends
    (PostgreSQL), so parallel chunks of one take are checked one after another against its cap."""
    take = db.scalar(_TAKE_FOR_UPLOAD, {"take_id": take_id, "user_id": user_id})
    if take is None:
        raise NotFound("There is no such answer.")
    return take


def receive_chunk(
    db: Session,
    storage: MediaStorage,
    settings: Settings,
    take: Take,
    seq: int,
    data: bytes,
    sha256: str,
    now: datetime | None = None,
) -> list[int]:
    """Store one chunk. Sending the same chunk again changes nothing; a chunk whose bytes do not
    match their checksum, or that differs from one already stored, is refused. The row goes in
    before the file: when two uploads of one number race, the loser's bytes never reach disk."""
    _check_accepts_chunks(take, now or utcnow())
    if not 0 <= seq < MAX_CHUNKS:
        raise InvalidInput(f"Chunk numbers run from 0 to {MAX_CHUNKS - 1}.")
    if hashlib.sha256(data).hexdigest() != sha256.lower():
        raise InvalidInput(
            "The chunk's checksum does not match its content; it was damaged in transit. Send it again."
        )
    existing = next((c for c in take.chunks if c.seq == seq), None)
    if existing is not None:
        if existing.sha256 != sha256.lower():
            raise Conflict(f"Chunk {seq} was already received with different content.")
        return received(take)
    if (
        len(data) > CHUNK_LIMIT_BYTES
        or sum(c.size for c in take.chunks) + len(data) > settings.max_upload_mb * 2**20
    ):
        raise PayloadTooLarge(f"Recordings are limited to {settings.max_upload_mb} MB.")
    _check_storage_quota(db, take, len(data), settings.storage_quota_mb)
    if seq == 0 and not is_media(data):
        raise UnsupportedMedia("This is not a WebM or MP4 recording.")
    chunk = UploadChunk(take_id=take.id, seq=seq, size=len(data), sha256=sha256.lower())
    try:
        with db.begin_nested():
            db.add(chunk)
    except IntegrityError:
        raise Conflict(f"Chunk {seq} arrived twice at once; ask which chunks arrived, then resend.") from None
    storage.write_chunk(take.media_key, seq, data)
    take.chunks.append(chunk)
    return received(take)


def _check_accepts_chunks(take: Take, now: datetime) -> None:
    """Recorded takes accept chunks while recording, and for TAIL_SECONDS after the recording
    stopped (the upload catching up); typed takes never."""
    if take.mode == AnswerMode.typed:
        raise Conflict("This answer is typed; it takes no recording.")
    if take.state != TakeState.recording:
        raise Conflict("This answer is not recording; start it first, or it was already submitted.")
    if take.ended_at is not None and now > take.ended_at + timedelta(seconds=TAIL_SECONDS):
        raise Conflict("This recording stopped too long ago to take more of it; finish it or start a retake.")


_STORAGE_USED = (
    select(func.coalesce(func.sum(UploadChunk.size), 0))
    .join(Take, Take.id == UploadChunk.take_id)
    .join(SessionQuestion, SessionQuestion.id == Take.session_question_id)
    .join(InterviewSession, InterviewSession.id == SessionQuestion.session_id)
    .where(InterviewSession.user_id == bindparam("user_id"))
)


def storage_used(db: Session, user_id: int) -> int:
    """Bytes of every recording a user has uploaded (assembled recordings are their chunks)."""
    return int(db.scalar(_STORAGE_USED, {"user_id": user_id}) or 0)


def _check_storage_quota(db: Session, take: Take, size: int, quota_mb: int) -> None:
    used = storage_used(db, take.session_question.session.user_id)
    if used + size > quota_mb * 2**20:
        raise PayloadTooLarge(
            f"Your recordings use {used / 2**20:.0f} MB of the {quota_mb} MB each account may keep. "
            "Delete a session you no longer need to make room, then record this answer again."
        )


def finish_upload(
    storage: MediaStorage,
    take: Take,
    chunk_count: int,
    media_type: str,
    now: datetime,
    interrupted: bool = False,
) -> Take:
    """Assemble the recording once every chunk 0..count-1 is here, and close the take."""
    if take.state.submitted:
        return take  # finishing twice (a retried request) is not an error
    if take.state != TakeState.recording:
        raise Conflict("This answer was never started.")
    if media_type not in EXTENSIONS:
        raise UnsupportedMedia(f"Recordings must be one of {', '.join(EXTENSIONS)}.")
    missing = sorted(set(range(chunk_count)) - set(received(take)))
    if chunk_count < 1 or missing:
        raise Conflict(f"Chunks still missing: {missing[:20]}; send them, then finish again.")
    size = storage.assemble(take.media_key, chunk_count, media_type)
    take.media_type, take.media_bytes, take.interrupted = media_type, size, interrupted
    if interrupted and take.ended_at is None:  # the recording ended when its last chunk arrived
        take.ended_at = max(chunk.received_at for chunk in take.chunks)
    hand_in(take, now)
    return take
