"""Initial schema: customers, messages, attachments, replies, outbox, API keys, audit log.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "customers",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("kek_id", sa.String(64), nullable=True),
        sa.Column("email_enc", sa.LargeBinary(), nullable=True),
        sa.Column("name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_enc", sa.LargeBinary(), nullable=True),
        sa.Column("national_id_index", sa.String(64), nullable=True),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("last_invoice_settled_at", UTCDateTime(), nullable=True),
        sa.Column("relationship_ended_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("erased_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
    )
    op.create_index("ix_customers_kek_id", "customers", ["kek_id"])
    op.create_index("ix_customers_national_id_index", "customers", ["national_id_index"])

    op.create_table(
        "messages",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("client_id", sa.String(64), nullable=False),
        sa.Column("idempotency_key", sa.String(255), nullable=True),
        sa.Column("request_hash", sa.String(64), nullable=True),
        sa.Column("category", sa.String(16), nullable=False),
        sa.Column("sensitivity", sa.String(16), nullable=False),
        sa.Column("auth_level", sa.String(16), nullable=False),
        sa.Column("template", sa.String(100), nullable=True),
        sa.Column("key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("subject_enc", sa.LargeBinary(), nullable=True),
        sa.Column("body_enc", sa.LargeBinary(), nullable=True),
        sa.Column("data_enc", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("read_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["customer_id"], ["customers.id"], name="fk_messages_customer_id_customers"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_messages"),
        sa.UniqueConstraint("client_id", "idempotency_key", name="uq_messages_client_idempotency"),
    )
    op.create_index("ix_messages_customer_id", "messages", ["customer_id"])

    op.create_table(
        "attachments",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("filename_enc", sa.LargeBinary(), nullable=True),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_attachments_message_id_messages"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_message_id", "attachments", ["message_id"])

    op.create_table(
        "replies",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("body_enc", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["message_id"], ["messages.id"], name="fk_replies_message_id_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_replies"),
    )
    op.create_index("ix_replies_message_id", "replies", ["message_id"])

    op.create_table(
        "notifications",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(32), nullable=False),
        sa.Column("customer_id", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.String(200), nullable=True),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name="fk_notifications_message_id_messages"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.UniqueConstraint("message_id", name="uq_notifications_message_id"),
    )
    op.create_index("ix_notifications_due", "notifications", ["status", "next_attempt_at"])

    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("scopes", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("revoked_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
    )

    op.create_table(
        "audit_log",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(100), nullable=False),
        sa.Column("action", sa.String(64), nullable=False),
        sa.Column("subject", sa.String(100), nullable=True),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_log"),
    )

    op.create_table(
        "rate_limits",
        sa.Column("name", sa.String(32), nullable=False),
        sa.Column("tokens", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_rate_limits"),
    )

    op.create_table(
        "web_sessions",
        sa.Column("id_hash", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=True),
        sa.Column("acr", sa.String(64), nullable=True),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("data", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id_hash", name="pk_web_sessions"),
    )


def downgrade() -> None:
    for table in (
        "web_sessions",
        "rate_limits",
        "audit_log",
        "api_keys",
        "notifications",
        "replies",
        "attachments",
        "messages",
        "customers",
    ):
        op.drop_table(table)
