"""names: take_video_reports.data becomes analysis (what the camera showed)

Revision ID: 0009_h13b_names
Revises: 0008_hiring
Create Date: 2026-11-30 08:30:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0009_h13b_names"
down_revision: str | None = "0008_hiring"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("take_video_reports", schema=None) as batch_op:
        batch_op.alter_column("data", new_column_name="analysis")


def downgrade() -> None:
    with op.batch_alter_table("take_video_reports", schema=None) as batch_op:
        batch_op.alter_column("analysis", new_column_name="data")
