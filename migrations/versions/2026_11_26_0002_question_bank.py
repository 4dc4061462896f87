"""question bank: competencies, questions and immutable question versions

questions.current_version_id and question_versions.question_id point at each other, so the
foreign key from questions is added once both tables exist, and dropped first on the way down.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 09:56:31.806314
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "competencies",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("anchors", sa.JSON(), nullable=False),
        sa.Column("rubric_version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_competencies")),
    )
    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=80), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "published",
                name="question_status",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("retired_at", app.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("category", sa.String(length=20), nullable=False),
        sa.Column("difficulty", sa.String(length=10), nullable=False),
        sa.Column("current_version_id", sa.Integer(), nullable=True),
        sa.Column("synced_hash", sa.String(length=64), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
        sa.UniqueConstraint("slug", name=op.f("uq_questions_slug")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_questions_category"), ["category"], unique=False)

    op.create_table(
        "question_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "origin",
            sa.Enum(
                "files", "editor", name="version_origin", native_enum=False, create_constraint=True, length=10
            ),
            nullable=False,
        ),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("created_at", app.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_question_versions_author_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_versions_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_versions")),
        sa.UniqueConstraint("question_id", "number", name=op.f("uq_question_versions_question_id_number")),
    )
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_question_versions_question_id"), ["question_id"], unique=False)
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_questions_current_version_id", "question_versions", ["current_version_id"], ["id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_constraint("fk_questions_current_version_id", type_="foreignkey")
    with op.batch_alter_table("question_versions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_versions_question_id"))

    op.drop_table("question_versions")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_category"))

    op.drop_table("questions")
    op.drop_table("competencies")
