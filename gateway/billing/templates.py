"""Message-body templates (templates/messages/NAME.LANG.j2) rendered with billing's `data`.

A template defines two blocks, `subject` and `body`. Rendering happens in Jinja's immutable
sandbox with StrictUndefined, so a missing value is an error instead of an empty hole in a
customer's letter, and template data can never reach Python internals. Only text and numbers
are printed: null, true/false, an object or a list in `{{ }}` is refused rather than written into
the letter as Python shows it ("None kr", "{'a': 1}").
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, Template, TemplateNotFound, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

NAME_RE = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")  # matched whole (fullmatch)


class TemplateProblem(Exception):
    """Rendering failed; the message says why without echoing template data."""


def _printable(value: Any) -> Any:
    """Jinja's finalize: what a `{{ }}` prints must be text or a number."""
    if value is None or isinstance(value, (bool, dict, list, tuple)):
        raise TemplateProblem("the template data gives a value that is not text or a number "
                              "(null, true/false, an object or a list)")
    return value


class MessageTemplates:
    def __init__(self, templates_dir: Path) -> None:
        self.root = templates_dir / "messages"
        self.env = ImmutableSandboxedEnvironment(
            loader=FileSystemLoader(str(self.root)),
            undefined=StrictUndefined,
            autoescape=False,
            keep_trailing_newline=False,
            finalize=_printable,
        )
        # Approved stored versions (the console's template editing) by (name, language), used instead
        # of the file; replaced whole by use_versions, so a render sees one consistent set.
        self._stored: dict[tuple[str, str], Template] = {}

    def names(self) -> list[str]:
        return sorted({p.name.split(".")[0] for p in self.root.glob("*.j2")} | {name for name, _ in self._stored})

    def use_versions(self, sources: dict[tuple[str, str], str]) -> None:
        """Make these approved sources live (unchanged ones keep their compiled template)."""
        current = {key: template for key, template in self._stored.items()
                   if sources.get(key) == getattr(template, "source_text", None)}
        for key, source in sources.items():
            if key not in current:
                template = self.env.from_string(source)
                template.source_text = source  # type: ignore[attr-defined]
                current[key] = template
        self._stored = current

    def file_source(self, name: str, language: str) -> str | None:
        """The reviewed default in templates/messages/, if there is one."""
        if not NAME_RE.match(name):
            return None
        path = self.root / f"{name}.{language}.j2"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    def render(self, name: str, language: str, data: dict[str, Any]) -> tuple[str, str]:
        return self.render_template(self.template(name, language), data)

    def template(self, name: str, language: str) -> Template:
        """The template `render` uses for (name, language): an approved stored version, else the
        file (Jinja checks the file for changes at each call). A caller rendering many messages
        (a batch) looks it up once for all of them."""
        if not NAME_RE.fullmatch(name):
            raise TemplateProblem("unknown template")
        try:
            template = self._stored.get((name, language)) or self.env.get_template(f"{name}.{language}.j2")
        except TemplateNotFound:
            raise TemplateProblem("unknown template (or no version in the customer's language)") from None
        except TemplateSyntaxError:
            raise TemplateProblem("the template has a syntax error") from None
        if "subject" not in template.blocks or "body" not in template.blocks:
            raise TemplateProblem("the template must define the blocks 'subject' and 'body'")
        return template

    @staticmethod
    def render_template(template: Template, data: dict[str, Any]) -> tuple[str, str]:
        """Subject and body of a template from `template` with this data."""
        try:
            context = template.new_context(data)  # copies data into the context's own dict
            subject = "".join(template.blocks["subject"](context)).strip()
            body = "".join(template.blocks["body"](context)).strip()
        except UndefinedError as exc:
            # Jinja's message names the missing variable, which comes from the template, not data.
            raise TemplateProblem(f"missing template data: {exc.message}") from None
        except TemplateProblem:
            raise
        except SecurityError:
            raise TemplateProblem("the template data tried an unsafe operation") from None
        except Exception:  # noqa: BLE001 - any other render failure is bad input, not a crash
            raise TemplateProblem("the template could not be rendered with this data") from None
        if not subject or not body:
            raise TemplateProblem("the template rendered an empty subject or body")
        return subject, body
