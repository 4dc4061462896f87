"""quotas: sign-up records per client address, and the abandoned state of takes

Revision ID: 0005_i11_media
Revises: 0004
Create Date: 2026-11-30 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0005_i11_media"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ["preparing", "recording", "uploaded", "transcribed", "analysed", "scored", "failed"]


def _state_check(states: list[str]) -> str:
    return "state IN (" + ", ".join(f"'{state}'" for state in states) + ")"


def upgrade() -> None:
    op.create_table(
        "signup_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signup_records")),
    )
    with op.batch_alter_table("signup_records", schema=None) as batch_op:
        batch_op.create_index("ix_signup_records_address_at", ["address", "created_at"], unique=False)
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_takes_take_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_takes_take_state"), _state_check([*STATES, "abandoned"]))


def downgrade() -> None:
    op.execute("UPDATE takes SET state = 'failed' WHERE state = 'abandoned'")
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_takes_take_state"), type_="check")
        batch_op.create_check_constraint(op.f("ck_takes_take_state"), _state_check(STATES))
    with op.batch_alter_table("signup_records", schema=None) as batch_op:
        batch_op.drop_index("ix_signup_records_address_at")
    op.drop_table("signup_records")
