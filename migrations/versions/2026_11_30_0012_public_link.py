"""public link: an assessment may have one link anyone can join through, up to a cap; invitations
say whether they came from it

Revision ID: 0012_public_link
Revises: 0011_audit
Create Date: 2026-11-30 11:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012_public_link"
down_revision: str | None = "0011_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("public_cap", sa.Integer(), nullable=False, server_default="0"))
        batch_op.create_unique_constraint(
            batch_op.f("uq_assessments_public_token_hash"), ["public_token_hash"]
        )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_column("public")
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_assessments_public_token_hash"), type_="unique")
        batch_op.drop_column("public_cap")
        batch_op.drop_column("public_token_hash")
