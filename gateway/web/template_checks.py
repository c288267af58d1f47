"""Start-up check: every template under templates/ passes the content guard, or nothing starts."""

from __future__ import annotations

from pathlib import Path

from gateway.guard import check_template, is_refused


class TemplateRefused(Exception):
    """One line: the template and its first finding."""


# Folders of templates that reach customers, and the guard's kind for each.
KINDS = {"email": "email", "messages": "message"}


def check_templates_dir(templates_dir: Path, public_url: str) -> None:
    for folder, kind in KINDS.items():
        for path in sorted((templates_dir / folder).glob("*.j2")):
            source = path.read_text(encoding="utf-8")
            findings = check_template(source, kind=kind, name=str(path), portal_url=public_url)
            if is_refused(findings):
                first = next(f for f in findings if f.severity == "error")
                raise TemplateRefused(
                    f"template {path} refused by the content guard: {first.rule} at line "
                    f"{first.line}, column {first.column}: {first.message}"
                )
