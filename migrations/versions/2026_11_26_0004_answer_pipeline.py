"""answer pipeline: transcripts, video reports, scores, and pipeline bookkeeping on takes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:31:55.032023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "take_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("take_id", sa.Integer(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=False),
        sa.Column("overall", sa.Double(), nullable=False),
        sa.Column("scorer", sa.String(length=20), nullable=False),
        sa.Column("fallback", sa.Boolean(), nullable=False),
        sa.Column("scored_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["take_id"], ["takes.id"], name=op.f("fk_take_scores_take_id_takes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_take_scores")),
        sa.UniqueConstraint("take_id", name=op.f("uq_take_scores_take_id")),
    )
    op.create_table(
        "take_transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("take_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("words", sa.JSON(), nullable=False),
        sa.Column("model", sa.String(length=120), nullable=False),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("original_text", sa.Text(), nullable=True),
        sa.Column("edited_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["take_id"], ["takes.id"], name=op.f("fk_take_transcripts_take_id_takes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_take_transcripts")),
        sa.UniqueConstraint("take_id", name=op.f("uq_take_transcripts_take_id")),
    )
    op.create_table(
        "take_video_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("take_id", sa.Integer(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("has_poster", sa.Boolean(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["take_id"], ["takes.id"], name=op.f("fk_take_video_reports_take_id_takes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_take_video_reports")),
        sa.UniqueConstraint("take_id", name=op.f("uq_take_video_reports_take_id")),
    )
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_seconds", sa.Double(), nullable=True))
        batch_op.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("last_error", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("enqueued_at", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("claimed_until", app.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.drop_column("claimed_until")
        batch_op.drop_column("enqueued_at")
        batch_op.drop_column("last_error")
        batch_op.drop_column("attempts")
        batch_op.drop_column("duration_seconds")

    op.drop_table("take_video_reports")
    op.drop_table("take_transcripts")
    op.drop_table("take_scores")
