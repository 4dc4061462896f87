"""The reports a candidate reads, built from answers that went through the real pipeline."""

from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.config import get_settings
from app.interviews import service as interviews
from app.interviews import takes
from app.jobs import pipeline
from app.models import AnswerMode, SessionKind, Take, TakeState, TakeTranscript, User
from app.models.base import utcnow
from app.paths import QUESTION_BANK_DIR
from app.questions import sync
from app.questions.bank_files import load_bank
from app.scoring import reports
from tests.factories import consenting_candidate, create_user, post_form, publish_question, sign_in

STRONG = (
    "Argo CD compares the live state with the desired state in Git and marks the application out of sync. Only "
    "automated sync with self heal reverts the kubectl edit, prune only deletes resources removed from Git. So I "
    "would raise the memory limit with a pull request and keep humans on read only access with break glass."
)
MISCONCEPTION = "Prune will revert the edit. I would turn off self heal so the engineer's fix sticks."


def typed_session(db: Session, user: User, answers: dict[str, str]) -> int:
    """A session of typed answers (question slug -> text), processed by the pipeline."""
    request = (
        interviews.SessionRequest(SessionKind.single, AnswerMode.typed, question=next(iter(answers)))
        if len(answers) == 1
        else interviews.SessionRequest(SessionKind.practice, AnswerMode.typed, count=len(answers))
    )
    interview = interviews.get_session(
        db, user, interviews.start_session(db, user, request, get_settings(), utcnow()).id
    )
    for question in interview.questions:
        take = takes.begin_take(db, user, interview, question.position, utcnow())
        takes.start_answer(take, utcnow())
        takes.submit_typed(take, answers[question.question_version.content["id"]], utcnow())
    db.commit()
    for question in interview.questions:
        pipeline.process_take(question.chosen_take_id)  # type: ignore[arg-type]
    db.expire_all()
    return interview.id


@pytest.fixture
def candidate(db: Session) -> User:
    bank = load_bank(QUESTION_BANK_DIR)
    assert bank.competencies is not None
    sync.sync_competencies(db, bank.competencies)
    publish_question(db, "drift-manual-edit")
    return consenting_candidate(db)


def test_sentences_and_quotes_know_when_they_were_said() -> None:
    words = [
        {"word": " Argo", "start": 0.0, "end": 0.4}, {"word": " marks", "start": 0.5, "end": 0.8},
        {"word": " it.", "start": 0.9, "end": 1.0}, {"word": " Self", "start": 2.0, "end": 2.2},
        {"word": " heal", "start": 2.3, "end": 2.5}, {"word": " reverts.", "start": 2.6, "end": 3.0},
    ]  # fmt: skip
    transcript = TakeTranscript(
        take_id=1, text="Argo marks it. Self heal reverts.", words=words, model="tiny.en"
    )
    assert [(s.text, s.start) for s in reports.timed_sentences(transcript)] == [
        ("Argo marks it.", 0.0),
        ("Self heal reverts.", 2.0),
    ]
    assert reports.quote_start(transcript, "Self heal reverts") == 2.0
    assert reports.quote_start(transcript, "not said") is None
    transcript.edited_at = datetime.now(UTC)  # corrected words no longer match the recording
    assert reports.quote_start(transcript, "Self heal reverts") is None
    assert all(s.start is None for s in reports.timed_sentences(transcript))


def test_a_session_report_aggregates_competencies_and_ranks_what_to_work_on(
    db: Session, candidate: User
) -> None:
    publish_question(db, "sync-interval")
    session_id = typed_session(
        db,
        candidate,
        {"drift-manual-edit": MISCONCEPTION, "sync-interval": "Argo CD polls Git every three minutes."},
    )
    report = reports.session_report(db, candidate, session_id, utcnow())
    assert report.pending == 0
    assert report.overall is not None
    assert 1.0 <= report.overall <= 2.5
    assert {c.id for c in report.competencies} >= {"drift-reconciliation", "argocd-flux"}
    assert len(report.improvements) == 3
    assert report.improvements[0].kind == "red flag"  # a misconception matters most


