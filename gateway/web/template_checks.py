"""Start-up check: every template under templates/ passes the content guard, or nothing starts."""

from __future__ import annotations

import hashlib
from pathlib import Path

from gateway.guard import check_template, is_refused


class TemplateRefused(Exception):
    """One line: the template and its first finding."""


# Folders of templates that reach customers, and the guard's kind for each.
KINDS = {"email": "email", "messages": "message"}


# Templates this process has seen pass, by digest of (kind, path, portal URL, source): check_template
# is a pure function of these, so the same file is not checked twice. With several serve processes
# the supervisor checks every template before forking, and each copy, building its services, then
# finds them here (inherited) and skips the guard's work and the memory it churns, unless a file
# changed in between, which is then checked.
_passed: set[bytes] = set()


def check_templates_dir(templates_dir: Path, public_url: str) -> None:
    for folder, kind in KINDS.items():
        for path in sorted((templates_dir / folder).glob("*.j2")):
            source = path.read_text(encoding="utf-8")
            key = "\x00".join((kind, str(path), public_url, source))
            digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).digest()
            if digest in _passed:
                continue
            findings = check_template(source, kind=kind, name=str(path), portal_url=public_url)
            if is_refused(findings):
                first = next(f for f in findings if f.severity == "error")
                raise TemplateRefused(
                    f"template {path} refused by the content guard: {first.rule} at line "
                    f"{first.line}, column {first.column}: {first.message}"
                )
            _passed.add(digest)
