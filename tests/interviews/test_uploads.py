"""Resumable chunked uploads through the API, as the recorder in the browser uses it."""

import hashlib
import random
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path

import av
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response  # what TestClient returns: starlette builds it on httpx2
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from app.config import Settings, get_settings
from app.db import get_engine
from app.errors import Conflict, PayloadTooLarge, TooManyRequests
from app.interviews import routes, service, takes, uploads
from app.media.recording import duration_seconds
from app.media.storage import FileStorage, MediaStorage, get_storage
from app.media.streaming import byte_range
from app.models import (
    AnswerMode,
    Question,
    QuestionVersion,
    Role,
    SessionKind,
    Take,
    TakeState,
    UploadChunk,
    User,
)
from app.models.base import utcnow
from tests.factories import (
    consenting_candidate,
    create_user,
    csrf_token,
    publish_question,
    sign_in,
)
from tests.media.media_files import face_frame, speak, write_video
from tests.s3server import S3Server, stored_names


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """About three seconds of Chrome-like webm: a face and espeak-ng speech."""
    folder = tmp_path_factory.mktemp("recording")
    speech = speak("Argo CD marks the application out of sync.", folder / "speech.wav")
    return write_video(folder / "answer.webm", [face_frame()] * 30, fps=10, wav=speech).read_bytes()


class Recorder:
    """The browser side of one take: begin, start, send chunks, finish."""

    def __init__(self, client: TestClient, session_id: int) -> None:
        self.client = client
        self.headers = {"X-CSRF-Token": csrf_token(client)}
        begun = client.post(f"/api/sessions/{session_id}/questions/1/takes", headers=self.headers)
        assert begun.status_code == 200, begun.text
        self.take = begun.json()["take_id"]

    def start(self) -> Response:
        return self.client.post(f"/api/takes/{self.take}/start", headers=self.headers)

    def send(self, seq: int, data: bytes, checksum: str | None = None) -> Response:
        headers = {**self.headers, "X-Chunk-SHA256": checksum or hashlib.sha256(data).hexdigest()}
        return self.client.put(f"/api/takes/{self.take}/chunks/{seq}", content=data, headers=headers)

    def received(self) -> list[int]:
        received: list[int] = self.client.get(f"/api/takes/{self.take}").json()["received"]
        return received

    def finish(self, chunks: int, media_type: str = "video/webm") -> Response:
        body = {"chunks": chunks, "media_type": media_type}
        return self.client.post(f"/api/takes/{self.take}/finish", json=body, headers=self.headers)


@pytest.fixture
def candidate(client: TestClient, db: Session):  # type: ignore[no-untyped-def]
    publish_question(db, "drift-manual-edit")
    user = consenting_candidate(db)
    sign_in(client, user)
    return user


def new_session(db: Session, user: User) -> int:
    request = service.SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")
    interview = service.start_session(db, user, request, get_settings(), utcnow())
    db.flush()
    return interview.id


def split(data: bytes, rng: random.Random) -> list[bytes]:
    cuts = sorted(rng.sample(range(1, len(data)), rng.randint(3, 12)))
    return [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]


def packets(path: Path) -> list[tuple[str, bytes]]:
    """Every audio and video packet's bytes, in order: what a remux must keep exactly."""
    with av.open(str(path)) as container:
        return [(p.stream.type, bytes(p)) for p in container.demux() if p.size]


@pytest.mark.parametrize(
    ("seed", "media"), [*((seed, "files") for seed in range(6)), (0, "s3")], indirect=["media"]
)
@pytest.mark.usefixtures("media")
def test_an_upload_cut_at_random_points_and_resumed_arrives_intact_with_its_duration(
    client: TestClient, db: Session, candidate: User, recording: bytes, seed: int, tmp_path: Path
) -> None:
    rng = random.Random(seed)
    recorder = Recorder(client, new_session(db, candidate))
    assert recorder.start().status_code == 200
    chunks = split(recording, rng)
    # the connection drops at random: some chunks never arrive, others arrive twice, out of order
    for seq in rng.sample(range(len(chunks)), len(chunks)):
        if rng.random() < 0.3:
            continue
        assert recorder.send(seq, chunks[seq]).status_code == 200
        if rng.random() < 0.3:
            assert recorder.send(seq, chunks[seq]).status_code == 200  # repeated: a no-op
    incomplete = recorder.finish(len(chunks))
    if incomplete.status_code == 409:
        assert "Chunks still missing" in incomplete.json()["detail"]
    # after "the reload": ask what the server has and send only the rest
    for seq in sorted(set(range(len(chunks))) - set(recorder.received())):
        assert recorder.send(seq, chunks[seq]).status_code == 200
    assert recorder.received() == list(range(len(chunks)))
    finished = recorder.finish(len(chunks))
    assert finished.status_code == 200, finished.text
    stored = client.get(f"/media/takes/{recorder.take}")
    assert stored.status_code == 200
    (tmp_path / "uploaded.webm").write_bytes(recording)
    (tmp_path / "stored.webm").write_bytes(stored.content)
    assert duration_seconds(tmp_path / "uploaded.webm") is None  # Chrome writes no duration
    assert packets(tmp_path / "stored.webm") == packets(tmp_path / "uploaded.webm")
    assert 2.5 < (duration_seconds(tmp_path / "stored.webm") or 0) < 3.5  # players show the length