def test_progress_shows_trends_weakest_competencies_and_questions_to_practise(
    db: Session, candidate: User
) -> None:
    publish_question(db, "sync-interval")
    typed_session(db, candidate, {"drift-manual-edit": MISCONCEPTION})
    typed_session(db, candidate, {"drift-manual-edit": STRONG})
    view = reports.progress(db, candidate, utcnow())
    assert len(view.sessions) == 2
    drift = next(points for name, points in view.trends.items() if "drift" in name.lower())
    assert len(drift) == 2
    assert drift[1][1] > drift[0][1]
    assert view.weakest
    assert view.suggestions


SECRETS = (
    "Never commit plaintext secrets to Git. Encrypt them with Sealed Secrets or SOPS so only the cluster can "
    "decrypt them, or keep them in Vault and sync them with the External Secrets Operator. Rotate any secret "
    "that leaked, and limit who can read the decrypted Secret with Kubernetes RBAC."
)


def test_progress_says_which_session_a_weak_score_comes_from(
    client: TestClient, db: Session, candidate: User
) -> None:
    publish_question(db, "secrets-in-git")
    typed_session(db, candidate, {"drift-manual-edit": MISCONCEPTION})
    typed_session(db, candidate, {"secrets-in-git": SECRETS})  # never asks about drift
    view = reports.progress(db, candidate, utcnow())
    drift = next(item for item in view.weakest if item.id == "drift-reconciliation")
    assert drift.since == 1
    sign_in(client, candidate)
    page = client.get("/progress").text
    line = next(li for li in page.split("<li>") if drift.name in li and "/ 5" in li)
    assert "in your latest scored session" not in line
    assert "the 1 scored session since did not assess it" in " ".join(line.split())
    first, second = (s.interview for s in reversed(view.sessions))
    assert f"in your single session of {first.created_at:%d %b %Y %H:%M} UTC" in " ".join(line.split())
    latest = next(item for item in view.weakest if item.since == 0)  # assessed by the secrets question
    assert any("in your latest scored session" in li for li in page.split("<li>") if latest.name in li)
    # both sessions started today: the chart shows them apart, each labelled with its time
    assert f"{first.created_at:%H:%M}</tspan>" in page
    assert f"{second.created_at:%H:%M}</tspan>" in page


def test_my_sessions_lists_score_question_count_and_status(
    client: TestClient, db: Session, candidate: User
) -> None:
    publish_question(db, "sync-interval")
    complete = typed_session(db, candidate, {"drift-manual-edit": STRONG})
    two = interviews.SessionRequest(SessionKind.practice, AnswerMode.typed, count=2)
    in_progress = interviews.start_session(db, candidate, two, get_settings(), utcnow())
    waiting = interviews.start_session(
        db,
        candidate,
        interviews.SessionRequest(SessionKind.single, AnswerMode.typed, question="sync-interval"),
        get_settings(),
        utcnow(),
    )
    interview = interviews.get_session(db, candidate, waiting.id)
    take = takes.begin_take(db, candidate, interview, 1, utcnow())
    takes.start_answer(take, utcnow())
    takes.submit_typed(take, "Argo CD polls Git.", utcnow())
    db.commit()
    sign_in(client, candidate)
    page = client.get("/sessions").text

    def row(session_id: int) -> str:
        found = page.split(f'data-session="{session_id}"')[1].split("</li>")[0]
        return " ".join(found.split())

    score = reports.session_summaries(db, candidate, utcnow())[-1].overall
    assert "complete" in row(complete)
    assert f"1 question · overall <strong>{score:.1f} / 5</strong>" in row(complete)
    assert "in progress" in row(in_progress.id)
    assert "2 questions, 0 answered · no score yet" in row(in_progress.id)
    assert "processing: about 5 s left" in row(waiting.id)
    session_page = client.get(f"/sessions/{waiting.id}").text
    assert "processing: transcribing, about 5 s left" in session_page
    assert "Your answers are being processed: about 5 s left." in session_page
    db.execute(update(Take).where(Take.id == take.id).values(state=TakeState.failed, failure_reason="broken"))
    db.commit()
    assert "needs attention" in " ".join(
        client.get("/sessions").text.split(f'data-session="{waiting.id}"')[1].split("</li>")[0].split()
    )
    skipping = interviews.get_session(db, candidate, in_progress.id)
    takes.skip_question(skipping, 1, utcnow())
    takes.skip_question(skipping, 2, utcnow())
    db.commit()
    page = client.get("/sessions").text
    assert "complete" in row(in_progress.id)
    assert "2 questions, 0 answered, 2 skipped · no score yet" in row(in_progress.id)


