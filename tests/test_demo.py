"""`gateway demo` on embedded defaults: one command, a captured notification, printed URLs."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import aiohttp
import pytest

from tests.support.net import free_port, page_shows
from tests.support.service import ROOT

pytestmark = pytest.mark.slow  # a real `gateway demo` subprocess


async def test_demo_sends_a_sample_notice_through_the_real_pipeline(tmp_path: Path) -> None:
    port, smtp_port = free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({"GATEWAY_PORT": str(port), "GATEWAY_SMTP_PORT": str(smtp_port),
                "GATEWAY_KEYS_DIR": str(tmp_path / "keys"),
                "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'gateway.db'}",
                "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates"),
                "GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}"})
    process = subprocess.Popen([sys.executable, "-m", "gateway", "demo"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    printed = ""
    try:
        base = f"http://127.0.0.1:{port}"
        printed = await asyncio.wait_for(asyncio.to_thread(_read_through_urls, process), timeout=90)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        async with aiohttp.ClientSession() as http:
            # The operator opens the printed URL at once: the sample's notice is already there.
            assert await page_shows(http, f"{base}/dev/mail", "Du har en ny melding")
            async with http.get(f"{base}/dev/mail/0") as response:
                page = await response.text()
            assert re.search(rf"{re.escape(base)}/portal/messages/[A-Za-z0-9_-]{{22}}", page)
            assert "Kari" not in page and "1 234,50" not in page  # content stays in the portal
            assert "DKIM-Signature" in page  # the demo signs as production does (its own key in keys/)
            async with http.get(f"{base}/readyz") as response:
                assert response.status == 200
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    out = printed + out
    assert process.returncode == 0, err
    assert f"{base}/dev/mail" in out and "/portal/messages/" in out
    assert (tmp_path / "keys" / "primary").exists() and (tmp_path / "data" / "gateway.db").exists()


def _read_through_urls(process: subprocess.Popen[str]) -> str:
    """The demo's standard output up to its last printed URL (or its end, if it dies first)."""
    assert process.stdout is not None
    lines = []
    for line in process.stdout:
        lines.append(line)
        if "Health:" in line:
            break
    return "".join(lines)


def _demo_env(tmp_path: Path, port: int) -> dict[str, str]:
    """Only the ports changed (no GATEWAY_PUBLIC_URL), as an operator whose 8080 is taken does."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env.update({"GATEWAY_PORT": str(port), "GATEWAY_SMTP_PORT": str(free_port()),
                "GATEWAY_KEYS_DIR": str(tmp_path / "keys"),
                "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'data' / 'gateway.db'}",
                "GATEWAY_TEMPLATES_DIR": str(ROOT / "templates")})
    return env


async def test_demo_on_another_port_links_to_that_port(tmp_path: Path) -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "gateway", "demo"], env=_demo_env(tmp_path, port),
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        printed = await asyncio.wait_for(asyncio.to_thread(_read_through_urls, process), timeout=90)
        sample = re.search(r"Sample message:\s+(\S+)", printed)
        assert sample and sample.group(1).startswith(f"http://127.0.0.1:{port}/portal/messages/"), printed
        async with aiohttp.ClientSession() as http:
            async with http.get(f"http://127.0.0.1:{port}/dev/mail/0") as response:
                assert sample.group(1) in await response.text()  # the e-mail's link works too
            async with http.get(sample.group(1), allow_redirects=False) as response:
                assert response.status == 302  # the portal answers there (sign-in first)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0


def test_demo_refuses_a_port_in_use_with_one_line(tmp_path: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "gateway", "demo"], env=_demo_env(tmp_path, port),
                                cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "GATEWAY_PORT" in lines[0] and str(port) in lines[0], result.stderr
