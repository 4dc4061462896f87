"""interview sessions: consent, sessions, their questions, takes and upload chunks

session_questions.chosen_take_id and takes.session_question_id point at each other, so that
foreign key is added after both tables exist and dropped first on the way down.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 10:16:28.004900
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consent_records",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=20), nullable=False),
        sa.Column("given_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_consent_records_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_records")),
    )
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_records_user_id"), ["user_id"], unique=False)

    op.create_table(
        "interview_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "practice",
                "single",
                "mock",
                name="session_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "mode",
            sa.Enum(
                "video",
                "audio",
                "typed",
                name="answer_mode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("retakes_allowed", sa.Integer(), nullable=False),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("finished_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_interview_sessions_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interview_sessions")),
    )
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interview_sessions_user_id"), ["user_id"], unique=False)

    op.create_table(
        "session_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("question_version_id", sa.Integer(), nullable=False),
        sa.Column("chosen_take_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["question_version_id"],
            ["question_versions.id"],
            name=op.f("fk_session_questions_question_version_id_question_versions"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["interview_sessions.id"],
            name=op.f("fk_session_questions_session_id_interview_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_questions")),
        sa.UniqueConstraint("session_id", "position", name=op.f("uq_session_questions_session_id_position")),
    )
    with op.batch_alter_table("session_questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_session_questions_session_id"), ["session_id"], unique=False)

    op.create_table(
        "takes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_question_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column(
            "mode",
            sa.Enum(
                "video",
                "audio",
                "typed",
                name="take_mode",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "preparing",
                "recording",
                "uploaded",
                "transcribed",
                "analysed",
                "scored",
                "failed",
                name="take_state",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("prep_started_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answer_started_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("overran", sa.Boolean(), nullable=False),
        sa.Column("interrupted", sa.Boolean(), nullable=False),
        sa.Column("media_key", sa.String(length=40), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=True),
        sa.Column("media_bytes", sa.Integer(), nullable=False),
        sa.Column("typed_text", sa.Text(), nullable=True),
        sa.Column("failure_reason", sa.Text(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_question_id"],
            ["session_questions.id"],
            name=op.f("fk_takes_session_question_id_session_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_takes")),
        sa.UniqueConstraint("media_key", name=op.f("uq_takes_media_key")),
        sa.UniqueConstraint(
            "session_question_id", "number", name=op.f("uq_takes_session_question_id_number")
        ),
    )
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_takes_session_question_id"), ["session_question_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_takes_state"), ["state"], unique=False)

    op.create_table(
        "upload_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("take_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("received_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["take_id"], ["takes.id"], name=op.f("fk_upload_chunks_take_id_takes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_chunks")),
        sa.UniqueConstraint("take_id", "seq", name=op.f("uq_upload_chunks_take_id_seq")),
    )
    with op.batch_alter_table("upload_chunks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_upload_chunks_take_id"), ["take_id"], unique=False)
    with op.batch_alter_table("session_questions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_session_questions_chosen_take_id", "takes", ["chosen_take_id"], ["id"], ondelete="SET NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("session_questions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_session_questions_chosen_take_id", type_="foreignkey")
    with op.batch_alter_table("upload_chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_upload_chunks_take_id"))

    op.drop_table("upload_chunks")
    with op.batch_alter_table("takes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_takes_state"))
        batch_op.drop_index(batch_op.f("ix_takes_session_question_id"))

    op.drop_table("takes")
    with op.batch_alter_table("session_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_questions_session_id"))

    op.drop_table("session_questions")
    with op.batch_alter_table("interview_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interview_sessions_user_id"))

    op.drop_table("interview_sessions")
    with op.batch_alter_table("consent_records", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_records_user_id"))

    op.drop_table("consent_records")