def test_the_answer_report_page_shows_scores_quotes_and_the_model_answer(
    client: TestClient, db: Session, candidate: User
) -> None:
    session_id = typed_session(db, candidate, {"drift-manual-edit": STRONG})
    take = db.scalars(select(Take)).one()
    sign_in(client, candidate)
    page = client.get(f"/sessions/{session_id}/answers/{take.id}").text
    assert "Scores" in page
    assert " / 5" in page
    assert (
        "Only automated sync with self heal reverts the kubectl edit" in page
    )  # a quote in the candidate's words
    assert "Model answer" in page
    assert "Correct the transcript" in page
    assert "On camera" not in page  # a typed answer has no camera to describe
    assert "1 question\n" in client.get(f"/sessions/{session_id}/report").text
    assert "<svg" in client.get(f"/sessions/{session_id}/report").text
    assert "<svg" in client.get("/progress").text
    assert client.get(f"/api/sessions/{session_id}/status").json()["pending"] == 0


def test_correcting_a_transcript_rescores_on_the_new_words(
    client: TestClient, db: Session, candidate: User
) -> None:
    session_id = typed_session(db, candidate, {"drift-manual-edit": "Argo see dee marks it out of sink."})
    take = db.scalars(select(Take)).one()
    sign_in(client, candidate)
    response = post_form(client, f"/sessions/{session_id}/answers/{take.id}/transcript", {"text": STRONG})
    assert response.status_code == 303
    db.expire_all()
    assert db.get(Take, take.id).state == TakeState.analysed  # type: ignore[union-attr]
    pipeline.process_take(take.id)
    db.expire_all()
    page = client.get(f"/sessions/{session_id}/answers/{take.id}").text
    assert "corrected by you" in page


def test_an_answer_that_needs_attention_says_why_and_can_be_retried(
    client: TestClient, db: Session, candidate: User
) -> None:
    session_id = typed_session(db, candidate, {"drift-manual-edit": STRONG})
    take = db.scalars(select(Take)).one()
    take.state, take.failure_reason = TakeState.failed, "No audio could be decoded from this recording."
    db.commit()
    sign_in(client, candidate)
    page = client.get(f"/sessions/{session_id}").text
    assert "No audio could be decoded from this recording." in page
    assert "Try again" in page
    assert post_form(client, f"/sessions/{session_id}/answers/{take.id}/retry").status_code == 303
    db.expire_all()
    assert db.get(Take, take.id).state == TakeState.analysed  # type: ignore[union-attr]


def test_a_skipped_question_is_shown_as_skipped_and_not_waited_for(
    client: TestClient, db: Session, candidate: User
) -> None:
    publish_question(db, "sync-interval")
    request = interviews.SessionRequest(SessionKind.practice, AnswerMode.typed, count=2)
    started = interviews.start_session(db, candidate, request, get_settings(), utcnow())
    interview = interviews.get_session(db, candidate, started.id)
    for position in (1, 2):
        takes.skip_question(interview, position, utcnow())
    db.commit()
    sign_in(client, candidate)
    page = client.get(f"/sessions/{interview.id}/report").text
    assert page.count('<span class="badge">skipped</span>') == 2
    assert "still being processed" not in page
    assert "Session report" in client.get(f"/sessions/{interview.id}").text  # the finished session links it


@pytest.mark.usefixtures("app")
def test_reports_belong_to_their_candidate(client: TestClient, db: Session, candidate: User) -> None:
    session_id = typed_session(db, candidate, {"drift-manual-edit": STRONG})
    take = db.scalars(select(Take)).one()
    sign_in(client, create_user(db))
    for url in (
        f"/sessions/{session_id}/answers/{take.id}",
        f"/sessions/{session_id}/report",
        f"/api/sessions/{session_id}/status",
    ):
        assert client.get(url).status_code == 404, url
    assert post_form(client, f"/sessions/{session_id}/answers/{take.id}/retry").status_code == 404
