"""The automatic answer to a reply (RFC 3834): fixed text, no part of the reply, the portal link;
sent from the null sender with Auto-Submitted: auto-replied so that no robot answers it back."""

from __future__ import annotations

from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, make_msgid

from gateway.delivery.notification import OutgoingEmail
from gateway.settings import Settings

SUBJECT = "Automatisk svar / Automatic reply"
TEXT = """Hei!

Svar på denne e-posten blir ikke lest. Vi sender aldri innhold på e-post, og vi ber deg aldri om
passord, koder eller personnummer her. Les meldingene dine og svar oss trygt i Min strømside:
{portal_url}

Hello,

Replies to this e-mail are not read. Please read your messages and reply to us securely in
Min strømside: {portal_url}

{company_name}
"""


def build(settings: Settings, to: str, in_reply_to: str | None, now: datetime) -> OutgoingEmail:
    message = EmailMessage()
    message["From"] = settings.mail_from
    message["To"] = to
    message["Subject"] = SUBJECT
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=settings.mail_domain)
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = in_reply_to
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    message.set_content(TEXT.format(portal_url=f"{settings.public_url}/portal/", company_name=settings.company_name))
    # The null sender: a bounce of the answer must not come back to anyone (RFC 3834 section 3.3).
    return OutgoingEmail("", to, message.as_bytes(policy=SMTP))
