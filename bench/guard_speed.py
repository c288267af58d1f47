"""Guard speed: median time to check a typical template (target <= 5 ms), to re-check a rendered
notification e-mail (target <= 1 ms) and to check a rendered billing message (check_text on the
templates in templates/messages/ with varied data, nb/nn/en; target <= 30 µs). Also shown, without
a target: check_email on the gateway's own notification templates (templates/email/, nb/nn/en),
each call a fresh rendering (another date, category and message id), so nothing a cache keeps
from an earlier e-mail covers the values. Times are CPU time
(time.process_time), so other processes on the machine disturb them less. Prints the figures;
exits 1 if a target is missed.
Usage: python bench/guard_speed.py [--runs N]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jinja2.sandbox import ImmutableSandboxedEnvironment  # noqa: E402

from gateway.guard import check_email, check_template, check_text, placeholders  # noqa: E402
from gateway.billing.templates import MessageTemplates  # noqa: E402

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


# Realistic billing data for the message templates (what billing sends in `data`).
_NAMES = ["Ragnhild Nordmann", "Ola Hansen", "Kari Olsen", "Per-Arne Johansen", "Åse Ødegård",
          "Øystein Ås", "Anne-Lise Bø", "Siri Bakken", "Tor Erik Lie", "John Smith", "Seán O'Brien",
          "Mette Ærø"]
_MONTHS = {
    "nb": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "desember"],
    "nn": ["januar", "februar", "mars", "april", "mai", "juni", "juli", "august", "september",
           "oktober", "november", "desember"],
    "en": ["January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December"],
}
_PRODUCTS = ["Spotpris", "Fastpris 12 mnd", "Strøm Basis", "Grønn Spot", "Spotpris Pluss", "Innkjøpspris"]
_CHANGES = {
    "nb": ["Påslaget endres fra 4,90 til 5,90 øre/kWh.", "Månedsbeløpet øker fra 39 kr til 49 kr.",
           "Fastbeløpet blir 0 kr fra og med 01.03.2027, og påslaget blir 6,50 øre/kWh.",
           "Prisen følger fortsatt spotprisen i ditt prisområde (NO1), pluss påslag.", ""],
    "nn": ["Påslaget blir endra frå 4,90 til 5,90 øre/kWh.", "Månadsbeløpet aukar frå 39 kr til 49 kr.",
           "Prisen følgjer framleis spotprisen i prisområdet ditt (NO5), pluss påslag.", ""],
    "en": ["The mark-up changes from 4.90 to 5.90 øre/kWh.", "The monthly fee rises from NOK 39 to NOK 49.",
           "The price still follows the spot price in your price area (NO1), plus the mark-up.", ""],
}
# Plain invoice, reminder and contract-change sentences of the kind billing sends as free text.
PLAIN_BILLING = [
    "Fakturaen for oktober 2026 er klar. Beløpet er 1 234,50 kr, og forfallsdato er 20.11.2026.",
    "Fakturanummer: 10023456. KID: 0012345678901. Forfall: 20.11.2026.",
    "Vi har ikke registrert betaling for faktura 10023456 på 2 345,00 kr, som forfalt 01.11.2026. "
    "Betal innen 15.12.2026 for å unngå purregebyr på 35 kr.",
    "Har du allerede betalt, kan du se bort fra denne påminnelsen.",
    "Fra 1. januar 2027 endres påslaget i avtalen «Spotpris» fra 4,90 til 5,90 øre/kWh. "
    "Du kan si opp avtalen når som helst uten gebyr.",
    "Forbruket ditt i oktober var 1 245 kWh, 12 % lavere enn i fjor. Målepunkt-ID 707057500012345678, "
    "Storgata 12B, 0155 Oslo.",
    "Strømstøtten for oktober er trukket fra: −312,40 kr. Beløpet trekkes via AvtaleGiro den 20. hver måned.",
    "Vi endrar vilkåra for straumavtalen din frå 1. mars 2027. Treng du ein betalingsavtale, kan du "
    "svare på denne meldinga.",
    "Your invoice for October 2026 is ready. The amount is NOK 1,234.50, due on 20 November 2026.",
    "We have not registered payment of invoice 10023456 for NOK 2,345.00, which was due on 1 November "
    "2026. Please pay by 15 December 2026 to avoid a reminder fee of NOK 35.",
    "From 1 January 2027 the mark-up on your Spot price contract changes from 4.90 to 5.90 øre/kWh. "
    "You can cancel at any time, free of charge.",
    "Customer number 123456, meter point 707057500012345678, Main Street 12, 0155 Oslo.",
]


def billing_texts(count: int = 600, seed: int = 2026) -> list[tuple[str, str]]:
    """(name, text) pairs: the message templates rendered with varied billing data as the gateway
    renders them (subject, blank line, body), and PLAIN_BILLING."""
    templates = MessageTemplates(ROOT / "templates")
    rnd = random.Random(seed)
    out: list[tuple[str, str]] = []
    names = templates.names()
    while len(out) < count - len(PLAIN_BILLING):
        lang = rnd.choice(["nb", "nn", "en"])
        name = rnd.choice(names)

        def date() -> str:
            return f"{rnd.randint(1, 28):02d}.{rnd.randint(1, 12):02d}.{rnd.choice([2026, 2027])}"

        kroner, ore = rnd.randint(100, 99999), rnd.randint(0, 99)
        amount = f"{kroner:,}".replace(",", " ") + f",{ore:02d}" if lang != "en" else f"{kroner:,}.{ore:02d}"
        data = {
            "name": rnd.choice(_NAMES), "period": f"{rnd.choice(_MONTHS[lang])} {rnd.choice([2026, 2027])}",
            "amount": amount, "due_date": date(), "new_due_date": date(), "effective_date": date(),
            "invoice_number": str(rnd.randint(10_000_000, 9_999_999_999)), "product": rnd.choice(_PRODUCTS),
            "change_summary": rnd.choice(_CHANGES[lang]),
        }
        subject, body = templates.render(name, lang, data)
        out.append((name, f"{subject}\n\n{body}"))
    return out + [("<text>", t) for t in PLAIN_BILLING]


def gateway_notifications(count: int = 300, seed: int = 2026) -> list[tuple[str, str]]:
    """(text, html) as the delivery worker checks them (subject line, text part; HTML part):
    the gateway's renderer, every language, sensitive or not, a different date and id each."""
    from datetime import UTC, datetime, timedelta

    from gateway.delivery.notification import CATEGORY_LABELS, NotificationRenderer

    renderer = NotificationRenderer(ROOT / "templates", public_url=PORTAL, company_name="Eksempel Kraft AS")
    rnd = random.Random(seed)
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
    out = []
    for k in range(count):
        lang = ("nb", "nn", "en")[k % 3]
        r = renderer.render(language=lang, message_id="".join(rnd.choice(alphabet) for _ in range(22)),
                            category=rnd.choice(list(CATEGORY_LABELS[lang])), sensitive=rnd.random() < 0.2,
                            sent_at=datetime(2026, 1, 1, 9, tzinfo=UTC) + timedelta(days=(seed - 2026) * count + k))
        out.append((f"{r.subject}\n{r.text}", r.html))
    return out


