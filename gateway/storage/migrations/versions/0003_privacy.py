"""Privacy lifecycle (issue 13): which customer keys are under a key-store secret, the lease that
lets one node at a time run the daily retention, e-mail changes waiting for their code, and the
customers' correction and erasure requests.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("shreddable", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_index("ix_customers_shreddable", "customers", ["shreddable"])
    op.create_table(
        "privacy_leases",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("holder", sa.String(64), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_run_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("name", name="pk_privacy_leases"),
    )
    op.create_table(
        "email_changes",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("email_enc", sa.LargeBinary(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("confirmed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_email_changes"),
    )
    op.create_index("ix_email_changes_customer_id", "email_changes", ["customer_id"])
    op.create_table(
        "privacy_requests",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text_enc", sa.LargeBinary(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.Column("answered_by", sa.String(100), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_privacy_requests"),
    )
    op.create_index("ix_privacy_requests_customer_id", "privacy_requests", ["customer_id"])


def downgrade() -> None:
    op.drop_table("privacy_requests")
    op.drop_table("email_changes")
    op.drop_table("privacy_leases")
    op.drop_index("ix_customers_shreddable", "customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("shreddable")
