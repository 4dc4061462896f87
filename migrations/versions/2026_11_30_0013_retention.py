"""retention: an assessment records when its candidates' data was deleted, and keeps anonymised
levels (the AI's and people's, per answer and competency, with no candidate behind them)

Revision ID: 0013_retention
Revises: 0012_public_link
Create Date: 2026-11-30 12:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0013_retention"
down_revision: str | None = "0012_public_link"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purged_at", app.models.base.UTCDateTime(timezone=True), nullable=True))
    op.create_table(
        "retained_agreement",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=60), nullable=False),
        sa.Column("ai_level", sa.Integer(), nullable=True),
        sa.Column("human_levels", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_retained_agreement_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_versions.id"],
            name=op.f("fk_retained_agreement_question_version_id_question_versions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retained_agreement")),
    )
    with op.batch_alter_table("retained_agreement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_retained_agreement_assessment_id"), ["assessment_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("retained_agreement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_retained_agreement_assessment_id"))
    op.drop_table("retained_agreement")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_column("purged_at")