def median_ms(fn, runs: int) -> float:
    fn()  # warm up imports and caches
    samples = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        samples.append((time.process_time() - t0) * 1000)
    return statistics.median(samples)


def check_text_us(texts: list[tuple[str, str]], rounds: int = 20) -> float:
    """Median CPU time of one check_text call per text, in µs (each text timed over ``rounds``
    calls, so the clock's resolution does not matter)."""
    for name, text in texts:
        assert check_text(text, name=name) == [], (name, text)  # warm up; all of them pass
    samples = []
    for name, text in texts:
        t0 = time.process_time()
        for _ in range(rounds):
            check_text(text, name=name)
        samples.append((time.process_time() - t0) / rounds * 1e6)
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
    billing = billing_texts()
    notifications = gateway_notifications()
    for t, h in notifications:
        assert check_email(t, h, portal_url=PORTAL) == []
    fresh = gateway_notifications(seed=2027)  # not checked before: other dates and ids

    t_html = median_ms(lambda: check_template(EMAIL_TEMPLATE, kind="email"), args.runs)
    t_text = median_ms(lambda: check_template(TEXT_TEMPLATE, kind="email"), args.runs)
    t_mail = median_ms(lambda: check_email(text, html, portal_url=PORTAL), args.runs * 3)
    t_bill = check_text_us(billing)
    samples = []
    for t, h in fresh:
        t0 = time.process_time()
        check_email(t, h, portal_url=PORTAL)
        samples.append((time.process_time() - t0) * 1000)
    t_real = statistics.median(samples)
    print(f"check_template (HTML e-mail template, {len(EMAIL_TEMPLATE)} chars): median {t_html:.2f} ms (target <= 5 ms)")
    print(f"check_template (text e-mail template, {len(TEXT_TEMPLATE)} chars): median {t_text:.2f} ms (target <= 5 ms)")
    print(f"check_email (rendered notification, {len(text)} + {len(html)} chars): median {t_mail:.3f} ms (target <= 1 ms)")
    print(f"check_email (the gateway's notification, nb/nn/en, {len(fresh)} fresh renderings): "
          f"median {t_real:.3f} ms (no target; shown for comparison)")
    print(f"check_text (rendered billing messages, {len(billing)} texts, nb/nn/en): median {t_bill:.1f} µs "
          f"(target <= 30 µs)")
    return 0 if max(t_html, t_text) <= 5 and t_mail <= 1 and t_bill <= 30 else 1


if __name__ == "__main__":
    raise SystemExit(main())
