"""POST /api/v1/templates/check: the content guard for template admins' tools."""

from __future__ import annotations

from aiohttp import web

from gateway.billing.api import read_json
from gateway.errors import ValidationFailed
from gateway.guard import check_template, is_refused
from gateway.rest.auth import requires
from gateway.web.services import SERVICES

MAX_SOURCE = 200_000


@requires("templates:write")
async def post_check(request: web.Request) -> web.Response:
    body = await read_json(request)
    errors = []
    if not isinstance(body, dict):
        raise ValidationFailed([{"field": "body", "detail": "must be a JSON object"}])
    for key in sorted(set(body) - {"kind", "source", "name"}):
        errors.append({"field": key, "detail": "is not a known field"})
    if body.get("kind") not in ("email", "message"):
        errors.append({"field": "kind", "detail": "must be one of: email, message"})
    source = body.get("source")
    if not isinstance(source, str) or len(source) > MAX_SOURCE:
        errors.append({"field": "source", "detail": f"must be a string of at most {MAX_SOURCE} characters"})
    name = body.get("name", "<template>")
    if not isinstance(name, str) or len(name) > 200:
        errors.append({"field": "name", "detail": "must be a string of at most 200 characters"})
    if errors:
        raise ValidationFailed(errors)
    assert isinstance(source, str) and isinstance(name, str)
    public_url = request.app[SERVICES].settings.public_url
    findings = check_template(source, kind=body["kind"], name=name, portal_url=public_url)
    return web.json_response({"ok": not is_refused(findings), "findings": [f.to_dict() for f in findings]})
