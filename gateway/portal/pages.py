"""The portal's page templates: one Jinja environment per language, the fixed texts compiled in.

A message page shows some thirty fixed texts (`{{ tr.inbox }}`); looked up and escaped on every
view, they were a third of the time spent rendering it. `TranslatedLoader` puts each language's
text, HTML-escaped exactly as autoescaping would escape it, into the template source when the
template is first loaded, and Jinja then emits it with the surrounding markup as one constant.
Only the exact form `{{ tr.name }}` is replaced; anything else (`tr.a if x else tr.b`,
`t('key', n=...)`) is still looked up at view time from the `tr` and `t` in the context. The
templates never switch autoescaping off, so the page is byte-for-byte what the plain environment
renders (tests/portal/test_pages.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import aiohttp_jinja2
import jinja2
import markupsafe
from aiohttp import web

from gateway.portal import i18n

OSLO = ZoneInfo("Europe/Oslo")
FIXED_TEXT = re.compile(r"\{\{\s*tr\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_APP_KEYS = {lang: web.AppKey(f"portal_jinja_{lang}", jinja2.Environment) for lang in i18n.LANGUAGES}


def local_time(value: datetime | None, with_time: bool = True) -> str:
    """A timestamp as a Norwegian customer reads it: Oslo time, dd.mm.yyyy (and HH:MM)."""
    if value is None:
        return ""
    return value.astimezone(OSLO).strftime("%d.%m.%Y %H:%M" if with_time else "%d.%m.%Y")


def local_date(value: datetime | None) -> str:
    return local_time(value, with_time=False)


def iso(value: datetime | None) -> str:
    """For `<time datetime>` and the export: ISO 8601 in UTC with a Z."""
    return "" if value is None else value.isoformat().replace("+00:00", "Z")


class TranslatedLoader(jinja2.FileSystemLoader):
    """A FileSystemLoader that compiles one language's fixed texts into the source."""

    def __init__(self, searchpath: str | Path, texts: object) -> None:
        super().__init__(str(searchpath))
        self.texts = texts  # i18n.texts(lang): the texts as attributes

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return FIXED_TEXT.sub(self._fixed, source), filename, uptodate

    def _fixed(self, match: re.Match[str]) -> str:
        text = getattr(self.texts, match.group(1), None)
        if not isinstance(text, str) or "{%" in text:
            return match.group(0)  # left to the view: an unknown name fails there (StrictUndefined)
        return "{% raw %}" + str(markupsafe.escape(text)) + "{% endraw %}"


def environment_options() -> dict[str, object]:
    """The options every portal environment shares (also the plain one the tests compare with)."""
    return {
        "autoescape": jinja2.select_autoescape(default=True, default_for_string=True),
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "auto_reload": False,  # templates are read once; no stat() per page
        "cache_size": -1,  # a plain dict: the few templates stay, and a look-up (every `extends`) takes no lock
    }


FILTERS = {"iso": iso, "local_time": local_time, "local_date": local_date}


#: Fragments that depend on the language alone: rendered once per language when the environment is
#: made, and then a global of it (`{{ language_buttons }}`), already escaped.
FRAGMENTS = {"language_buttons": "_language_buttons.html"}


def setup(app: web.Application, templates_dir: Path) -> dict[str, jinja2.Environment]:
    """One aiohttp_jinja2 environment per language on `app`, keyed by language code."""
    envs = {}
    for lang, key in _APP_KEYS.items():
        envs[lang] = aiohttp_jinja2.setup(app, app_key=key, loader=TranslatedLoader(templates_dir, i18n.texts(lang)),
                                          default_helpers=False, **environment_options())  # type: ignore[arg-type]
        configure(envs[lang], lang)
    return envs


def configure(env: jinja2.Environment, lang: str) -> None:
    """The filters, no default globals, and the language's fragments."""
    env.filters.update(FILTERS)
    # Jinja copies every global (range, dict, lipsum, ...) into each page's context, through a
    # ChainMap, on every render; the portal's templates use none of them.
    env.globals.clear()
    for name, template in FRAGMENTS.items():
        html = env.get_template(template).render(lang=lang, languages=i18n.LANGUAGE_NAMES, tr=i18n.texts(lang))
        env.globals[name] = markupsafe.Markup(html.strip())
