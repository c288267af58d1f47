"""Delivery feedback: bounce tokens and results, the address index and its bounces, status callbacks
and their outbox, reply attempts and automatic answers.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _has_column(table: str, column: str) -> bool:
    return column in {c["name"] for c in sa.inspect(op.get_bind()).get_columns(table)}


def _has_table(table: str) -> bool:
    return sa.inspect(op.get_bind()).has_table(table)


def upgrade() -> None:
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("bounce_token", sa.String(32), nullable=True))
        batch.add_column(sa.Column("bounce_status", sa.String(16), nullable=True))
        batch.add_column(sa.Column("bounce_diagnostic", sa.String(200), nullable=True))
        batch.add_column(sa.Column("bounced_at", UTCDateTime(), nullable=True))
    op.create_index("ix_notifications_bounce_token", "notifications", ["bounce_token"], unique=True)
    # The staff console's migration (0002) makes the same email_index column; whichever runs first does.
    has_index = _has_column("customers", "email_index")
    with op.batch_alter_table("customers") as batch:
        if not has_index:
            batch.add_column(sa.Column("email_index", sa.String(64), nullable=True))
        batch.add_column(sa.Column("email_hard_bounces", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("email_undeliverable_at", UTCDateTime(), nullable=True))
    if not has_index:
        op.create_index("ix_customers_email_index", "customers", ["email_index"])

    op.create_table(
        "callbacks",
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("url", sa.String(2048), nullable=False),
        sa.Column("secret_nonce", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("client_id", name="pk_callbacks"),
    )
    op.create_table(
        "callback_events",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("id", sa.String(40), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("occurred_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.Column("delivered_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("seq", name="pk_callback_events"),
        sa.UniqueConstraint("id", name="uq_callback_events_id"),
    )
    op.create_index("ix_callback_events_due", "callback_events", ["status", "next_attempt_at"])
    op.create_index("ix_callback_events_message", "callback_events", ["message_id", "seq"])
    op.create_table(
        "reply_attempts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=True),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_reply_attempts"),
    )
    op.create_index("ix_reply_attempts_customer_id", "reply_attempts", ["customer_id"])
    op.create_table(
        "auto_answers",
        sa.Column("sender_index", sa.String(64), nullable=False),
        sa.Column("last_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sender_index", name="pk_auto_answers"),
    )


def downgrade() -> None:
    op.drop_table("auto_answers")
    op.drop_table("reply_attempts")
    op.drop_table("callback_events")
    op.drop_table("callbacks")
    ours = not _has_table("staff")  # with the console's migration applied, email_index is its
    if ours:
        op.drop_index("ix_customers_email_index", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("email_undeliverable_at")
        batch.drop_column("email_hard_bounces")
        if ours:
            batch.drop_column("email_index")
    op.drop_index("ix_notifications_bounce_token", table_name="notifications")
    with op.batch_alter_table("notifications") as batch:
        batch.drop_column("bounced_at")
        batch.drop_column("bounce_diagnostic")
        batch.drop_column("bounce_status")
        batch.drop_column("bounce_token")
