"""Privacy from the console, for admins only: erasing a customer (gateway.privacy.erase, the same as
`DELETE /api/v1/customers/{id}` and `gateway customers erase ID`, with the staff member as the audit
actor) after the admin has typed the customer's id to confirm; and the customers' correction and
erasure requests: the open cases, one case with the customer's words, and its answer (done or
refused). The answer's text goes to the customer as a message through billing's pipeline, so it
passes the guard as any staff message does, and the portal's "My data" page shows the new status."""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web
from sqlalchemy import select

from gateway import audit, privacy
from gateway.billing import create_many
from gateway.console import drafts
from gateway.console.pages import language_of, redirect, render, requires, staff_of, state_of
from gateway.console.thread_views import _id
from gateway.delivery import notify
from gateway.errors import Conflict, GuardRefused, NotFound, ValidationFailed
from gateway.privacy import requests
from gateway.storage import reading
from gateway.storage.schema import customers
from gateway.webkit import PageError

log = logging.getLogger("gateway.console")
PRIVACY_STAFF = ("admin",)  # erasure and privacy cases: see docs/console.md, "Privacy"
MAX_ANSWER = 2000
# The answer's subject, in the customer's language (the text is the staff member's own words).
SUBJECTS = {
    "correction": {"nb": "Svar på forespørselen din om retting", "nn": "Svar på førespurnaden din om retting",
                   "en": "Answer to your request for correction"},
    "erasure": {"nb": "Svar på forespørselen din om sletting", "nn": "Svar på førespurnaden din om sletting",
                "en": "Answer to your request for erasure"},
}


async def _row(request: web.Request, customer_id: str) -> Any:
    """The customer's row, erased or not; a 404 page for an id that was never a customer's."""
    async with reading(state_of(request).engine) as conn:
        row = (await conn.execute(select(customers.c.id, customers.c.erased_at, customers.c.language)
                                  .where(customers.c.id == customer_id))).first()
    if row is None:
        raise PageError(404)
    return row


@requires(*PRIVACY_STAFF)
async def erase_page(request: web.Request) -> web.StreamResponse:
    customer_id = _id(request, "customer_id")
    if (await _row(request, customer_id)).erased_at is not None:
        raise PageError(404)
    return render(request, "erase.html", {"customer_id": customer_id, "mismatch": False})


@requires(*PRIVACY_STAFF)
async def erase(request: web.Request) -> web.StreamResponse:
    """Erase once the typed id matches. Idempotent: a second erase (a reload, a double click) only
    says the customer was already erased."""
    state = state_of(request)
    customer_id = _id(request, "customer_id")
    await _row(request, customer_id)
    form = await request.post()
    if str(form.get("confirm", "")).strip() != customer_id:
        return render(request, "erase.html", {"customer_id": customer_id, "mismatch": True}, status=422)
    try:
        done = await privacy.erase(state.engine, state.crypto, state.settings.erasure_log_file, customer_id,
                                   actor=staff_of(request).actor, clock=state.clock)
    except privacy.ErasureLogError:
        log.error("console erasure refused: the erasure log cannot be written", extra={"customer_id": customer_id})
        raise PageError(503) from None
    log.info("customer erased from the console", extra={"customer_id": customer_id, "changed": done.changed})
    return render(request, "erased.html", {"done": done})


@requires(*PRIVACY_STAFF)
async def cases(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    async with reading(state.engine) as conn:
        waiting = await requests.open_cases(conn, state.crypto)
    return render(request, "cases.html", {"cases": waiting})  # the list shows no text: the case page does


async def _open_case(request: web.Request, case_id: str) -> requests.Case:
    """The case with the customer's words; opening them is audited like opening a message."""
    state = state_of(request)
    async with state.engine.begin() as conn:
        case = await requests.case(conn, state.crypto, case_id)
        if case is None:
            raise PageError(404)
        await audit.append(conn, audit.Entry(staff_of(request).actor, "console.privacy_request.read",
                                             case.customer_id, {"case_id": case_id}))
    return case


def _case_page(request: web.Request, case: requests.Case, **extra: Any) -> web.Response:
    context = {"case": case, "findings": [], "refused": False, "errors": [], "reply": "", "choice": "",
               "answered": request.query.get("answered") == "1", "status": 200, **extra}
    return render(request, "case.html", context, status=context["status"])


@requires(*PRIVACY_STAFF)
async def case(request: web.Request) -> web.StreamResponse:
    return _case_page(request, await _open_case(request, _id(request, "case_id")))


@requires(*PRIVACY_STAFF)
async def answer(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    staff = staff_of(request)
    case = await _open_case(request, _id(request, "case_id"))
    form = await request.post()
    choice = str(form.get("status", ""))[:20]
    reply = str(form.get("reply", "")).replace("\r\n", "\n").strip()[:MAX_ANSWER]
    again = {"reply": reply, "choice": choice}
    if case.status != "open":
        return _case_page(request, case, errors=["case_already_answered"], status=409, **again)
    problem = _invalid(case, choice, reply)
    if problem:
        return _case_page(request, case, errors=[problem], status=422, **again)
    row = await _row(request, case.customer_id)
    subject = SUBJECTS[case.kind].get(row.language, SUBJECTS[case.kind]["nb"])
    refused, findings = drafts.check(subject, reply, language_of(request))  # the compose form's guard call
    if refused:
        return _case_page(request, case, findings=findings, refused=True, status=422, **again)
    draft = drafts.Draft(category="support", subject=subject, body=reply)
    try:
        item = draft.message(case.customer_id, state.settings.max_attachment_bytes)
    except ValidationFailed:
        return _case_page(request, case, errors=["case_answer_invalid"], status=422, **again)
    # Keyed by the case: a double click sends one message, and a second answer with other words is a conflict.
    [outcome] = await create_many(state.billing, staff.actor, [(f"console-case-{case.id}", item)])
    if isinstance(outcome.error, GuardRefused):
        return _case_page(request, case, findings=findings, refused=True, status=422, **again)
    if outcome.error is not None:
        status = 409 if isinstance(outcome.error, Conflict) else 422
        return _case_page(request, case, errors=["case_already_answered" if status == 409 else
                                                 "case_answer_invalid"], status=status, **again)
    try:
        await requests.answer(state.engine, case.id, choice, staff.actor, clock=state.clock)
    except NotFound:  # answered by someone else a moment ago (with the same words)
        return _case_page(request, case, errors=["case_already_answered"], status=409, **again)
    if state.parent is not None:
        notify(state.parent)
    return redirect(f"/console/privacy/cases/{case.id}?answered=1")


def _invalid(case: requests.Case, choice: str, reply: str) -> str | None:
    """The i18n key of what is wrong with the answer, or None."""
    if choice not in requests.ANSWERS:
        return "case_choose"
    if not reply:
        return "case_reply_missing"
    if case.kind == "erasure" and choice == "done":
        return "case_erase_instead"  # erasure is done by erasing, which also removes the case
    return None
