"""Privacy lifecycle (issue 13): which customer keys are under a key-store secret, and the lease that
lets one node at a time run the daily retention.

Revision ID: 0003
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("shreddable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_customers_shreddable", "customers", ["shreddable"])
    op.create_table(
        "privacy_leases",
        sa.Column("name", sa.String(32), primary_key=True),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("privacy_leases")
    op.drop_index("ix_customers_shreddable", "customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("shreddable")
