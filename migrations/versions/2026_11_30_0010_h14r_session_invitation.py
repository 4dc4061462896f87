"""hiring: an interview session answered through an invitation names it, so reviewers find the
candidate's answers to an assessment (practice sessions have none)

Revision ID: 0010_h14r
Revises: 0009_h13b_names
Create Date: 2026-11-30 10:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_h14r"
down_revision: str | None = "0009_h13b_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_interview_sessions_invitation_id_invitations"),
            "invitations",
            ["invitation_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_interview_sessions_invitation_id"), ["invitation_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_interview_sessions_invitation_id"), type_="unique")
        batch_op.drop_constraint(
            batch_op.f("fk_interview_sessions_invitation_id_invitations"), type_="foreignkey"
        )
        batch_op.drop_column("invitation_id")
