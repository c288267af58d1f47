"""Message and e-mail templates in the browser (template_admin): the live text of each template and language,
an editor with the guard as you type and a preview in every language, saving a new version (never
while the guard refuses it), and four-eyes approval by a second template admin. See docs/templates.md."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from jinja2 import TemplateError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import audit
from gateway.billing.templates import MessageTemplates, TemplateProblem
from gateway.console import template_store as store
from gateway.console.pages import language_of, redirect, render, requires, staff_of, state_of
from gateway.console.state import ConsoleState
from gateway.delivery.notification import NotificationRenderer
from gateway.storage import reading
from gateway.webkit import PageError

ADMINS = ("template_admin",)
Active = dict[tuple[str, str], str]
SAMPLE = {"name": "Kari Nordmann", "period": "oktober 2026", "amount": "512,00", "due_date": "20.11.2026",
          "invoice_number": "10000001", "effective_date": "01.01.2027", "contract_name": "Spotpris"}


def _key(request: web.Request) -> tuple[str, str]:
    name, language = request.match_info["name"], request.match_info["language"]
    if not store.valid_key(name, language):
        raise PageError(404)
    return name, language


async def refresh_emails(engine: AsyncEngine, notifications: NotificationRenderer) -> None:
    """Make the approved e-mail versions live in a process without the console (`gateway worker`)."""
    async with reading(engine) as conn:
        notifications.use_versions(await store.load_active(conn, store.EMAIL))


async def refresh(state: ConsoleState) -> None:
    """Make the approved versions live in this process (also run every few seconds: other processes approve).
    A read (on SQLite: no write lock): a plain connection's transaction took the write lock every
    TEMPLATE_REFRESH_SECONDS in every process and held it across two statements' event-loop round trips."""
    async with reading(state.engine) as conn:
        messages = await store.load_active(conn, store.MESSAGE)
        emails = await store.load_active(conn, store.EMAIL)
    state.billing.message_templates.use_versions(messages)
    state.notifications.use_versions(emails)


async def _active(state: ConsoleState, name: str) -> Active:
    async with reading(state.engine) as conn:
        return await store.load_active(conn, store.kind_of(name))


def _live(state: ConsoleState, active: Active, name: str, language: str) -> str:
    if store.kind_of(name) == store.EMAIL:
        return active.get((name, language)) or state.notifications.file_source(language, name.split(".", 1)[1])
    return active.get((name, language)) or state.billing.message_templates.file_source(name, language) or ""


def _previews(state: ConsoleState, active: Active, name: str, edited_language: str,
              edited: str, data: dict[str, Any]) -> list[dict[str, str]]:
    """The edited text in its language, and every other language's live text, rendered with `data`
    (an e-mail part: the whole notification e-mail with the live versions of its other parts)."""
    previews = []
    for language in store.LANGUAGES:
        source = edited if language == edited_language else _live(state, active, name, language)
        try:
            if store.kind_of(name) == store.EMAIL:
                subject, body, html = _email_preview(state, {**active, (name, language): source}, language)
            else:
                one = MessageTemplates(state.billing.message_templates.root.parent)
                one.use_versions({(name, language): source} if source else {})
                (subject, body), html = one.render(name, language, data), ""
            previews.append({"language": language, "subject": subject, "body": body, "html": html, "error": ""})
        except TemplateProblem as exc:
            previews.append({"language": language, "subject": "", "body": "", "html": "", "error": str(exc)})
        except TemplateError:
            previews.append({"language": language, "subject": "", "body": "", "html": "",
                             "error": "the template has a syntax error"})
    return previews


def _email_preview(state: ConsoleState, sources: Active, language: str) -> tuple[str, str, str]:
    """The notification e-mail exactly as the worker renders it, for a sample message sent now."""
    email = state.notifications.with_versions(sources).render(
        language=language, message_id="0" * 26, category="invoice", sensitive=False, sent_at=state.clock.now())
    return email.subject, email.text, email.html


def _placed(findings: list[Any], lang: str) -> list[dict[str, Any]]:
    return [{"rule": f.rule, "message": f.message_nb if lang == "nb" else f.message, "field": "source",
             "line": f.line, "column": f.column, "excerpt": f.excerpt, "severity": f.severity} for f in findings]


def _names(state: ConsoleState) -> list[str]:
    return [*state.billing.message_templates.names(), *store.EMAIL_NAMES]


