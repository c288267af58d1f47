"""POST /api/v1/templates/check: the content guard for template admins' tools."""

from __future__ import annotations

from aiohttp import web

from gateway.billing import rules, schemas
from gateway.guard import check_template, is_refused
from gateway.rest.auth import requires
from gateway.web.services import SERVICES

MAX_SOURCE = schemas.MAX_TEMPLATE_SOURCE


@requires("templates:write")
async def post_check(request: web.Request) -> web.Response:
    body = rules.template_check(await rules.read_body(request))
    public_url = request.app[SERVICES].settings.public_url
    findings = check_template(body.source, kind=body.kind, name=body.name, portal_url=public_url)
    return web.json_response({"ok": not is_refused(findings), "findings": [f.to_dict() for f in findings]})
