"""Template checks: syntax, e-mail variable and filter rules, string tricks seen as rendered,
and a sandbox that never reaches internals."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.guard import TEMPLATE_KINDS, check_template, is_refused

GOOD_EMAIL = """<html><body>
<p>Hei!</p>
<p>Du har fått en ny melding ({{ category }}) fra {{ company_name }}, sendt {{ sent_date }}.</p>
<p><a href="{{ message_url }}">Les meldingen på Min strømside</a></p>
<p>Vi ber aldri om passord, PIN-kode eller kortnummer på e-post.</p>
</body></html>"""


def rules(src, kind="email"):
    return {f.rule for f in check_template(src, kind=kind, name="t.html")}


def test_good_notification_template_passes():
    assert check_template(GOOD_EMAIL, kind="email") == []
    assert TEMPLATE_KINDS == ("email", "message")


def test_syntax_error_is_a_finding_with_line():
    [f, *_] = check_template("Hei\n{% if x %}\nHei", kind="message", name="m.txt")
    assert f.rule == "template.syntax" and f.template == "m.txt" and f.line >= 2


@pytest.mark.parametrize("src,rule", [
    ("Hei {{ customer_name }}", "template.variable"),
    ("{{ message_url.split('/') }}", "template.method"),
    ("{{ company_name.upper }}", "template.attribute"),
    ("{{ category['x'] }}", "template.attribute"),
    ("{{ category|pprint }}", "template.filter"),
    ("{{ category|tojson }}", "template.filter"),
    ("{% include 'x.html' %}", "template.include"),
    ("{{ cycler }}", "template.unsafe"),
    ("{{ lipsum() }}", "template.unsafe"),
])
def test_email_static_rules(src, rule):
    assert rule in rules(src)


def test_email_variable_finding_points_at_the_variable():
    f = next(f for f in check_template("Hei!\nKjære {{ name }}", kind="email") if f.rule == "template.variable")
    assert (f.line, f.column) == (2, 10)


def test_message_templates_allow_any_variable():
    assert check_template("Hei {{ customer.name }}, fakturaen på {{ amount }} kr er klar.", kind="message") == []


@pytest.mark.parametrize("src", [
    'Oppgi {{ "pass" ~ "ordet" }} ditt',
    '{% set w = "passord" %}Send oss {{ w }}et ditt',
    'Oppgi {{ ["pass", "ord"]|join }}',
    'Oppgi {{ "drossap"|reverse }}',
    'Oppgi pass{# skjult #}ordet ditt',
    'Oppgi pass{% raw %}{% endraw %}ordet ditt',
    '{% if x %}Send oss{% endif %} kortnummeret ditt',
    '{% if false %}Confirm your PIN here{% endif %}',
    'Enter your {{ "PIN"|lower }} below',
    '{% for w in ["Bekreft", "passordet"] %}{{ w }} {% endfor %}',
])
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_string_tricks_are_seen_as_rendered(src, kind):
    assert is_refused(check_template(src, kind=kind))


def test_content_rules_apply_to_email_but_not_message_templates():
    src = "Kontonummeret ditt er 8601.11.17947."
    assert "content.account_number" in rules(src, "email")
    assert check_template(src, kind="message") == []


INTERNALS = [
    "{{ ''.__class__.__mro__ }}", "{{ self.__init__.__globals__ }}", "{{ cycler.__init__ }}",
    "{{ lipsum.__globals__ }}", "{{ namespace.__init__ }}", "{{ joiner.__init__ }}",
    "{{ x.__class__.__base__.__subclasses__() }}", "{{ ()|attr('__class__') }}",
    "{{ config.items() }}", "{{ request.application }}", "{{ self._TemplateReference__context }}",
    "{% set c = cycler %}{{ c.__init__ }}", "{{ range.__self__ }}",
]


@pytest.mark.parametrize("src", INTERNALS)
@pytest.mark.parametrize("kind", TEMPLATE_KINDS)
def test_sandbox_refuses_internals(src, kind):
    findings = check_template(src, kind=kind)
    assert is_refused(findings)
    assert not any("object at 0x" in f.excerpt or "<class" in f.excerpt for f in findings)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(base=st.sampled_from(["''", "x", "self", "cycler", "lipsum", "namespace", "joiner", "()", "[]",
                             "message_url", "loop", "range"]),
       chain=st.lists(st.sampled_from(["__class__", "__mro__", "__init__", "__globals__", "__base__",
                                       "__subclasses__", "__dict__", "__builtins__", "_module",
                                       "__self__", "__func__", "gi_frame", "f_globals"]), min_size=1, max_size=4),
       style=st.sampled_from(["dot", "item", "attr"]),
       kind=st.sampled_from(TEMPLATE_KINDS))
def test_sandbox_never_executes_attribute_access_to_internals(base, chain, style, kind):
    expr = base
    for name in chain:
        expr = {"dot": f"{expr}.{name}", "item": f"{expr}['{name}']", "attr": f"({expr})|attr('{name}')"}[style]
    findings = check_template("{{ " + expr + " }}", kind=kind)
    assert is_refused(findings)
    assert not any("<class" in f.excerpt or "built-in" in f.excerpt or "0x" in f.excerpt for f in findings)


@pytest.mark.parametrize("src", [
    "{{ 'x' * 1000000000 }}", "{{ 10 ** 100000000 }}", "{{ '%999999999s' % 'x' }}",
    "{{ 'x'|center(1000000000) }}", "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}",
    "{% for a in 'x'*5000 %}{% for b in 'x'*5000 %}{% for c in 'xx' %}{% for d in 'xx' %}{% endfor %}{% endfor %}{% endfor %}{% endfor %}",
])
def test_resource_abuse_is_refused_quickly(src):
    assert is_refused(check_template(src, kind="message"))


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300), st.sampled_from(TEMPLATE_KINDS))
def test_never_raises_on_arbitrary_unicode(text, kind):
    assert isinstance(check_template(text, kind=kind), list)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(["{{", "}}", "{%", "%}", "{#", "#}", "if", "for", "x", "in", "endif",
                                 "endfor", "set", "=", "'", '"', "|", "~", "raw", "endraw", "(", ")",
                                 "passord", "oppgi", " ", "\n", "<a href=", ">", "</a>", ".", "_",
                                 "macro", "call", "block", "extends", "include", "-", "+", "*"]),
                max_size=40), st.sampled_from(TEMPLATE_KINDS))
def test_never_raises_on_arbitrary_template_text(parts, kind):
    findings = check_template("".join(parts), kind=kind)
    assert isinstance(findings, list)
    assert all(f.rule != "guard.internal" for f in findings)


def test_oversized_input_is_held_not_checked_forever():
    from gateway.guard import check_email, check_text
    big = "Hei. " * 250_001
    for findings in (check_text(big), check_email(big, None, portal_url="https://min.example.no"),
                     check_template(big, kind="message")):
        assert [f.rule for f in findings] == ["guard.too_large"] and is_refused(findings)


@pytest.mark.parametrize("src", ["<a " * 3000, '<a title="' * 3000, "<!--" * 3000, "&#" * 3000,
                                 "{{" * 3000, "{%" * 3000, "pass" * 5000])
def test_pathological_markup_is_handled(src):
    assert isinstance(check_template(src, kind="email"), list)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=400), st.one_of(st.none(), st.text(max_size=400)))
def test_text_and_email_checks_never_raise(text, html):
    from gateway.guard import check_email, check_text
    for findings in (check_text(text), check_email(text, html, portal_url="https://min.example.no")):
        assert isinstance(findings, list)
        assert all(f.rule != "guard.internal" for f in findings)
        assert all(f.line >= 1 and f.column >= 1 for f in findings)
