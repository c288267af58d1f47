"""The staff console: staff accounts, enrolment links, passkeys, sign-in throttling, the staff
inbox's assignments and answers, stored message-template versions, and the customers' e-mail
blind index.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from gateway.storage.types import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("email_index", sa.String(64), nullable=True))
    op.create_index("ix_customers_email_index", "customers", ["email_index"])
    op.create_table(
        "staff",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("first_name", sa.String(100), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("key_wrapped", sa.LargeBinary(), nullable=True),
        sa.Column("totp_secret_enc", sa.LargeBinary(), nullable=True),
        sa.Column("totp_confirmed", sa.Integer(), nullable=False),
        sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("enrolled_at", UTCDateTime(), nullable=True),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff"),
        sa.UniqueConstraint("email", name="uq_staff_email"),
    )
    op.create_table(
        "staff_enrolments",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_staff_enrolments_staff_id_staff"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_staff_enrolments"),
    )
    op.create_index("ix_staff_enrolments_staff_id", "staff_enrolments", ["staff_id"])
    op.create_table(
        "staff_passkeys",
        sa.Column("credential_id", sa.String(255), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["staff_id"], ["staff.id"], name="fk_staff_passkeys_staff_id_staff"),
        sa.PrimaryKeyConstraint("credential_id", name="pk_staff_passkeys"),
    )
    op.create_index("ix_staff_passkeys_staff_id", "staff_passkeys", ["staff_id"])
    op.create_table(
        "staff_throttle",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("key", name="pk_staff_throttle"),
    )
    op.create_table(
        "console_replies",
        sa.Column("reply_id", sa.String(32), nullable=False),
        sa.Column("assigned_to", sa.String(32), nullable=True),
        sa.Column("answered_by_message", sa.String(32), nullable=True),
        sa.Column("answered_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["assigned_to"], ["staff.id"], name="fk_console_replies_assigned_to_staff"),
        sa.PrimaryKeyConstraint("reply_id", name="pk_console_replies"),
    )


    op.create_table(
        "template_versions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("language", sa.String(2), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("author", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(32), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["author"], ["staff.id"], name="fk_template_versions_author_staff"),
        sa.ForeignKeyConstraint(["decided_by"], ["staff.id"], name="fk_template_versions_decided_by_staff"),
        sa.PrimaryKeyConstraint("id", name="pk_template_versions"),
    )
    op.create_index("ix_template_versions_name_language", "template_versions", ["name", "language"])


def downgrade() -> None:
    op.drop_index("ix_template_versions_name_language", table_name="template_versions")
    op.drop_table("template_versions")
    op.drop_table("console_replies")
    op.drop_table("staff_throttle")
    op.drop_index("ix_staff_passkeys_staff_id", table_name="staff_passkeys")
    op.drop_table("staff_passkeys")
    op.drop_index("ix_staff_enrolments_staff_id", table_name="staff_enrolments")
    op.drop_table("staff_enrolments")
    op.drop_table("staff")
    op.drop_index("ix_customers_email_index", table_name="customers")
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("email_index")
