"""Who may do what with an assessment and its candidates. Access is per assessment: its owner and
the reviewers the owner added. An admin may look and manage membership, and every admin access is
recorded. Everyone else, other reviewers and editors included, is refused."""

import enum
from collections.abc import Collection
from dataclasses import dataclass

from app.models import Role

STAFF = frozenset({Role.reviewer, Role.admin})  # roles that can own or be added to an assessment


class Standing(enum.StrEnum):
    """A person's relation to one assessment."""

    owner = "owner"
    reviewer = "reviewer"  # added by the owner or an admin
    admin = "admin"  # neither owner nor added: an admin acting as one


class Action(enum.StrEnum):
    view = "view"  # the candidates, their answers and ratings
    rate = "rate"
    decide = "decide"  # set a candidate's stage
    invite = "invite"  # invite candidates, extend deadlines, give extra time
    edit = "edit"  # the assessment's settings
    manage_members = "manage-members"
    audit = "audit"  # read the audit record of the assessment and its candidates
    erase = "erase"  # carry out a candidate's request to erase their submission
    impact = "impact"  # read the adverse-impact report: counts and rates per group, never a person


ALLOWED: dict[Standing, frozenset[Action]] = {
    Standing.owner: frozenset(Action),
    Standing.reviewer: frozenset({Action.view, Action.rate, Action.decide}),
    Standing.admin: frozenset(
        {Action.view, Action.manage_members, Action.audit, Action.erase, Action.impact}
    ),
}


@dataclass(frozen=True)
class Person:
    user_id: int
    role: Role


def standing(person: Person, owner_id: int, member_ids: Collection[int]) -> Standing | None:
    """The person's standing in an assessment, or None: no access at all. The owner's and the
    members' access lasts while their role is still a staff role."""
    if person.role in STAFF and person.user_id == owner_id:
        return Standing.owner
    if person.role in STAFF and person.user_id in member_ids:
        return Standing.reviewer
    if person.role == Role.admin:
        return Standing.admin
    return None


def may(person: Person, action: Action, owner_id: int, member_ids: Collection[int]) -> bool:
    found = standing(person, owner_id, member_ids)
    return found is not None and action in ALLOWED[found]


def is_recorded(found: Standing) -> bool:
    """Whether access must be written to the audit record: an admin's always is. (Changes are
    recorded whoever makes them; that is the caller's job.)"""
    return found == Standing.admin


def may_create_assessment(role: Role) -> bool:
    return role in STAFF


def may_be_member(role: Role) -> bool:
    return role in STAFF
