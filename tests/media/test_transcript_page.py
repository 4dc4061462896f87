"""The transcript on the answer report: one clickable sentence per sentence said, words that were
hard to make out marked (with text for screen readers), and what the recogniser heard on demand."""

import re

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.media.transcription import finished_words
from app.models import Take, TakeTranscript, User
from app.paths import QUESTION_BANK_DIR
from app.questions import sync
from app.questions.bank_files import load_bank
from tests.factories import consenting_candidate, publish_question, sign_in
from tests.media.test_transcript_words import timed
from tests.scoring.test_reports import typed_session

HEARD = "our go CD marks the app out of sync the controller reverts the kubectl edit then I commit the fix to good"


def test_the_report_shows_seekable_sentences_and_marks_what_to_check(client: TestClient, db: Session) -> None:
    bank = load_bank(QUESTION_BANK_DIR)
    assert bank.competencies is not None
    sync.sync_competencies(db, bank.competencies)
    publish_question(db, "drift-manual-edit")
    candidate: User = consenting_candidate(db)
    session_id = typed_session(db, candidate, {"drift-manual-edit": "Argo CD marks it OutOfSync."})
    take = db.scalars(select(Take)).one()
    heard = timed(HEARD, pauses={8: 1.0, 14: 1.0})
    heard[11] = heard[11].model_copy(update={"probability": 0.12})  # "reverts", barely heard
    words = finished_words(heard, ["Argo CD", "OutOfSync", "kubectl edit", "Git"])
    transcript = db.scalars(select(TakeTranscript).where(TakeTranscript.take_id == take.id)).one()
    transcript.words = [w.model_dump() for w in words]
    transcript.text = " ".join(w.word for w in words)
    db.commit()
    sign_in(client, candidate)
    page = client.get(f"/sessions/{session_id}/answers/{take.id}").text
    starts = re.findall(r'class="seek" data-start="([\d.]+)"', page)
    assert len(starts) == 3
    assert starts == sorted(starts, key=float)
    assert "Argo CD marks the app out of sync." in re.sub(r"<[^>]+>", "", page), _debug(page)
    assert '<mark class="unsure">reverts<span class="visually-hidden"> (unsure)</span></mark>' in page
    assert "were hard to make out" in page
    # the corrections, with what was heard and when
    assert "What speech recognition heard (2 words matched" in page, page[page.index("<details") :][:600]
    assert "<td>our go CD</td><td>Argo CD</td>" in page
    assert "<td>good</td><td>Git.</td>" in page


def _debug(page: str) -> str:
    return page[page.index('<ol class="transcript">') : page.index("</ol>")]
