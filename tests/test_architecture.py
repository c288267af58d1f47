"""The layout of docs/architecture.md holds: every import between rooms goes the recorded way, the
rooms' graph has no cycle, no module-level import cycle exists, and the guard is entered only
through its public face. Imports are read with ast, so nothing is imported to check them."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "gateway"

# The rooms a room may import (besides itself). "base" is the flat modules directly under gateway/
# (errors, ids, settings, logs, metrics, validate, ...), which every room may use. Keep this table
# and the picture in docs/architecture.md the same.
ALLOWED: dict[str, set[str]] = {
    "base": set(),
    "identifiers": {"base"},
    "guard": {"base", "identifiers"},
    "crypto": {"base"},
    "storage": {"base"},
    "audit": {"base", "storage"},
    "customers": {"base", "identifiers", "crypto", "storage", "audit"},
    "rest": {"base", "storage", "audit"},
    "callbacks": {"base", "crypto", "storage", "audit"},
    "delivery": {"base", "guard", "crypto", "storage", "audit", "customers", "callbacks"},
    "inbound": {"base", "crypto", "storage", "audit", "customers", "delivery", "callbacks"},
    "billing": {"base", "identifiers", "guard", "crypto", "storage", "audit", "customers", "delivery", "rest",
                "callbacks"},
    "webkit": {"base", "storage"},
    "privacy": {"base", "crypto", "storage", "audit", "customers", "rest"},
    "portal": {"base", "crypto", "storage", "audit", "customers", "webkit", "callbacks", "privacy"},
    "console": {"base", "identifiers", "guard", "crypto", "storage", "audit", "customers", "delivery", "billing",
                "webkit", "callbacks", "inbound", "privacy"},
    "web": {"base", "identifiers", "guard", "crypto", "storage", "audit", "customers", "rest", "delivery", "billing",
            "webkit", "portal", "console", "callbacks", "inbound", "privacy"},
    "cli": {"base", "identifiers", "guard", "crypto", "storage", "audit", "customers", "rest", "delivery", "billing",
            "webkit", "portal", "console", "web", "callbacks", "inbound", "privacy"},
}
# Entered from outside only through these modules (the rest is the room's own business).
PUBLIC_FACE = {"guard": {"gateway.guard", "gateway.guard.cli"}}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room_of(module: str) -> str:
    parts = module.split(".")
    if module == "gateway.__main__":
        return "cli"
    if len(parts) >= 2 and (PACKAGE / parts[1]).is_dir():
        return parts[1]
    return "base"


@cache
def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "migrations" not in p.parts}


def imports(path: Path, *, top_level_only: bool = False) -> Iterator[tuple[str, int]]:
    """(imported gateway module, line) for every import in the file; `top_level_only` skips those
    inside functions (run later, so they cannot make an import-time cycle)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    nodes = ast.iter_child_nodes(tree) if top_level_only else ast.walk(tree)
    for node in _flatten(nodes) if top_level_only else nodes:
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("gateway"):
                    yield alias.name, node.lineno
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0 \
                and node.module.startswith("gateway"):
            known = modules()
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                yield (sub if sub in known else node.module), node.lineno


def _flatten(nodes: Iterator[ast.AST]) -> Iterator[ast.AST]:
    """Module-level statements, looking into if/try blocks but not into functions or classes
    (and not into `if TYPE_CHECKING:`, which never runs)."""
    for node in nodes:
        if isinstance(node, ast.If):
            if "TYPE_CHECKING" in ast.unparse(node.test):
                continue
            yield from _flatten(iter(node.body + node.orelse))
        elif isinstance(node, ast.Try):
            yield from _flatten(iter(node.body + node.orelse + node.finalbody))
        else:
            yield node


def test_every_room_is_in_the_table() -> None:
    rooms = {room_of(name) for name in modules()}
    assert rooms <= set(ALLOWED), f"rooms missing from the table: {sorted(rooms - set(ALLOWED))}"


def test_the_table_has_no_cycle() -> None:
    def visit(room: str, path: tuple[str, ...]) -> None:
        assert room not in path, "cycle in the table: " + " -> ".join((*path, room))
        for nxt in ALLOWED[room]:
            visit(nxt, (*path, room))

    for room in ALLOWED:
        visit(room, ())


def test_imports_follow_the_recorded_direction() -> None:
    wrong = []
    for name, path in sorted(modules().items()):
        here = room_of(name)
        for target, line in imports(path):
            there = room_of(target)
            if there == here:
                continue
            if there not in ALLOWED[here]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {here} -> {there} ({target})")
            elif there in PUBLIC_FACE and target not in PUBLIC_FACE[there]:
                wrong.append(f"{path.relative_to(PACKAGE.parent)}:{line}: {target} is inside {there}; "
                             f"import it from {sorted(PUBLIC_FACE[there])[0]}")
    assert not wrong, "imports against docs/architecture.md:\n" + "\n".join(wrong)


def test_no_module_level_import_cycle() -> None:
    known = modules()
    graph = {name: {t for t, _ in imports(path, top_level_only=True) if t in known and t != name}
             for name, path in known.items()}
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> None:
        if name in path:
            pytest.fail("import cycle: " + " -> ".join([*path[path.index(name):], name]))
        if name in done:
            return
        for nxt in sorted(graph[name]):
            visit(nxt, [*path, name])
        done.add(name)

    for name in sorted(known):
        visit(name, [])


def test_the_document_shows_the_same_table() -> None:
    doc = (PACKAGE.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    for room, allowed in ALLOWED.items():
        row = next((line for line in doc.splitlines() if line.startswith(f"| `{room}` |")), None)
        assert row is not None, f"docs/architecture.md has no row for {room}"
        listed = {w.strip("` ") for w in row.split("|")[3].split(",") if w.strip("` ")}
        assert listed == allowed or (not allowed and listed == {"nothing"}), \
            f"docs/architecture.md: {room} may import {sorted(allowed)}, the doc says {sorted(listed)}"


def test_the_command_loads_no_metrics_before_serve_sets_them_up() -> None:
    """`gateway serve` with several processes switches prometheus_client to multiprocess mode and
    refuses to start if it was imported already: importing the CLI must not load it (a package's
    public face that imports too much broke this once)."""
    import subprocess
    import sys

    probe = "import sys, gateway.cli, gateway.portal; print('prometheus_client' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=PACKAGE.parent)
    assert out.stdout.strip() == "False"