@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
@pytest.mark.usefixtures("media")
def test_a_player_can_seek_in_the_stored_recording_by_byte_ranges(
    client: TestClient, db: Session, candidate: User, recording: bytes
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    recorder.send(0, recording)
    assert recorder.finish(1).status_code == 200
    url = f"/media/takes/{recorder.take}"
    whole = client.get(url)
    size = len(whole.content)
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-length"] == str(size)
    part = client.get(url, headers={"Range": "bytes=100-299"})
    assert part.status_code == 206
    assert part.content == whole.content[100:300]
    assert part.headers["content-range"] == f"bytes 100-299/{size}"
    tail = client.get(url, headers={"Range": "bytes=-50"})
    assert tail.status_code == 206
    assert tail.content == whole.content[-50:]
    rest = client.get(url, headers={"Range": f"bytes={size - 10}-"})
    assert rest.content == whole.content[-10:]
    beyond = client.get(url, headers={"Range": f"bytes={size}-"})
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{size}"


@pytest.mark.parametrize(
    ("header", "wanted"),
    [(None, None), ("bytes=0-0", (0, 0)), ("bytes=5-", (5, 9)), ("bytes=-3", (7, 9)), ("bytes=8-100", (8, 9)),
     ("bytes=0-1,4-5", None), ("items=0-1", None)],
)  # fmt: skip
def test_a_range_header_names_an_inclusive_span_of_the_file(
    header: str | None, wanted: tuple[int, int] | None
) -> None:
    assert byte_range(header, 10) == wanted


@pytest.mark.parametrize("header", ["bytes=-", "bytes=10-", "bytes=7-3"])
def test_a_range_outside_the_file_cannot_be_served(header: str) -> None:
    with pytest.raises(ValueError, match="range"):
        byte_range(header, 10)


def test_a_repeated_chunk_with_other_content_is_a_conflict(
    client: TestClient, db: Session, candidate: User, recording: bytes
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    assert recorder.send(0, recording[:1000]).json() == {"received": [0]}
    clash = recorder.send(0, recording[:999])
    assert clash.status_code == 409
    assert "different content" in clash.json()["detail"]


def test_a_damaged_chunk_is_refused_and_not_stored(
    client: TestClient, db: Session, candidate: User, recording: bytes
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    damaged = recorder.send(0, recording[:1000], checksum=hashlib.sha256(b"something else").hexdigest())
    assert damaged.status_code == 422
    assert "checksum does not match" in damaged.json()["detail"]
    assert recorder.received() == []


def test_uploads_past_the_limit_at_once_are_refused_whole_and_accepted_when_sent_again(
    client: TestClient, db: Session, candidate: User, recording: bytes
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    with ExitStack() as busy:  # the user's other uploads, still in flight
        for _ in range(routes.UPLOADS_AT_ONCE):
            busy.enter_context(routes.uploads_in_flight.hold(candidate.id, TooManyRequests("")))
        refused = recorder.send(0, recording[:1000])
        assert refused.status_code == 429
        assert "was not stored" in refused.json()["detail"]
        assert "nothing is lost" in refused.json()["detail"]
        assert recorder.received() == []
        with pytest.raises(FileNotFoundError):
            get_storage().read_chunk(db.get(Take, recorder.take).media_key, 0)  # type: ignore[union-attr]
    assert recorder.send(0, recording[:1000]).json() == {"received": [0]}
    for _ in range(routes.UPLOADS_AT_ONCE + 1):  # each upload gives its place back, refused or not
        assert recorder.send(1, recording[1000:2000], checksum="0" * 64).status_code == 422
    assert recorder.send(1, recording[1000:2000]).json() == {"received": [0, 1]}


def test_a_file_that_is_not_media_is_refused(client: TestClient, db: Session, candidate: User) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    response = recorder.send(0, b"#!/bin/sh\necho not a video\n" * 10)
    assert response.status_code == 415
    assert "not a WebM or MP4" in response.json()["detail"]


def test_oversize_chunks_and_recordings_are_refused(
    client: TestClient,
    db: Session,
    candidate: User,
    recording: bytes,
    monkeypatch: pytest.MonkeyPatch,
    settings: Settings,
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    monkeypatch.setattr(uploads, "CHUNK_LIMIT_BYTES", 2000)
    too_big = recorder.send(0, recording[:3000])
    assert too_big.status_code == 413
    monkeypatch.setattr(settings, "max_upload_mb", 0)
    assert recorder.send(0, recording[:1000]).status_code == 413
    assert recorder.received() == []


def test_chunks_are_refused_before_the_answer_starts_and_after_it_is_submitted(
    client: TestClient, db: Session, candidate: User, recording: bytes
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    assert recorder.send(0, recording).status_code == 409
    recorder.start()
    assert recorder.send(0, recording).status_code == 200
    assert recorder.finish(1).status_code == 200
    assert recorder.finish(1).status_code == 200  # a retried finish is not an error
    assert recorder.send(1, recording[:10]).status_code == 409


def test_another_candidate_can_neither_read_nor_write_an_answer(
    app: FastAPI, client: TestClient, db: Session, candidate: User, recording: bytes
) -> None:
    session_id = new_session(db, candidate)
    recorder = Recorder(client, session_id)
    recorder.start()
    recorder.send(0, recording)
    recorder.finish(1)
    with TestClient(app) as other:
        sign_in(other, consenting_candidate(db))
        intruder = Recorder.__new__(Recorder)
        intruder.client, intruder.take = other, recorder.take
        intruder.headers = {"X-CSRF-Token": csrf_token(other)}
        assert other.get(f"/media/takes/{recorder.take}").status_code == 404
        assert other.get(f"/api/takes/{recorder.take}").status_code == 404
        assert intruder.send(1, recording).status_code == 404
        assert intruder.finish(1).status_code == 404
        assert (
            other.post(f"/api/sessions/{session_id}/questions/1/takes", headers=intruder.headers).status_code
            == 404
        )
        assert other.get(f"/sessions/{session_id}").status_code == 404
    with TestClient(app) as reviewer:
        sign_in(reviewer, create_user(db, Role.reviewer))
        assert reviewer.get(f"/media/takes/{recorder.take}").status_code == 404


def test_a_typed_answer_moves_on_to_the_session(client: TestClient, db: Session, candidate: User) -> None:
    request = service.SessionRequest(SessionKind.single, AnswerMode.typed, question="drift-manual-edit")
    session_id = service.start_session(db, candidate, request, get_settings(), utcnow()).id
    db.flush()
    recorder = Recorder(client, session_id)
    recorder.start()
    submitted = client.post(
        f"/api/takes/{recorder.take}/typed",
        json={"text": "Argo CD marks it OutOfSync."},
        headers=recorder.headers,
    )
    assert submitted.json() == {"state": "uploaded", "next_url": f"/sessions/{session_id}"}
    page = client.get(f"/sessions/{session_id}").text
    assert 'data-take-state="uploaded"' in page
    assert "processing" in page


@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
def test_deleting_a_session_removes_its_answers_and_recording_files(
    client: TestClient, db: Session, candidate: User, recording: bytes, media: MediaStorage
) -> None:
    session_id = new_session(db, candidate)
    recorder = Recorder(client, session_id)
    recorder.start()
    recorder.send(0, recording)
    recorder.finish(1)
    key = db.scalars(select(Take.media_key).where(Take.id == recorder.take)).one()
    assert media.recording_size(key, "video/webm") == len(client.get(f"/media/takes/{recorder.take}").content)
    assert [name for name in stored_names(media) if key in name] == [f"takes/{key}/recording.webm"]
    deleted = client.post(
        f"/sessions/{session_id}/delete", data={"csrf_token": csrf_token(client)}, follow_redirects=True
    )
    assert "recordings, transcripts and scores are deleted" in deleted.text
    assert client.get(f"/sessions/{session_id}").status_code == 404
    assert client.get(f"/media/takes/{recorder.take}").status_code == 404
    assert media.recording_size(key, "video/webm") is None
    assert [name for name in stored_names(media) if key in name] == []
    db.expire_all()
    assert db.scalars(select(Take).where(Take.id == recorder.take)).first() is None


@pytest.mark.parametrize("media", ["s3"], indirect=True)
@pytest.mark.usefixtures("media")
def test_while_the_store_is_away_chunks_and_finishing_are_refused_and_resending_loses_nothing(
    client: TestClient, db: Session, candidate: User, recording: bytes, s3_server: S3Server, tmp_path: Path
) -> None:
    recorder = Recorder(client, new_session(db, candidate))
    recorder.start()
    half = len(recording) // 2
    assert recorder.send(0, recording[:half]).status_code == 200
    s3_server.stop()
    try:
        refused = recorder.send(1, recording[half:])
        assert refused.status_code == 503  # the recorder sends it again after a pause
        assert "recording store failed to store the chunk" in refused.json()["detail"]
        assert recorder.received() == [0]  # not counted as received
        assert recorder.finish(1 + 1).status_code == 409  # chunk 1 is still missing
    finally:
        s3_server.start()
    assert recorder.send(1, recording[half:]).status_code == 200
    s3_server.stop()
    try:
        unfinished = recorder.finish(2)
        assert unfinished.status_code == 503
        assert db.scalars(select(Take.state).where(Take.id == recorder.take)).one() == TakeState.recording
    finally:
        s3_server.start()
    assert recorder.finish(2).status_code == 200
    stored = client.get(f"/media/takes/{recorder.take}")
    assert stored.status_code == 200
    (tmp_path / "uploaded.webm").write_bytes(recording)
    (tmp_path / "stored.webm").write_bytes(stored.content)
    assert packets(tmp_path / "stored.webm") == packets(tmp_path / "uploaded.webm")


@pytest.fixture
def committed_take(
    migrated: None,  # noqa: ARG001 the schema must exist
    settings: Settings,
) -> Iterator[tuple[sessionmaker[Session], User, Take]]:
    """A recording take committed on PostgreSQL, where requests run in parallel; removed after."""
    engine = get_engine()
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite serialises writers anyway")
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    with factory.begin() as db:
        question = publish_question(db, "drift-manual-edit")
        user = consenting_candidate(db)
        wanted = service.SessionRequest(SessionKind.single, AnswerMode.video, question="drift-manual-edit")
        interview = service.start_session(db, user, wanted, settings, utcnow())
        take = takes.begin_take(db, user, service.get_session(db, user, interview.id), 1, utcnow())
        takes.start_answer(take, utcnow())
    try:
        yield factory, user, take
    finally:
        with factory.begin() as db:
            authors = db.scalars(
                select(QuestionVersion.author_id).where(QuestionVersion.question_id == question.id)
            )
            db.execute(delete(User).where(User.id.in_([user.id, *authors])))  # cascades to the session
            db.execute(delete(Question).where(Question.id == question.id))


def _in_parallel(
    committed_take: tuple[sessionmaker[Session], User, Take],
    chunks: list[tuple[int, bytes]],
    settings: Settings,
    storage: MediaStorage,
) -> list[str]:
    """Each (seq, bytes) uploaded by its own request at the same moment; what each was told."""
    factory, user, take = committed_take
    barrier = threading.Barrier(len(chunks))

    def send(seq: int, data: bytes) -> str:
        with factory.begin() as db:
            barrier.wait()  # every upload's transaction is open before any takes the row
            try:
                found = uploads.take_for_upload(db, user.id, take.id)
                uploads.receive_chunk(
                    db, storage, settings, found, seq, data, hashlib.sha256(data).hexdigest()
                )
            except (PayloadTooLarge, Conflict) as refusal:
                return str(refusal.status_code)
        return "stored"

    with ThreadPoolExecutor(max_workers=len(chunks)) as pool:
        return sorted(pool.map(send, *zip(*chunks, strict=True)))


def test_parallel_chunks_cannot_pass_a_takes_size_cap_on_postgresql(
    committed_take: tuple[sessionmaker[Session], User, Take],
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Eight 512 KiB chunks of one take sent at once against a 1 MB cap: the take's row is locked
    while each chunk is checked, so two are stored and six refused (before the lock the audit
    saw 3 MB stored)."""
    factory, _user, take = committed_take
    monkeypatch.setattr(settings, "max_upload_mb", 1)
    chunk = b"\x1a\x45\xdf\xa3" + bytes(512 * 1024 - 4)
    outcomes = _in_parallel(
        committed_take, [(seq, chunk) for seq in range(8)], settings, FileStorage(tmp_path)
    )
    assert outcomes == ["413"] * 6 + ["stored"] * 2
    with factory() as db:
        assert db.scalar(select(func.sum(UploadChunk.size)).where(UploadChunk.take_id == take.id)) == 2**20


def test_parallel_uploads_of_one_chunk_number_keep_disk_and_database_agreeing_on_postgresql(
    committed_take: tuple[sessionmaker[Session], User, Take], settings: Settings, tmp_path: Path
) -> None:
    """Eight different bodies for chunk 0 at once: one is stored, seven are told it conflicts (no
    500), and the file on disk is the body whose checksum the database kept."""
    factory, _user, take = committed_take
    storage = FileStorage(tmp_path)
    bodies = [(0, b"\x1a\x45\xdf\xa3" + bytes([n]) * 1000) for n in range(8)]
    outcomes = _in_parallel(committed_take, bodies, settings, storage)
    assert outcomes == ["409"] * 7 + ["stored"]
    with factory() as db:
        kept = db.scalar(
            select(UploadChunk.sha256).where(UploadChunk.take_id == take.id, UploadChunk.seq == 0)
        )
    assert hashlib.sha256(storage.read_chunk(take.media_key, 0)).hexdigest() == kept
