"""assessment sessions: a session answers one invitation under its assessment's settings

Revision ID: 0010_h14p
Revises: 0009_h13b_names
Create Date: 2026-11-30 11:00:00

Reviewed by hand: interview_sessions gains the invitation it answers (unique: one session per
invitation), whether the AI scores it (false when the assessment does not score or the candidate
declined) and the time after which no take begins; session_questions gain the assessment's times
for that candidate; invitations record the candidate's consent and the reminder sent.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0010_h14p"
down_revision: str | None = "0009_h13b_names"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("ai_scoring", sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column("closes_at", app.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_interview_sessions_invitation_id"), ["invitation_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_interview_sessions_invitation_id_invitations"),
            "invitations",
            ["invitation_id"],
            ["id"],
            ondelete="CASCADE",
        )
    with op.batch_alter_table("session_questions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prep_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("answer_seconds", sa.Integer(), nullable=True))
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consented_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("reminded_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("reminded_at")
        batch_op.drop_column("consented_at")
    with op.batch_alter_table("session_questions", schema=None) as batch_op:
        batch_op.drop_column("answer_seconds")
        batch_op.drop_column("prep_seconds")
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_interview_sessions_invitation_id_invitations"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_interview_sessions_invitation_id"), type_="unique")
        batch_op.drop_column("closes_at")
        batch_op.drop_column("ai_scoring")
        batch_op.drop_column("invitation_id")
