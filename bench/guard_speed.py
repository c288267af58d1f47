"""Guard speed: median time to check a typical template (target <= 5 ms) and to re-check a
rendered notification e-mail (target <= 1 ms). Prints the figures; exits 1 if a target is missed.
Usage: python bench/guard_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: E402

from gateway.guard import check_email, check_template, placeholders  # noqa: E402

PORTAL = "https://min.example.no"

EMAIL_TEMPLATE = """<!doctype html>
<html lang="nb"><head><meta charset="utf-8"><title>Ny melding fra {{ company_name }}</title></head>
<body style="font-family: Arial, sans-serif; color: #222;">
  <table role="presentation" width="100%" cellpadding="0" cellspacing="0">
    <tr><td style="padding: 24px;">
      <h1 style="font-size: 20px;">Du har en ny melding</h1>
      <p>Hei!</p>
      <p>{{ company_name }} har sendt deg en ny melding{% if category %} om {{ category }}{% endif %}
         {{ sent_date }}. Av hensyn til personvernet ditt står innholdet ikke i denne e-posten.</p>
      <p><a href="{{ message_url }}" style="background:#0b5; color:#fff; padding:10px 16px;">Les meldingen på Min strømside</a></p>
      <p>Du logger inn med BankID. Vi ber deg aldri om passord, PIN-kode, kortnummer eller
         fødselsnummer på e-post eller SMS.</p>
      <p style="font-size: 12px; color: #666;">Denne e-posten kan ikke besvares. Gå til
         <a href="{{ portal_url }}">Min strømside</a> for å svare.</p>
    </td></tr>
  </table>
</body></html>
"""

TEXT_TEMPLATE = """Hei!

{{ company_name }} har sendt deg en ny melding{% if category %} om {{ category }}{% endif %} {{ sent_date }}.
Av hensyn til personvernet ditt står innholdet ikke i denne e-posten.

Les meldingen på Min strømside: {{ message_url }}

Du logger inn med BankID. Vi ber deg aldri om passord, PIN-kode, kortnummer eller
fødselsnummer på e-post eller SMS.
"""


def median_ms(fn, runs: int) -> float:
    fn()  # warm up imports and caches
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=300)
    args = ap.parse_args(argv)
    env = ImmutableSandboxedEnvironment()
    ctx = placeholders(PORTAL) | {"message_url": f"{PORTAL}/portal/messages/0f9c3a1e-2b7d-4c5e-9a8b-1c2d3e4f5a6b"}
    html = env.from_string(EMAIL_TEMPLATE).render(**ctx)
    text = env.from_string(TEXT_TEMPLATE).render(**ctx)
    assert check_template(EMAIL_TEMPLATE, kind="email") == []
    assert check_email(text, html, portal_url=PORTAL) == []

    t_html = median_ms(lambda: check_template(EMAIL_TEMPLATE, kind="email"), args.runs)
    t_text = median_ms(lambda: check_template(TEXT_TEMPLATE, kind="email"), args.runs)
    t_mail = median_ms(lambda: check_email(text, html, portal_url=PORTAL), args.runs * 3)
    print(f"check_template (HTML e-mail template, {len(EMAIL_TEMPLATE)} chars): median {t_html:.2f} ms (target <= 5 ms)")
    print(f"check_template (text e-mail template, {len(TEXT_TEMPLATE)} chars): median {t_text:.2f} ms (target <= 5 ms)")
    print(f"check_email (rendered notification, {len(text)} + {len(html)} chars): median {t_mail:.3f} ms (target <= 1 ms)")
    return 0 if max(t_html, t_text) <= 5 and t_mail <= 1 else 1


if __name__ == "__main__":
    raise SystemExit(main())
