"""Staff accounts and sign-in on the real service (SQLite and PostgreSQL): enrolment from the one-time
link with a password and TOTP, both factors at sign-in, lockout per account, idle and absolute
timeouts on the injected clock, a disabled account's sessions ending at once, every attempt audited."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from gateway import audit
from gateway.clock import FakeClock
from gateway.console import accounts
from gateway.settings import Settings
from gateway.storage.schema import audit_log, staff, web_sessions
from tests.console.console_helpers import (
    PASSWORD,
    code_at,
    console_client,
    enrol,
    secret_on,
    sign_in,
)
from tests.support.service import Gateway


async def _actions(gw: Gateway) -> list[tuple[str, str, str | None]]:
    async with gw.services.engine.connect() as conn:
        rows = await conn.execute(select(audit_log.c.actor, audit_log.c.action, audit_log.c.subject)
                                  .order_by(audit_log.c.seq))
        return [(r.actor, r.action, r.subject) for r in rows]


async def test_enrol_with_totp_then_sign_in_needs_both_factors(gw: Gateway, clock: FakeClock) -> None:
    staff_id, token = await accounts.add(gw.services.engine, "Kari.Nordmann@kraft.example.no", "agent", clock=clock)
    client = console_client(gw)
    page = await client.get(accounts.enrolment_path(token))
    assert page.status == 303 and page.location == "/console/enrol"
    # The link is spent on first use: a second browser gets nowhere with it.
    other = console_client(gw)
    assert (await other.get(accounts.enrolment_path(token))).status == 404
    await other.close()
    page = await client.get("/console/enrol")
    assert 'autocomplete="new-password"' in page.text
    for weak in ("short", "password1234", "kari.nordmann-2026"):
        refused = await client.post("/console/enrol/password", {"password": weak, "password_again": weak})
        assert refused.status == 400, weak
    page = await client.post("/console/enrol/password", {"password": PASSWORD, "password_again": PASSWORD})
    assert page.status == 303
    page = await client.get("/console/enrol")
    assert "<svg" in page.text and "otpauth" not in page.text  # the QR code is drawn here, inline
    secret = secret_on(page)
    assert (await client.post("/console/enrol/totp", {"code": "000000" if code_at(secret, clock) != "000000"
                                                      else "111111"})).status == 400
    page = await client.post("/console/enrol/totp", {"code": code_at(secret, clock)})
    assert page.location == "/console/login?notice=enrolled"
    async with gw.services.engine.connect() as conn:
        row = (await conn.execute(select(staff).where(staff.c.id == staff_id))).one()
    assert row.status == "active" and row.password_hash.startswith("$argon2id$")
    assert secret.encode() not in row.totp_secret_enc  # sealed at rest
    await client.close()

    from tests.console.console_helpers import Enrolled
    who = Enrolled(staff_id, "kari.nordmann@kraft.example.no", secret)
    client = console_client(gw)
    # A password alone is not a sign-in: the console stays closed until the second factor.
    await client.get("/console/login")
    page = await client.post("/console/login", {"email": who.email, "password": PASSWORD})
    assert page.location == "/console/login/second"
    assert (await client.get("/console/")).status == 302
    await client.get("/console/login/second")
    clock.advance(30)
    page = await client.post("/console/login/totp", {"code": code_at(secret, clock)})
    assert page.status == 303 and page.location == "/console/"
    home = await client.get("/console/")
    assert home.status == 200 and "Kari" in home.text
    await client.close()
    actions = await _actions(gw)
    assert [a for a in actions if a[1].startswith("staff.")] == [
        ("cli", "staff.add", staff_id),
        (f"staff:{staff_id}", "staff.enrol.link_opened", staff_id),
        ("anonymous", "staff.enrol.link_refused", None),
        (f"staff:{staff_id}", "staff.enrol.password", staff_id),
        (f"staff:{staff_id}", "staff.enrol", staff_id),
        (f"staff:{staff_id}", "staff.signin", staff_id),
    ]
    assert all("kari" not in str(a).lower() for a in actions)  # ids only, never the e-mail


async def test_wrong_password_and_code_are_refused_and_audited(gw: Gateway, clock: FakeClock) -> None:
    who = await enrol(gw, clock, "ola@kraft.example.no", "agent")
    client = console_client(gw)
    page = await sign_in(client, clock, who, password="not the password at all")
    assert page.status == 401 and "Feil e-post eller passord" in page.text
    await client.get("/console/login")
    page = await client.post("/console/login", {"email": "nobody@kraft.example.no", "password": PASSWORD})
    assert page.status == 401 and "Feil e-post eller passord" in page.text  # the same answer
    await client.get("/console/login")
    await client.post("/console/login", {"email": who.email, "password": PASSWORD})
    await client.get("/console/login/second")
    page = await client.post("/console/login/totp", {"code": "12345x"})
    assert page.status == 401
    # The code used at enrolment is not good a second time.
    page = await client.post("/console/login/totp", {"code": code_at(who.secret, clock)})
    assert page.status == 401
    failed = [a for a in await _actions(gw) if a[1] == "staff.signin.failed"]
    assert [a[0] for a in failed] == [f"staff:{who.staff_id}", "anonymous", f"staff:{who.staff_id}",
                                      f"staff:{who.staff_id}"]
    await client.close()


async def test_lockout_per_account_lifts_after_the_lockout(gw: Gateway, clock: FakeClock) -> None:
    who = await enrol(gw, clock, "per@kraft.example.no", "agent")
    client = console_client(gw)
    for attempt in range(5):
        page = await sign_in(client, clock, who, password=f"wrong password {attempt}")
    assert page.status == 429 and "For mange" in page.text
    page = await sign_in(client, clock, who)  # the right password is refused while locked
    assert page.status == 429
    assert any(a[1] == "staff.signin.locked" for a in await _actions(gw))
    clock.advance(15 * 60)
    page = await sign_in(client, clock, who)
    assert page.status == 303 and page.location == "/console/"
    await client.close()


async def test_idle_and_absolute_timeouts_on_the_injected_clock(gw: Gateway, clock: FakeClock,
                                                                 settings: Settings) -> None:
    who = await enrol(gw, clock, "idle@kraft.example.no", "agent")
    client = console_client(gw)
    assert (await sign_in(client, clock, who)).location == "/console/"
    clock.advance(settings.session_idle_seconds - 60)
    assert (await client.get("/console/")).status == 200
    clock.advance(settings.session_idle_seconds)
    page = await client.get("/console/")
    assert page.status == 302 and page.location == "/console/login"
    # Absolute: active all along, still out after the absolute lifetime.
    assert (await sign_in(client, clock, who)).location == "/console/"
    for _ in range(settings.session_absolute_seconds // (settings.session_idle_seconds - 60) + 2):
        clock.advance(settings.session_idle_seconds - 60)
        page = await client.get("/console/")
        if page.status != 200:
            break
    assert page.status == 302
    await client.close()


async def test_disabling_ends_the_sessions_at_once_and_reset_reenrols(gw: Gateway, clock: FakeClock) -> None:
    who = await enrol(gw, clock, "ende@kraft.example.no", "admin")
    client = console_client(gw)
    assert (await sign_in(client, clock, who)).location == "/console/"
    await accounts.disable(gw.services.engine, who.email, clock=clock)
    async with gw.services.engine.connect() as conn:
        left = (await conn.execute(select(web_sessions).where(web_sessions.c.subject_id == who.staff_id))).all()
    assert left == []
    assert (await client.get("/console/")).status == 302
    assert (await sign_in(client, clock, who)).status == 401
    _, token = await accounts.reset(gw.services.engine, who.email, clock=clock)
    again = await enrol_with_token(gw, clock, token, who.email)
    assert (await sign_in(client, clock, again)).location == "/console/"
    await client.close()


async def enrol_with_token(gw: Gateway, clock: FakeClock, token: str, email: str) -> Any:
    from tests.console.console_helpers import Enrolled
    client = console_client(gw)
    await client.get(accounts.enrolment_path(token))
    await client.get("/console/enrol")
    await client.post("/console/enrol/password", {"password": PASSWORD, "password_again": PASSWORD})
    secret = secret_on(await client.get("/console/enrol"))
    page = await client.post("/console/enrol/totp", {"code": code_at(secret, clock)})
    assert page.status == 303
    await client.close()
    member = next(m for m in await accounts.list_staff(gw.services.engine) if m.email == email)
    return Enrolled(member.id, email, secret)


async def test_an_expired_link_does_not_open(gw: Gateway, clock: FakeClock) -> None:
    _, token = await accounts.add(gw.services.engine, "sein@kraft.example.no", "agent", clock=clock)
    clock.advance(accounts.ENROLMENT_LIFETIME.total_seconds() + 1)
    client = console_client(gw)
    page = await client.get(accounts.enrolment_path(token))
    assert page.status == 404 and "utløpt" in page.text
    await client.close()


async def test_audit_chain_verifies_then_fails_after_a_row_is_altered(gw: Gateway, clock: FakeClock) -> None:
    who = await enrol(gw, clock, "rev@kraft.example.no", "auditor")
    client = console_client(gw)
    await sign_in(client, clock, who)
    await client.close()
    assert (await audit.verify(gw.services.engine)).ok
    async with gw.services.engine.begin() as conn:
        await conn.execute(audit_log.update().where(audit_log.c.action == "staff.signin").values(subject="someone"))
    result = await audit.verify(gw.services.engine)
    assert not result.ok and "changed" in result.problems[0]


def test_an_unknown_account_costs_a_full_argon2id_verification_and_matches_nothing() -> None:
    # The dummy hash for unknown accounts is made without hashing (no 64 MiB argon2id run at every
    # serve start), so it must still carry the hasher's own parameters: a verification against it
    # does the same work as against a real account's hash, and ends in a mismatch, not an error.
    import argon2

    from gateway.console import credentials

    dummy = credentials._dummy_hash()
    real = credentials.hash_password(PASSWORD)
    assert argon2.extract_parameters(dummy) == argon2.extract_parameters(real)
    with_salt_and_digest = dummy.rsplit("$", 2)[1:]
    assert [len(part) for part in with_salt_and_digest] == [len(part) for part in real.rsplit("$", 2)[1:]]
    hasher = argon2.PasswordHasher()
    for password in (PASSWORD, "a password nobody has; compared for unknown accounts", ""):
        with pytest.raises(argon2.exceptions.VerifyMismatchError):
            hasher.verify(dummy, password)
    assert not credentials.verify_password(None, PASSWORD)
    assert credentials.verify_password(real, PASSWORD)
