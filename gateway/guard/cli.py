"""`gateway templates check [--kind email|message] [--json] PATH…`

Exit status: 0 every template passes, 1 any template is refused, 2 usage error (missing path,
unreadable file, unknown kind), with one line on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .findings import is_refused
from .pipeline import DEFAULT_PORTAL, TEMPLATE_KINDS, check_template

SUFFIXES = (".j2", ".html", ".txt", ".jinja", ".jinja2", ".htm")


class UsageError(Exception):
    pass


def infer_kind(path: Path) -> str | None:
    parts = [p.lower() for p in path.resolve().parts]
    for part in reversed(parts[:-1]):
        if part in ("email", "emails", "e-mail", "mail", "notifications"):
            return "email"
        if part in ("messages", "message"):
            return "message"
    return None


def collect(paths: list[str]) -> list[Path]:
    files: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith(SUFFIXES))
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            raise UsageError(f"no such file or directory: {raw}")
    return files


def run_templates_check(paths: list[str], kind: str | None, as_json: bool, portal_url: str) -> int:
    if kind is not None and kind not in TEMPLATE_KINDS:
        print(f"gateway templates check: unknown kind {kind!r} (use email or message)", file=sys.stderr)
        return 2
    if not paths:
        print("gateway templates check: give at least one PATH", file=sys.stderr)
        return 2
    try:
        files = collect(paths)
        jobs = []
        for f in files:
            k = kind or infer_kind(f)
            if k is None:
                raise UsageError(f"cannot tell the kind of {f}; use --kind email|message")
            try:
                source = f.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise UsageError(f"cannot read {f}: {type(exc).__name__}") from exc
            jobs.append((f, k, source))
    except UsageError as exc:
        print(f"gateway templates check: {exc}", file=sys.stderr)
        return 2
    refused = False
    report = []
    for f, k, source in jobs:
        findings = check_template(source, kind=k, name=str(f), portal_url=portal_url)
        refused = refused or is_refused(findings)
        report.append({"path": str(f), "kind": k, "ok": not is_refused(findings),
                       "findings": [x.to_dict() for x in findings]})
        if not as_json:
            for x in findings:
                print(f"{f}:{x.line}:{x.column}: {x.rule}: {x.message} [{x.excerpt}]")
    if as_json:
        print(json.dumps({"ok": not refused, "templates": report}, ensure_ascii=False, indent=2))
    elif not refused:
        print(f"{len(jobs)} template(s) checked, all pass")
    return 1 if refused else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="gateway templates check", description=__doc__)
    ap.add_argument("--kind", default=None)
    ap.add_argument("--json", action="store_true", dest="as_json")
    ap.add_argument("--portal-url", default=os.environ.get("GATEWAY_PUBLIC_URL", DEFAULT_PORTAL))
    ap.add_argument("paths", nargs="*")
    try:
        args = ap.parse_args(argv)
    except SystemExit as exc:
        return 2 if exc.code else 0
    return run_templates_check(args.paths, args.kind, args.as_json, args.portal_url)


if __name__ == "__main__":
    raise SystemExit(main())
