"""Who may do what with an assessment: the rules as plain functions over ids and roles."""

import pytest

from app.hiring.access import (
    Action,
    Person,
    Standing,
    is_recorded,
    may,
    may_be_member,
    may_create_assessment,
    standing,
)
from app.models import Role

OWNER, MEMBER, OTHER = 1, 2, 3
MEMBERS = {MEMBER}


def _may(user_id: int, role: Role, action: Action) -> bool:
    return may(Person(user_id, role), action, OWNER, MEMBERS)


@pytest.mark.parametrize("action", list(Action))
def test_the_owner_may_do_everything(action: Action) -> None:
    assert _may(OWNER, Role.reviewer, action)


def test_an_added_reviewer_may_view_rate_and_decide_but_not_run_the_assessment() -> None:
    allowed = {a for a in Action if _may(MEMBER, Role.reviewer, a)}
    assert allowed == {Action.view, Action.rate, Action.decide}


def test_an_admin_may_view_manage_members_read_the_audit_record_and_impact_erase_and_is_recorded() -> None:
    assert standing(Person(OTHER, Role.admin), OWNER, MEMBERS) == Standing.admin
    assert {a for a in Action if _may(OTHER, Role.admin, a)} == {
        Action.view,
        Action.manage_members,
        Action.audit,
        Action.erase,
        Action.impact,
    }
    assert is_recorded(Standing.admin)
    assert not is_recorded(Standing.owner)
    assert not is_recorded(Standing.reviewer)


def test_an_admin_who_owns_or_was_added_acts_as_such_and_is_not_recorded_as_admin() -> None:
    assert standing(Person(OWNER, Role.admin), OWNER, MEMBERS) == Standing.owner
    assert standing(Person(MEMBER, Role.admin), OWNER, MEMBERS) == Standing.reviewer


@pytest.mark.parametrize("role", [Role.reviewer, Role.editor, Role.candidate])
def test_everyone_else_is_refused_everything(role: Role) -> None:
    assert standing(Person(OTHER, role), OWNER, MEMBERS) is None
    assert not any(_may(OTHER, role, a) for a in Action)


@pytest.mark.parametrize("role", [Role.editor, Role.candidate])
def test_an_owner_or_member_whose_role_was_changed_away_from_staff_loses_access(role: Role) -> None:
    assert standing(Person(OWNER, role), OWNER, MEMBERS) is None
    assert standing(Person(MEMBER, role), OWNER, MEMBERS) is None


def test_only_reviewers_and_admins_create_assessments_or_are_added_to_them() -> None:
    staff = {Role.reviewer, Role.admin}
    assert {r for r in Role if may_create_assessment(r)} == staff
    assert {r for r in Role if may_be_member(r)} == staff
