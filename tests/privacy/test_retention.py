"""Retention: after an assessment's retention period its candidates' data is erased, files and
rows, by the system and on the record; anonymous levels are kept; nothing happens before."""

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hiring import reviews
from app.hiring.answers import ai_levels
from app.hiring.results import bank_disagreements
from app.media.storage import get_storage
from app.models import AuditEvent, Invitation, RetainedAgreement, Take
from app.privacy.retention import purge_due, retention_ends
from tests.hiring.answered import rate_all, recorded, team
from tests.hiring.conftest import bank
from tests.privacy.test_erasure import media_left
from tests.test_authorization import WEBM_START

__all__ = ["bank"]  # the published questions, as a fixture


@pytest.mark.parametrize("media", ["files", "s3"], indirect=True)
@pytest.mark.usefixtures("bank", "media")
def test_candidates_data_goes_when_the_retention_period_ends_and_anonymous_levels_stay(db: Session) -> None:
    crew = team(db)  # Ana (scored by the AI) and Ben (declined it) answered in writing
    _, take = recorded(db, crew.assessment, "cam@example.com", WEBM_START)  # and Cam on camera
    rate_all(db, crew.owner, crew.strong, 4)
    rate_all(db, crew.colleague, crew.strong, 2)
    ai = ai_levels(db, crew.assessment, [crew.strong])
    rated = len(reviews.pairs_to_rate(db, crew.assessment.id))  # answers x competencies Ana was rated on
    db.commit()
    ends = retention_ends(crew.assessment)

    assert purge_due(db, get_storage(), ends - timedelta(seconds=1)) == []
    assert db.get(Take, take.id) is not None
    assert media_left([take.media_key])

    [purged] = purge_due(db, get_storage(), ends)
    db.commit()
    assert (purged.assessment_id, purged.candidates) == (crew.assessment.id, 3)
    assert not db.scalars(select(Invitation).where(Invitation.assessment_id == crew.assessment.id)).all()
    assert media_left([take.media_key]) == []
    kept = db.scalars(
        select(RetainedAgreement).where(RetainedAgreement.assessment_id == crew.assessment.id)
    ).all()
    assert [k.human_levels for k in kept if k.human_levels] == [[2, 4]] * rated
    assert sorted(k.ai_level for k in kept if k.ai_level) == sorted(ai.values())
    actions = db.scalars(
        select(AuditEvent.action).where(AuditEvent.assessment_id == crew.assessment.id)
    ).all()
    assert actions.count("privacy.erase-submission") == 3
    assert actions[-1] == "retention.purge"
    assert purge_due(db, get_storage(), ends + timedelta(days=1)) == []  # once only
    counted = sum(row.agreement.pairs for row in bank_disagreements(db))  # still counted for editors
    assert counted == 2 * len(ai)  # each AI level against both people's blind ones