@requires(*ADMINS)
async def index(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    async with reading(state.engine) as conn:
        waiting = await store.pending(conn)
    return render(request, "templates.html", {"names": _names(state),
                                              "template_languages": store.LANGUAGES, "waiting": waiting,
                                              "error": None})


async def _editor(request: web.Request, name: str, language: str, source: str | None = None, data: str = "",
                  **extra: Any) -> web.Response:
    state = state_of(request)
    active = await _active(state, name)
    async with reading(state.engine) as conn:
        versions = await store.history(conn, name, language)
    text = _live(state, active, name, language) if source is None else source
    try:
        values = json.loads(data) if data.strip() else dict(SAMPLE)
    except ValueError:
        values = dict(SAMPLE)
    findings = extra.pop("findings", None)
    if findings is None:
        findings = _placed(store.check(name, language, text, state.settings.public_url), language_of(request))
    context = {"name": name, "language": language, "source": text, "data": data or json.dumps(SAMPLE, indent=1,
               ensure_ascii=False), "versions": versions, "findings": findings,
               "refused": any(f["severity"] == "error" for f in findings),
               "previews": _previews(state, active, name, language, text, values if isinstance(values, dict) else {}),
               "error": None, "saved": "", "status": 200, **extra}
    return render(request, "template_edit.html", context, status=context["status"])


@requires(*ADMINS)
async def edit(request: web.Request) -> web.StreamResponse:
    name, language = _key(request)
    return await _editor(request, name, language, saved=request.query.get("saved", "")[:40])


@requires(*ADMINS)
async def save(request: web.Request) -> web.StreamResponse:
    state = state_of(request)
    staff = staff_of(request)
    name, language = _key(request)
    form = await request.post()
    source = str(form.get("source", "")).replace("\r\n", "\n")[:store.MAX_SOURCE + 1]
    data = str(form.get("data", ""))[:10_000]
    if form.get("action") != "save":
        return await _editor(request, name, language, source, data)
    try:
        async with state.engine.begin() as conn:
            version_id = await store.save(conn, name, language, source, staff.id, state.clock.now(),
                                          state.settings.public_url)
            await audit.append(conn, audit.Entry(staff.actor, "template.save", version_id,
                                                 {"name": name, "language": language}))
    except store.TemplateRefusal as exc:
        async with state.engine.begin() as conn:
            await audit.append(conn, audit.Entry(staff.actor, "template.save_refused", None, {
                "name": name, "language": language, "reason": exc.key,
                "rules": sorted({f.rule for f in exc.findings})}))
        return await _editor(request, name, language, source, data, error=exc.key, status=422,
                             findings=_placed(exc.findings, language_of(request)))
    return redirect(f"/console/templates/{name}/{language}?saved={version_id}")


async def _decide(request: web.Request, approve: bool) -> web.StreamResponse:
    state = state_of(request)
    staff = staff_of(request)
    version_id = request.match_info["version_id"][:40]
    try:
        async with state.engine.begin() as conn:
            if approve:
                version = await store.approve(conn, version_id, staff.id, state.clock.now(), state.settings.public_url)
            else:
                version = await store.reject(conn, version_id, staff.id, state.clock.now())
            await audit.append(conn, audit.Entry(staff.actor, "template.approve" if approve else "template.reject",
                                                 version_id, {"name": version.name, "language": version.language,
                                                              "author": f"staff:{version.author}"}))
    except store.TemplateRefusal as exc:
        async with reading(state.engine) as conn:
            waiting = await store.pending(conn)
        return render(request, "templates.html", {"names": _names(state),
                                                  "template_languages": store.LANGUAGES, "waiting": waiting,
                                                  "error": exc.key}, status=409 if exc.key != "template_unknown"
                      else 404)
    await refresh(state)
    return redirect(f"/console/templates/{version.name}/{version.language}")


@requires(*ADMINS)
async def approve(request: web.Request) -> web.StreamResponse:
    return await _decide(request, True)


@requires(*ADMINS)
async def reject(request: web.Request) -> web.StreamResponse:
    return await _decide(request, False)


@requires(*ADMINS)
async def check(request: web.Request) -> web.StreamResponse:
    """The guard as the template admin types: {"name", "language", "source"} → {"ok", "findings"}."""
    state = state_of(request)
    try:
        payload = json.loads(await request.text())
        name, language, source = str(payload["name"]), str(payload["language"]), str(payload["source"])
    except (ValueError, KeyError, TypeError):
        return web.json_response({"title": "The request body is not valid", "status": 400}, status=400,
                                 content_type="application/problem+json")
    if not store.valid_key(name, language):
        return web.json_response({"title": "No such template", "status": 404}, status=404,
                                 content_type="application/problem+json")
    findings = store.check(name, language, source[:store.MAX_SOURCE], state.settings.public_url)
    placed = _placed(findings, language_of(request))
    return web.json_response({"ok": not any(f.severity == "error" for f in findings), "findings": placed})
