"""session flow: a take can expire with nothing saved, and a question can be skipped

Revision ID: 0005_i10_session_flow
Revises: 0004
Create Date: 2026-11-30 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0005_i10_session_flow"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PIPELINE = ("uploaded", "transcribed", "analysed", "scored", "failed")


def _states(*states: str) -> sa.Enum:
    return sa.Enum(*states, name="take_state", native_enum=False, create_constraint=True, length=20)


def _allow_states(old: tuple[str, ...], new: tuple[str, ...]) -> None:
    """Replace the CHECK constraint listing the take states: SQLite rebuilds the table with the
    new type's constraint, other databases swap the constraint in place."""
    with op.batch_alter_table("takes") as batch_op:
        batch_op.drop_constraint(op.f("ck_takes_take_state"), type_="check")
        if op.get_bind().dialect.name == "sqlite":
            batch_op.alter_column(
                "state", existing_type=_states(*old), type_=_states(*new), existing_nullable=False
            )
        else:
            listed = ", ".join(f"'{state}'" for state in new)
            batch_op.create_check_constraint(op.f("ck_takes_take_state"), f"state IN ({listed})")


BEFORE = ("preparing", "recording", *PIPELINE)
AFTER = ("preparing", "recording", "expired", *PIPELINE)


def upgrade() -> None:
    with op.batch_alter_table("session_questions") as batch_op:
        batch_op.add_column(
            sa.Column("skipped_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
    _allow_states(BEFORE, AFTER)


def downgrade() -> None:
    op.execute("UPDATE takes SET state = 'failed' WHERE state = 'expired'")
    _allow_states(AFTER, BEFORE)
    with op.batch_alter_table("session_questions") as batch_op:
        batch_op.drop_column("skipped_at")
