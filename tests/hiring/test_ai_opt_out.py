"""A candidate who declined automatic scoring never gets an AI score anywhere: not from the
pipeline, and not on any page, export, API answer, webhook, share link or data download even
if a score row somehow existed (one is planted here, as a scorer bug would leave it)."""

import csv
import io
import json
import zipfile
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import api_tokens
from app.hiring import service, share_links, webhooks
from app.hiring.answers import kept_takes
from app.hiring.webhook_events import EVENTS
from app.jobs.queue import huey
from app.models import Stage, TakeScore, User, WebhookDelivery
from app.models.base import utcnow
from app.scoring.schemas import ScoreReport
from tests.factories import sign_in
from tests.hiring.answered import AI_RATIONALE, rate_all, team

PLANTED = "A planted AI rationale that must never be shown"


def _plant_scores(db: Session, assessment_id: int, strong_id: int, declined_id: int) -> None:
    """Give the declined candidate's answers score rows (copies of the other's, marked)."""
    strong = kept_takes(db, assessment_id, [strong_id])
    for (_, question_id), take in kept_takes(db, assessment_id, [declined_id]).items():
        source = db.scalars(
            select(TakeScore).where(TakeScore.take_id == strong[strong_id, question_id].id)
        ).one()
        report = ScoreReport.model_validate(source.report)
        for criterion in report.criteria:
            criterion.score, criterion.rationale = 5, PLANTED
        db.add(
            TakeScore(take_id=take.id, report=report.model_dump(mode="json"), overall=4.9, scorer="rubric")
        )
    db.commit()


@pytest.mark.usefixtures("bank")
def test_a_candidate_who_declined_ai_scoring_has_no_ai_score_anywhere(
    client: TestClient, db: Session
) -> None:
    crew = team(db)  # Ana allowed automatic scoring; Ben declined it
    declined = crew.declined
    declined_takes = [t.id for t in kept_takes(db, crew.assessment.id, [declined.id]).values()]
    assert declined_takes
    assert (
        db.scalars(select(TakeScore).where(TakeScore.take_id.in_(declined_takes))).all() == []
    )  # never scored

    crew.assessment.feedback_after_close = True
    webhooks.add(db, crew.owner, crew.assessment.id, "https://ats.example.com/hooks", list(EVENTS), utcnow())
    for invitation in (crew.strong, declined):
        rate_all(db, crew.owner, invitation, 3)  # the owner has rated both: nothing stays blind to them
    service.set_stage(db, crew.owner, declined.id, Stage.advance, "clear answers", utcnow())
    _, share_token = share_links.create(
        db,
        crew.owner,
        declined.id,
        [q for (_, q) in kept_takes(db, crew.assessment.id, [declined.id])],
        False,
        7,
        utcnow(),
    )
    _, api_token = api_tokens.create(db, crew.owner, "ATS", utcnow())
    db.commit()
    huey.flush()  # the webhook deliveries' jobs: their bodies are what this test reads
    _plant_scores(db, crew.assessment.id, crew.strong.id, declined.id)
    base = f"/hiring/assessments/{crew.assessment.id}"

    sign_in(client, crew.owner)
    allowed_page = client.get(f"{base}/candidates/{crew.strong.id}").text
    assert AI_RATIONALE in allowed_page  # the AI's scores do show for the one who allowed them
    review = client.get(f"{base}/candidates/{declined.id}").text
    compare = client.get(f"{base}/compare", params={"candidate": [crew.strong.id, declined.id]}).text
    listing = client.get(base).text
    agreement = client.get(f"{base}/agreement").text
    for page in (review, compare, listing, agreement):
        assert PLANTED not in page
    assert "4.9" not in review

    rows = list(csv.DictReader(io.StringIO(client.get(f"{base}/export.csv").text)))
    ben = [r for r in rows if r["email"] == declined.email]
    assert ben
    assert {(r["ai_level"], r["ai_levels"], r["ai_minus_human"]) for r in ben} == {("", "0", "")}
    assert any(r["ai_level"] for r in rows if r["email"] == crew.strong.email)

    api = client.get(
        f"/api/v1/assessments/{crew.assessment.id}/candidates",
        headers={"Authorization": f"Bearer {api_token}"},
    ).json()
    [ben_api] = [c for c in api["candidates"] if c["invitation_id"] == declined.id]
    assert (ben_api["ai_scoring"], ben_api["ai_level"]) == (False, None)

    bodies = db.scalars(
        select(WebhookDelivery.body).where(WebhookDelivery.invitation_id == declined.id)
    ).all()
    assert len(bodies) == 2  # rated and stage changed
    for body in bodies:
        assert PLANTED not in body
        assert not {key for key in json.loads(body) if "score" in key or key.startswith("ai")}

    client.cookies.clear()
    packet = client.get(f"/share/{share_token}").text
    assert "Ben" in packet
    assert PLANTED not in packet

    crew.assessment.deadline_at = utcnow() - timedelta(minutes=1)  # closed: feedback would show now
    candidate = db.get_one(User, declined.used_by_id)
    db.commit()
    sign_in(client, candidate)
    own = client.get(f"/interview/{declined.id}").text
    assert "Your automatic scores" not in own
    assert "4.9" not in own
    archive = zipfile.ZipFile(io.BytesIO(client.get("/account/data.zip").content))
    data = json.loads(archive.read("data.json"))
    takes = [t for s in data["sessions"] for q in s["questions"] for t in q["takes"]]
    assert takes
    assert [t["automatic_score"] for t in takes] == [None] * len(takes)
    assert PLANTED not in json.dumps(data)
