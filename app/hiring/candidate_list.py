"""The assessment page's candidate list: each candidate's status, stage and, once the viewer may
see them, people's mean level and the AI's; sorted and filtered as the viewer asks. Blind review
holds here too: someone who rates sees a candidate's levels only after submitting their own."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from app.hiring.answers import ai_allowed, ai_levels
from app.hiring.results import human_ratings, mean_level, revealed_to
from app.hiring.service import CandidateRow
from app.models import Assessment, InvitationStatus, User


class SortBy(StrEnum):
    name = "name"
    status = "status"
    submitted = "submitted"
    stage = "stage"
    people = "people"  # highest first
    ai = "ai"  # highest first


@dataclass(frozen=True)
class ListedCandidate:
    row: CandidateRow
    revealed: bool  # the viewer may see this candidate's levels
    ai_allowed: bool
    people: float | None  # mean of the current levels people gave
    ai: float | None  # mean of the AI's levels

    @property
    def name(self) -> str:
        return self.row.invitation.name


def listed_candidates(
    db: Session, viewer: User, assessment: Assessment, rows: Sequence[CandidateRow]
) -> list[ListedCandidate]:
    submitted = [r.invitation for r in rows if r.invitation.status == InvitationStatus.submitted]
    shown = {i.id for i in revealed_to(db, viewer, assessment, submitted)}
    people: defaultdict[int, list[int]] = defaultdict(list)
    for rating in human_ratings(db, list(shown))[1]:  # the current levels
        people[rating.unit[0]].append(rating.level)
    ai: defaultdict[int, list[int]] = defaultdict(list)
    for (invitation_id, _, _), level in ai_levels(
        db, assessment, [i for i in submitted if i.id in shown]
    ).items():
        ai[invitation_id].append(level)
    return [
        ListedCandidate(
            row,
            row.invitation.id in shown,
            ai_allowed(assessment, row.invitation),
            mean_level(people[row.invitation.id]),
            mean_level(ai[row.invitation.id]),
        )
        for row in rows
    ]


def arranged(
    candidates: Sequence[ListedCandidate], sort: SortBy, status: InvitationStatus | None
) -> list[ListedCandidate]:
    """Filtered to one status (None: all), then sorted; candidates without the value sort last."""
    kept = [c for c in candidates if status is None or c.row.status == status]
    keys = {
        SortBy.name: lambda c: (c.name.casefold(),),
        SortBy.status: lambda c: (list(InvitationStatus).index(c.row.status), c.name.casefold()),
        SortBy.submitted: lambda c: (c.row.invitation.submitted_at is None, _timestamp(c), c.name.casefold()),
        SortBy.stage: lambda c: (c.row.stage.value, c.name.casefold()),
        SortBy.people: lambda c: (c.people is None, -(c.people or 0), c.name.casefold()),
        SortBy.ai: lambda c: (c.ai is None, -(c.ai or 0), c.name.casefold()),
    }
    return sorted(kept, key=keys[sort])


def _timestamp(candidate: ListedCandidate) -> float:
    submitted = candidate.row.invitation.submitted_at
    return submitted.timestamp() if submitted else 0.0
