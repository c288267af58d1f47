"""The customer's right of correction in the portal: changing the notification e-mail address
(a code to the new address, a content-free notice to the old one) and asking for correction or
erasure (a case for the staff console, its status shown on "My data")."""

from __future__ import annotations

import logging

from aiohttp import web

from gateway.errors import GatewayError
from gateway.portal import i18n
from gateway.portal.webutil import language_of, redirect, render, session_of, state_of
from gateway.privacy import email_change, requests
from gateway.privacy.context import MAILER, MailNotSent
from gateway.webkit import Session

log = logging.getLogger("gateway.portal")


def _customer_session(request: web.Request) -> Session:
    session = session_of(request)
    if session is None or not session.signed_in:
        raise web.HTTPFound("/portal/login?next=/portal/my-data")
    return session


async def email_page(request: web.Request) -> web.StreamResponse:
    _customer_session(request)
    return render(request, "email_change.html", {"stage": "address", "error": False})


async def email_request(request: web.Request) -> web.StreamResponse:
    session = _customer_session(request)
    state = state_of(request)
    form = await request.post()
    try:
        address = email_change.check_email(str(form.get("email", "")).strip())
        code = await email_change.request(state.engine, state.crypto, str(session.subject_id), address)
    except GatewayError:
        return render(request, "email_change.html", {"stage": "address", "error": True}, status=422)
    t = i18n.translator(language_of(request))
    url = f"{state.settings.public_url}/portal/my-data/email"
    try:
        text = t("mail_code_text", code=code, url=url)
        await request.config_dict[MAILER].send_text(address, t("mail_code_subject"), text)
    except MailNotSent:  # the customer may try again
        log.warning("could not send the e-mail change code", extra={"customer_id": session.subject_id})
        return render(request, "email_change.html", {"stage": "address", "error": True}, status=503)
    return render(request, "email_change.html", {"stage": "code", "error": False})


async def email_confirm(request: web.Request) -> web.StreamResponse:
    session = _customer_session(request)
    state = state_of(request)
    form = await request.post()
    try:
        done = await email_change.confirm(state.engine, state.crypto, str(session.subject_id),
                                          str(form.get("code", "")))
    except email_change.CodeRefused:
        return render(request, "email_change.html", {"stage": "code", "error": True}, status=422)
    t = i18n.translator(language_of(request))
    try:  # the old address learns that it changed, and nothing else
        await request.config_dict[MAILER].send_text(done.old_email, t("mail_changed_subject"), t("mail_changed_text"))
    except MailNotSent:  # the change stands; the notice is best effort
        log.warning("could not send the e-mail change notice", extra={"customer_id": session.subject_id})
    return redirect("/portal/my-data?email_changed=1")


async def request_case(request: web.Request) -> web.StreamResponse:
    session = _customer_session(request)
    state = state_of(request)
    form = await request.post()
    try:
        await requests.create(state.engine, state.crypto, str(session.subject_id), str(form.get("kind", "")),
                              str(form.get("text", "")))
    except GatewayError:
        return redirect("/portal/my-data?request=refused")
    return redirect("/portal/my-data?request=sent")
