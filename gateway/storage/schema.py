"""The gateway's tables. Content columns (suffix _enc) hold envelope-encrypted records only;
ids, categories, timestamps and statuses are in clear so the service can work without keys."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

from gateway.storage.types import UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

customers = Table(
    "customers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("key_wrapped", LargeBinary, nullable=True),  # NULL once erased: crypto-shredded
    Column("kek_id", String(64), nullable=True, index=True),
    Column("email_enc", LargeBinary, nullable=True),
    Column("name_enc", LargeBinary, nullable=True),
    Column("national_id_enc", LargeBinary, nullable=True),
    Column("national_id_index", String(64), nullable=True, index=True),
    Column("email_index", String(64), nullable=True, index=True),  # keyed blind index (migration 0002)
    Column("language", String(2), nullable=False),
    Column("last_invoice_settled_at", UTCDateTime, nullable=True),
    Column("relationship_ended_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("erased_at", UTCDateTime, nullable=True),
    # issue 13: True once the customer key is also wrapped by a secret in the key store.
    Column("shreddable", Boolean, nullable=False, server_default=false(), index=True),
)

messages = Table(
    "messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(64), ForeignKey("customers.id"), nullable=False, index=True),
    Column("client_id", String(64), nullable=False),  # API key id or staff id that created it
    Column("idempotency_key", String(255), nullable=True),
    Column("request_hash", String(64), nullable=True),
    Column("category", String(16), nullable=False),
    Column("sensitivity", String(16), nullable=False),
    Column("auth_level", String(16), nullable=False),
    Column("template", String(100), nullable=True),
    Column("key_wrapped", LargeBinary, nullable=True),
    Column("subject_enc", LargeBinary, nullable=True),
    Column("body_enc", LargeBinary, nullable=True),
    Column("data_enc", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    UniqueConstraint("client_id", "idempotency_key", name="uq_messages_client_idempotency"),
)

attachments = Table(
    "attachments",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("message_id", String(32), ForeignKey("messages.id"), nullable=False, index=True),
    Column("customer_id", String(64), nullable=False),
    Column("position", Integer, nullable=False),
    Column("key_wrapped", LargeBinary, nullable=True),
    Column("filename_enc", LargeBinary, nullable=True),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content_enc", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

replies = Table(
    "replies",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("message_id", String(32), ForeignKey("messages.id"), nullable=False, index=True),
    Column("customer_id", String(64), nullable=False),
    Column("author", String(16), nullable=False),  # "customer" or "staff"
    Column("key_wrapped", LargeBinary, nullable=True),
    Column("body_enc", LargeBinary, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
)

# The transactional outbox: one row per notification e-mail, written with its message.
notifications = Table(
    "notifications",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("message_id", String(32), ForeignKey("messages.id"), nullable=False, unique=True),
    Column("customer_id", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("sent_at", UTCDateTime, nullable=True),
    Column("last_error", String(200), nullable=True),
    Index("ix_notifications_due", "status", "next_attempt_at"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(100), nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("scopes", String(255), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime, nullable=True),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(100), nullable=False),
    Column("action", String(64), nullable=False),
    Column("subject", String(100), nullable=True),
    Column("details", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# A token bucket shared by every worker process: the global send-rate limit.
rate_limits = Table(
    "rate_limits",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
)

# Server-side web sessions (portal and console). Only a hash of the session id is stored.
web_sessions = Table(
    "web_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("kind", String(16), nullable=False),  # "customer", "staff" or "pending"
    Column("subject_id", String(64), nullable=True),
    Column("acr", String(64), nullable=True),
    Column("csrf_token", String(64), nullable=False),
    Column("data", Text, nullable=False, default="{}"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_seen_at", UTCDateTime, nullable=False),
)


# ---------------------------------------------------------------- delivery feedback (issue 14)
# Migration 0004. Bounces: each notification's envelope sender carries its own random token (VERP);
# a DSN for it records the status code and a diagnostic stripped of addresses, never the content.
notifications.append_column(Column("bounce_token", String(32), nullable=True))
notifications.append_column(Column("bounce_status", String(16), nullable=True))
notifications.append_column(Column("bounce_diagnostic", String(200), nullable=True))
notifications.append_column(Column("bounced_at", UTCDateTime, nullable=True))
Index("ix_notifications_bounce_token", notifications.c.bounce_token, unique=True)

# A keyed blind index of the address (found again without decrypting a row), and how many hard
# bounces in a row it has had: at the limit it is undeliverable until it changes. The staff console
# (issue 12, migration 0002) adds the same email_index column: whichever comes first makes it.
if "email_index" not in customers.c:
    customers.append_column(Column("email_index", String(64), nullable=True, index=True))
customers.append_column(Column("email_hard_bounces", Integer, nullable=False, default=0, server_default="0"))
customers.append_column(Column("email_undeliverable_at", UTCDateTime, nullable=True))

# Status callbacks: one URL per machine client (API key). The signing secret is derived from a key
# in keys/ and the nonce here, so a database backup alone cannot forge a signature.
callbacks = Table(
    "callbacks",
    metadata,
    Column("client_id", String(64), primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("secret_nonce", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# The callback outbox: written in the transaction of the state change; delivered in seq order per
# message. Ids, types and times only.
callback_events = Table(
    "callback_events",
    metadata,
    Column("seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("id", String(40), nullable=False, unique=True),
    Column("client_id", String(64), nullable=False),
    Column("message_id", String(32), nullable=False),
    Column("type", String(16), nullable=False),
    Column("occurred_at", UTCDateTime, nullable=False),
    Column("status", String(16), nullable=False),  # pending, delivered, failed (given up)
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UTCDateTime, nullable=False),
    Column("lease_owner", String(64), nullable=True),
    Column("lease_expires_at", UTCDateTime, nullable=True),
    Column("last_error", String(200), nullable=True),
    Column("delivered_at", UTCDateTime, nullable=True),
    Index("ix_callback_events_due", "status", "next_attempt_at"),
    Index("ix_callback_events_message", "message_id", "seq"),
)

# "The customer tried to reply by e-mail": who and about which message, never what they wrote.
reply_attempts = Table(
    "reply_attempts",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("message_id", String(32), nullable=True),
    Column("received_at", UTCDateTime, nullable=False),
)

# When each sender (by keyed index, never the address) last got an automatic answer.
auto_answers = Table(
    "auto_answers",
    metadata,
    Column("sender_index", String(64), primary_key=True),
    Column("last_at", UTCDateTime, nullable=False),
)


# ---------------------------------------------------------------- the staff console (issue 12, migration 0002)

# Staff accounts. The e-mail is the sign-in name (staff are not customers; it is never logged or
# audited, only the id is). The TOTP secret is sealed under a key of the account's own, wrapped by
# the primary key-encryption key like a customer key.
staff = Table(
    "staff",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("email", String(254), nullable=False, unique=True),
    Column("first_name", String(100), nullable=False),
    Column("role", String(16), nullable=False),  # agent | template_admin | auditor | admin
    Column("status", String(16), nullable=False),  # invited | active | disabled
    Column("password_hash", String(255), nullable=True),
    Column("key_wrapped", LargeBinary, nullable=True),
    Column("totp_secret_enc", LargeBinary, nullable=True),
    Column("totp_confirmed", Integer, nullable=False, default=0),
    Column("totp_last_step", BigInteger, nullable=True),  # a code is accepted once
    Column("created_at", UTCDateTime, nullable=False),
    Column("enrolled_at", UTCDateTime, nullable=True),
    Column("disabled_at", UTCDateTime, nullable=True),
)

# One-time enrolment links: only the SHA-256 of the token is kept; opened once, expiring.
staff_enrolments = Table(
    "staff_enrolments",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("staff_id", String(32), ForeignKey("staff.id"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("used_at", UTCDateTime, nullable=True),
)

# WebAuthn credentials (security keys, passkeys): public keys only.
staff_passkeys = Table(
    "staff_passkeys",
    metadata,
    Column("credential_id", String(255), primary_key=True),  # base64url
    Column("staff_id", String(32), ForeignKey("staff.id"), nullable=False, index=True),
    Column("public_key", LargeBinary, nullable=False),
    Column("sign_count", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Failed sign-ins per account ("account:<id>") and per source ("source:<hash of address>").
staff_throttle = Table(
    "staff_throttle",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("failures", Integer, nullable=False),
    Column("window_start", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime, nullable=True),
)

# A customer reply's place in the staff inbox: who it is assigned to, and the message that answered it.
console_replies = Table(
    "console_replies",
    metadata,
    Column("reply_id", String(32), primary_key=True),  # no foreign key: erasure may remove replies
    Column("assigned_to", String(32), ForeignKey("staff.id"), nullable=True),
    Column("answered_by_message", String(32), nullable=True),
    Column("answered_at", UTCDateTime, nullable=True),
)

# Message and e-mail templates edited in the console: every saved version with its author; live only once a
# second template admin approved it (status "active"; the one before it becomes "superseded").
template_versions = Table(
    "template_versions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("name", String(64), nullable=False),
    Column("language", String(2), nullable=False),
    Column("source", Text, nullable=False),
    Column("status", String(16), nullable=False),  # pending | active | superseded | rejected
    Column("author", String(32), ForeignKey("staff.id"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("decided_by", String(32), ForeignKey("staff.id"), nullable=True),
    Column("decided_at", UTCDateTime, nullable=True),
    Index("ix_template_versions_name_language", "name", "language"),
)

# ---------------------------------------------------------------- issue 13: privacy lifecycle
# A named lease so that one node at a time runs a periodic job (the daily retention run).
privacy_leases = Table(
    "privacy_leases",
    metadata,
    Column("name", String(32), primary_key=True),
    Column("holder", String(64), nullable=True),
    Column("expires_at", UTCDateTime, nullable=True),
    Column("last_run_at", UTCDateTime, nullable=True),
)

# A customer's change of their notification e-mail address, waiting for the code sent to the new
# address (the address sealed under the customer key; only a hash of the code).
email_changes = Table(
    "email_changes",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("email_enc", LargeBinary, nullable=False),
    Column("code_hash", String(64), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("confirmed_at", UTCDateTime, nullable=True),
)

# A customer's request for correction or erasure: a case for the staff console.
privacy_requests = Table(
    "privacy_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("customer_id", String(64), nullable=False, index=True),
    Column("kind", String(16), nullable=False),  # "correction" or "erasure"
    Column("text_enc", LargeBinary, nullable=True),  # the customer's words, sealed under their key
    Column("status", String(16), nullable=False),  # "open", "done" or "refused"
    Column("created_at", UTCDateTime, nullable=False),
    Column("answered_at", UTCDateTime, nullable=True),
    Column("answered_by", String(100), nullable=True),
)
