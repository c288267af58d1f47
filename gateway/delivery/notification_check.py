"""The content guard's re-check of every rendered notification, done once per distinct rendering.

A notification is a pure function of (language, category, sensitivity, date, the configured
portal URL and company name) and the message id. Everything but the id repeats across a billing
run, and the id is 22 characters the gateway draws at random from the URL-safe alphabet. So the
guard checks each distinct rendering once, with a placeholder of the same shape in place of the
id, and every real e-mail is then verified to be exactly that rendering with its own id put back.
When that does not hold (an id of another shape, a template whose output depends on the id in
some other way) the real e-mail is checked in full. The guard therefore judges every character
that is sent except the random id itself, at a fraction of the cost.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from datetime import datetime

from gateway.delivery.notification import NotificationRenderer, RenderedEmail
from gateway.guard import Finding, check_email

ID_SHAPE = re.compile(r"[A-Za-z0-9_-]{22}")
# Same length and alphabet as a real id; letters only, so it cannot look like a number or a word.
PLACEHOLDER = "Qx" * 11
_CACHE_SIZE = 512


class NotificationChecker:
    def __init__(self, renderer: NotificationRenderer, portal_url: str) -> None:
        self.renderer = renderer
        self.portal_url = portal_url
        self._checked: OrderedDict[tuple[object, ...], tuple[RenderedEmail, list[Finding]]] = OrderedDict()

    def render_and_check(self, *, language: str, message_id: str, category: str, sensitive: bool,
                         sent_at: datetime) -> tuple[RenderedEmail, Sequence[Finding]]:
        """The e-mail to send and the guard's findings for it."""
        rendered = self.renderer.render(language=language, message_id=message_id, category=category,
                                        sensitive=sensitive, sent_at=sent_at)
        if not ID_SHAPE.fullmatch(message_id):
            return rendered, self._check(rendered, language)
        key = (language, category, sensitive, sent_at.date(), sent_at.utcoffset())
        cached = self._checked.get(key)
        if cached is None:
            template = self.renderer.render(language=language, message_id=PLACEHOLDER, category=category,
                                            sensitive=sensitive, sent_at=sent_at)
            cached = (template, self._check(template, language))
            self._remember(key, cached)
        template, findings = cached
        if _with_id(template, message_id) != rendered:
            return rendered, self._check(rendered, language)
        return rendered, findings

    def _check(self, rendered: RenderedEmail, language: str) -> list[Finding]:
        return check_email(f"{rendered.subject}\n{rendered.text}", rendered.html,
                           portal_url=self.portal_url, name=f"notification.{language}")

    def _remember(self, key: tuple[object, ...], value: tuple[RenderedEmail, list[Finding]]) -> None:
        self._checked[key] = value
        if len(self._checked) > _CACHE_SIZE:
            self._checked.popitem(last=False)


def _with_id(template: RenderedEmail, message_id: str) -> RenderedEmail:
    return RenderedEmail(*(part.replace(PLACEHOLDER, message_id)
                           for part in (template.subject, template.text, template.html)))
