"""Site spacing: per host, the earliest time the fleet's next request to it may start, so that
`--delay` holds across every worker, not only within one (tracker.store.spacing).

Revision ID: 0010_site_spacing
Revises: 0009_alerts
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_site_spacing"
down_revision: str | None = "0009_alerts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_spacing",
        sa.Column("host", sa.String(length=255), nullable=False),
        sa.Column("next_request_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_site_spacing")),
    )


def downgrade() -> None:
    op.drop_table("site_spacing")
