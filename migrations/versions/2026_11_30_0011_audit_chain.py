"""audit chain: events carry the assessment and person they concern, a detail, and a digest
chained to the one before; one head row holds the last digest

Revision ID: 0011_audit
Revises: 0010_h14p
Create Date: 2026-11-30 11:30:00

Reviewed by hand: no page wrote audit events before this revision, so there is nothing to
backfill beyond chaining any rows a script may have written, in id order, with the same digest
as app/audit/log.py (copied here: a migration must not change when the app does).
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC

import sqlalchemy as sa
from alembic import op

import app.models.base

revision: str = "0011_audit"
down_revision: str | None = "0010_h14p"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

GENESIS = "0" * 64


def upgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("subject_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("detail", sa.String(length=200), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("previous", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("digest", sa.String(length=64), nullable=True))
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    _chain_existing(head)
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("previous", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("digest", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_digest"), ["digest"])
        batch_op.create_index("ix_audit_events_assessment", ["assessment_id"], unique=False)
        batch_op.create_index("ix_audit_events_subject", ["subject_id"], unique=False)


def _chain_existing(head: sa.Table) -> None:
    events = sa.table(
        "audit_events",
        *(sa.column(name) for name in ("id", "actor_id", "actor_role", "action", "target_type", "target_id")),
        sa.column("at", app.models.base.UTCDateTime()),
        sa.column("previous"),
        sa.column("digest"),
    )
    connection = op.get_bind()
    previous, count = GENESIS, 0
    for row in connection.execute(sa.select(events).order_by(events.c.id)).all():
        fields = [
            previous,
            row.actor_id,
            row.actor_role,
            row.action,
            row.target_type,
            row.target_id,
            None,
            None,
            "",
        ]
        fields.append(row.at.astimezone(UTC).isoformat())
        digest = hashlib.sha256(json.dumps(fields, separators=(",", ":")).encode()).hexdigest()
        connection.execute(
            sa.update(events).where(events.c.id == row.id).values(previous=previous, digest=digest)
        )
        previous, count = digest, count + 1
    op.bulk_insert(head, [{"id": 1, "digest": previous, "events": count}])


def downgrade() -> None:
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_subject")
        batch_op.drop_index("ix_audit_events_assessment")
        batch_op.drop_constraint(batch_op.f("uq_audit_events_digest"), type_="unique")
        batch_op.drop_column("digest")
        batch_op.drop_column("previous")
        batch_op.drop_column("detail")
        batch_op.drop_column("subject_id")
        batch_op.drop_column("assessment_id")
