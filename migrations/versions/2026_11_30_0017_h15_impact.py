"""adverse impact: candidates' voluntary self-identification (its own table), the counts per
group kept past retention, and an index to filter the audit record by actor

Revision ID: 0017_h15_impact
Revises: 0016_share_links
Create Date: 2026-11-30 13:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0017_h15_impact"
down_revision: str | None = "0016_share_links"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "self_identifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=40), nullable=True),
        sa.Column("race", sa.String(length=60), nullable=True),
        sa.Column("answered_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_self_identifications_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_self_identifications")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_self_identifications_invitation_id")),
    )
    op.create_table(
        "retained_impact",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("sex", sa.String(length=40), nullable=False),
        sa.Column("race", sa.String(length=60), nullable=False),
        sa.Column("candidates", sa.Integer(), nullable=False),
        sa.Column("selected", sa.Integer(), nullable=False),
        sa.Column("human_scored", sa.Integer(), nullable=False),
        sa.Column("human_above", sa.Integer(), nullable=False),
        sa.Column("ai_scored", sa.Integer(), nullable=False),
        sa.Column("ai_above", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_retained_impact_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retained_impact")),
        sa.UniqueConstraint(
            "assessment_id", "sex", "race", name=op.f("uq_retained_impact_assessment_id_sex_race")
        ),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_actor", ["actor_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_actor")
    op.drop_table("retained_impact")
    op.drop_table("self_identifications")
