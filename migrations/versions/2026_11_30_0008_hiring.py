"""hiring: assessments, their pinned questions and reviewers, invitations, blind ratings,
candidate stages and the audit record of staff access

Revision ID: 0008_hiring
Revises: 0007_i11_media
Create Date: 2026-11-30 08:30:00

Reviewed by hand: invitations keep only the SHA-256 of their token; ratings and recommendations
are append-only (revision 0 is the blind rating, a later revision needs a reason, and the one it
replaces is marked superseded, never overwritten); a stage change is a new row; audit events copy
the actor's id and role with no foreign key, so the record outlives the account.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0008_hiring"
down_revision: str | None = "0007_i11_media"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_role", sa.String(length=20), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_events_at"), ["at"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("role", sa.String(length=100), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("instructions", sa.Text(), nullable=False),
        sa.Column("retakes_allowed", sa.Integer(), nullable=False),
        sa.Column("allow_video", sa.Boolean(), nullable=False),
        sa.Column("allow_audio", sa.Boolean(), nullable=False),
        sa.Column("allow_typed", sa.Boolean(), nullable=False),
        sa.Column("deadline_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deadline_zone", sa.String(length=64), nullable=False),
        sa.Column("ai_scoring", sa.Boolean(), nullable=False),
        sa.Column("feedback_after_close", sa.Boolean(), nullable=False),
        sa.Column("retention_days", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "allow_video OR allow_audio OR allow_typed", name=op.f("ck_assessments_one_answer_mode")
        ),
        sa.CheckConstraint("retakes_allowed BETWEEN 0 AND 5", name=op.f("ck_assessments_retakes_allowed")),
        sa.CheckConstraint("retention_days >= 1", name=op.f("ck_assessments_retention_days")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_assessments_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "assessment_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("added_by_id", sa.Integer(), nullable=True),
        sa.Column("added_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by_id"],
            ["users.id"],
            name=op.f("fk_assessment_members_added_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_members_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_assessment_members_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_members")),
        sa.UniqueConstraint(
            "assessment_id", "user_id", name=op.f("uq_assessment_members_assessment_id_user_id")
        ),
    )
    with op.batch_alter_table("assessment_members", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_members_assessment_id"), ["assessment_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessment_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "assessment_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("prep_seconds", sa.Integer(), nullable=False),
        sa.Column("answer_seconds", sa.Integer(), nullable=False),
        sa.CheckConstraint("answer_seconds > 0", name=op.f("ck_assessment_questions_answer_seconds")),
        sa.CheckConstraint("prep_seconds >= 0", name=op.f("ck_assessment_questions_prep_seconds")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_assessment_questions_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_versions.id"],
            name=op.f("fk_assessment_questions_question_version_id_question_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_questions")),
        sa.UniqueConstraint(
            "assessment_id", "position", name=op.f("uq_assessment_questions_assessment_id_position")
        ),
        sa.UniqueConstraint(
            "assessment_id",
            "question_version_id",
            name=op.f("uq_assessment_questions_assessment_id_question_version_id"),
        ),
    )
    with op.batch_alter_table("assessment_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_assessment_questions_assessment_id"), ["assessment_id"], unique=False
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "invited",
                "opened",
                "started",
                "submitted",
                "expired",
                name="invitation_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_by_id", sa.Integer(), nullable=True),
        sa.Column("used_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("extra_time_percent", sa.Integer(), nullable=False),
        sa.Column("declined_ai_scoring", sa.Boolean(), nullable=False),
        sa.Column("emailed_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "extra_time_percent BETWEEN 0 AND 200", name=op.f("ck_invitations_extra_time_percent")
        ),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_invitations_assessment_id_assessments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["used_by_id"], ["users.id"], name=op.f("fk_invitations_used_by_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("assessment_id", "email", name=op.f("uq_invitations_assessment_id_email")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invitations_assessment_id"), ["assessment_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invitations_used_by_id"), ["used_by_id"], unique=False)

    op.create_table(
        "candidate_reviews",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_candidate_reviews_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reviewer_id"],
            ["users.id"],
            name=op.f("fk_candidate_reviews_reviewer_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_reviews")),
        sa.UniqueConstraint(
            "invitation_id", "reviewer_id", name=op.f("uq_candidate_reviews_invitation_id_reviewer_id")
        ),
    )
    with op.batch_alter_table("candidate_reviews", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_candidate_reviews_invitation_id"), ["invitation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_candidate_reviews_reviewer_id"), ["reviewer_id"], unique=False)

    op.create_table(
        "candidate_stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column(
            "stage",
            sa.Enum(
                "new",
                "in-review",
                "advance",
                "hold",
                "decline",
                name="stage",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("set_by_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("set_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitations.id"],
            name=op.f("fk_candidate_stages_invitation_id_invitations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["set_by_id"], ["users.id"], name=op.f("fk_candidate_stages_set_by_id_users"), ondelete="SET NULL"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_candidate_stages")),
    )
    with op.batch_alter_table("candidate_stages", schema=None) as batch_op:
        batch_op.create_index("ix_candidate_stages_invitation_at", ["invitation_id", "set_at"], unique=False)

    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_question_id", sa.Integer(), nullable=False),
        sa.Column("competency_id", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.CheckConstraint("level BETWEEN 1 AND 5", name=op.f("ck_ratings_level")),
        sa.CheckConstraint("revision = 0 OR reason IS NOT NULL", name=op.f("ck_ratings_revision_reason")),
        sa.ForeignKeyConstraint(
            ["assessment_question_id"],
            ["assessment_questions.id"],
            name=op.f("fk_ratings_assessment_question_id_assessment_questions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["competency_id"], ["competencies.id"], name=op.f("fk_ratings_competency_id_competencies")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["candidate_reviews.id"],
            name=op.f("fk_ratings_review_id_candidate_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
        sa.UniqueConstraint(
            "review_id",
            "assessment_question_id",
            "competency_id",
            "revision",
            name=op.f("uq_ratings_review_id_assessment_question_id_competency_id_revision"),
        ),
    )
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ratings_assessment_question_id"), ["assessment_question_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ratings_review_id"), ["review_id"], unique=False)

    op.create_table(
        "recommendation_ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "recommendation",
            sa.Enum(
                "strong-no",
                "no",
                "yes",
                "strong-yes",
                name="recommendation",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("superseded_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "revision = 0 OR reason IS NOT NULL", name=op.f("ck_recommendation_ratings_revision_reason")
        ),
        sa.ForeignKeyConstraint(
            ["review_id"],
            ["candidate_reviews.id"],
            name=op.f("fk_recommendation_ratings_review_id_candidate_reviews"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recommendation_ratings")),
        sa.UniqueConstraint(
            "review_id", "revision", name=op.f("uq_recommendation_ratings_review_id_revision")
        ),
    )
    with op.batch_alter_table("recommendation_ratings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_recommendation_ratings_review_id"), ["review_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("recommendation_ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recommendation_ratings_review_id"))

    op.drop_table("recommendation_ratings")
    with op.batch_alter_table("ratings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ratings_review_id"))
        batch_op.drop_index(batch_op.f("ix_ratings_assessment_question_id"))

    op.drop_table("ratings")
    with op.batch_alter_table("candidate_stages", schema=None) as batch_op:
        batch_op.drop_index("ix_candidate_stages_invitation_at")

    op.drop_table("candidate_stages")
    with op.batch_alter_table("candidate_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_candidate_reviews_reviewer_id"))
        batch_op.drop_index(batch_op.f("ix_candidate_reviews_invitation_id"))

    op.drop_table("candidate_reviews")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_used_by_id"))
        batch_op.drop_index(batch_op.f("ix_invitations_assessment_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("assessment_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_questions_assessment_id"))

    op.drop_table("assessment_questions")
    with op.batch_alter_table("assessment_members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessment_members_user_id"))
        batch_op.drop_index(batch_op.f("ix_assessment_members_assessment_id"))

    op.drop_table("assessment_members")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_assessments_owner_id"))

    op.drop_table("assessments")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index(batch_op.f("ix_audit_events_at"))

    op.drop_table("audit_events")
