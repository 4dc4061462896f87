"""quotas: sign-up records, to limit sign-ups per client address

Revision ID: 0007_i11_media
Revises: 0006_i10_staff
Create Date: 2026-11-30 05:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0007_i11_media"
down_revision: str | None = "0006_i10_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


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


def downgrade() -> None:
    with op.batch_alter_table("signup_records", schema=None) as batch_op:
        batch_op.drop_index("ix_signup_records_address_at")
    op.drop_table("signup_records")
