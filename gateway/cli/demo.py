"""`gateway demo`: the whole pipeline on embedded defaults, in one process.

SQLite under data/, development keys in keys/, an aiosmtpd sink whose mail shows at /dev/mail, a
demo customer, and a sample invoice notice sent through the real HTTP API and outbox.
"""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import uuid
from pathlib import Path

import aiohttp
from aiohttp import web

from gateway import billing, customers, logs
from gateway.cli.serve import check_port
from gateway.cli.stopping import stop_on_signals
from gateway.crypto import init_keys
from gateway.delivery import devmail, dkim
from gateway.rest import apikeys
from gateway.rest.malformed import ProblemAppRunner
from gateway.settings import ConfigError, Settings
from gateway.storage import upgrade
from gateway.web.app import make_app
from gateway.web.services import Services

DEMO_CUSTOMER = "demo-customer-1"
# A synthetic test number (month + 80, the range NAV's test data uses), never a real person's.
DEMO_NATIONAL_ID = "01817010055"
DEFAULT_PORT = Settings.port
SAMPLE_PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def run_demo(settings: Settings) -> int:
    if settings.is_production:
        raise ConfigError("gateway demo refuses to run with GATEWAY_ENV=production")
    logs.setup("WARNING")
    check_port(settings.host, settings.port)  # 8080 taken: one line naming GATEWAY_PORT, nothing started
    keys_dir = Path(settings.keys_dir)
    if not (keys_dir / "primary").exists():
        init_keys(keys_dir)
    if not dkim.key_path(keys_dir, settings.dkim_selector).exists():
        dkim.init_key(settings)  # the demo's mail is signed as production's is (nothing to publish locally)
    upgrade(settings.database_url)
    if settings.public_url == Settings.public_url and settings.port != DEFAULT_PORT:
        # Only the port was changed (8080 was taken): the links must point where the demo listens.
        settings = dataclasses.replace(settings, public_url=f"http://{settings.host}:{settings.port}")
    try:
        sink = devmail.MailSink(settings.smtp_host, settings.smtp_port).start()
    except OSError as exc:
        raise ConfigError(f"GATEWAY_SMTP_HOST/GATEWAY_SMTP_PORT: the demo's mail sink cannot listen on "
                          f"{settings.smtp_host}:{settings.smtp_port} ({exc.strerror or type(exc).__name__})"
                          ) from None
    settings = dataclasses.replace(settings, smtp_host=sink.host, smtp_port=sink.port, smtp_tls="none")
    try:
        asyncio.run(_serve(settings, sink))
    finally:
        sink.stop()
    return 0


async def _serve(settings: Settings, sink: devmail.MailSink) -> None:
    services = Services.build(settings)
    app = make_app(services)
    devmail.add_routes(app, sink, Path(settings.templates_dir))
    runner = ProblemAppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.host, settings.port).start()
    base = f"http://{settings.host}:{settings.port}"
    captured = len(sink.mails)
    message_id = await _send_sample(services, base)
    await _until_captured(sink, captured)
    _print_urls(settings, base, message_id)
    stop = stop_on_signals()
    await stop.wait()
    await runner.cleanup()
    await services.close()


async def _send_sample(services: Services, base: str) -> str:
    data = billing.parse_customer(DEMO_CUSTOMER, {
        "email": "kari.nordmann@example.no", "name": "Kari Nordmann", "language": "nb",
        "national_id": DEMO_NATIONAL_ID,
    })
    await customers.upsert(services.engine, services.crypto, DEMO_CUSTOMER, data, actor="demo")
    _, token = await apikeys.create(services.engine, "demo", frozenset(apikeys.SCOPES))
    notice = {
        "customer_id": DEMO_CUSTOMER, "category": "invoice", "template": "invoice_ready",
        "data": {"name": "Kari", "period": "oktober 2026", "amount": "1 234,50",
                 "due_date": "20.11.2026", "invoice_number": "2026-104233"},
        "attachments": [{"filename": "faktura-2026-104233.pdf", "content_type": "application/pdf",
                         "content_base64": base64.b64encode(SAMPLE_PDF).decode()}],
    }
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": str(uuid.uuid4())}
    async with aiohttp.ClientSession() as http, \
            http.post(f"{base}/api/v1/messages", json=notice, headers=headers) as response:
        response.raise_for_status()
        return str((await response.json())["id"])


async def _until_captured(sink: devmail.MailSink, before: int, timeout: float = 30.0) -> None:
    """Wait until the worker has delivered the sample's notice to the sink, so /dev/mail shows it
    as soon as the URLs are printed (bounded: a slow machine still gets its URLs)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while len(sink.mails) <= before and loop.time() < deadline:
        await asyncio.sleep(0.05)


def _print_urls(settings: Settings, base: str, message_id: str) -> None:
    print(f"""
Gateway demo is running (Ctrl-C stops it).

  API (OpenAPI):    {base}/api/v1/openapi.json
  Captured e-mail:  {base}/dev/mail
  Portal sign-in:   {base}/portal/login   (development sign-in: customer id {DEMO_CUSTOMER})
  Sample message:   {settings.public_url}/portal/messages/{message_id}
  Health:           {base}/healthz   {base}/readyz   {base}/metrics
""", flush=True)
