"""Jinja side of the guard: parse, static checks, literal text, and sandboxed rendering.

Templates are rendered in an ``ImmutableSandboxedEnvironment`` with no globals, so string
building ("pass" ~ "word", {% set %}, |join, |reverse, comments and {% raw %} splitting a word)
is seen as the reader sees it.  The sandbox also caps string repetition, powers, filter
arguments and the number of calls, so a hostile template cannot hang or exhaust the checker.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError, TemplateSyntaxError
from jinja2.runtime import ChainableUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

EMAIL_VARIABLES = frozenset({"message_url", "portal_url", "category", "company_name", "sent_date"})
# Filters that only reshape the text a template already holds.
SAFE_FILTERS = frozenset({
    "upper", "lower", "title", "capitalize", "trim", "striptags", "escape", "e", "safe",
    "replace", "truncate", "wordwrap", "center", "indent", "default", "d", "join", "reverse",
    "length", "count", "format", "int", "float", "round", "abs", "first", "last", "wordcount",
    "forceescape", "string", "list",
})
# Globals and names that reach template or Python internals.
INTERNAL_NAMES = frozenset({"self", "cycler", "joiner", "lipsum", "namespace", "range", "dict",
                            "config", "request", "session", "g", "url_for", "get_flashed_messages",
                            "super", "varargs", "kwargs", "caller", "environment", "context"})
MAX_SEQ = 20_000
MAX_CALLS = 5_000
# CPU seconds of the checking thread, not wall time: on a loaded machine a wall-clock budget
# refused shipped templates (and so stopped the service from starting) at random.
MAX_SECONDS = 0.5
MAX_LOOP_DEPTH = 3


class _Budget(threading.local):
    deadline = 0.0
    calls = 0


_budget = _Budget()


def _tick() -> None:
    _budget.calls += 1
    if _budget.calls > MAX_CALLS or time.thread_time() > _budget.deadline:
        raise SecurityError("template exceeds the checking budget")


def _check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, bytes)) and len(value) > MAX_SEQ * 10:
        raise SecurityError("value too large")
    return value


class GuardSandbox(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+", "//"})

    def call_binop(self, context, operator, left, right):  # type: ignore[override]
        _tick()
        if operator == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int) and len(seq) * max(n, 0) > MAX_SEQ:
                    raise SecurityError("repetition too large")
        if operator == "**" and isinstance(right, (int, float)) and (abs(right) > 64 or
                                                                     (isinstance(left, (int, float)) and abs(left) > 2**64)):
            raise SecurityError("power too large")
        if operator == "%" and isinstance(left, str) and re.search(r"%[-+ #0]*(?:\d{4,}|\*)", left):
            raise SecurityError("format width too large")
        return _check_size(super().call_binop(context, operator, left, right))

    def call(self, __context, __obj, *args, **kwargs):  # type: ignore[override]
        _tick()
        return _check_size(super().call(__context, __obj, *args, **kwargs))

    def getattr(self, obj, attribute):  # type: ignore[override]
        _tick()
        return super().getattr(obj, attribute)

    def getitem(self, obj, argument):  # type: ignore[override]
        _tick()
        return super().getitem(obj, argument)

    def format_string(self, s, args, kwargs, format_func=None):  # type: ignore[override]
        if re.search(r"\{[^}]*:[^}]*\d{4,}", str(s)):
            raise SecurityError("format width too large")
        return super().format_string(s, args, kwargs, format_func)


def _capped(fn):
    def wrapper(*args, **kwargs):
        _tick()
        for v in list(args[1:]) + list(kwargs.values()):
            if isinstance(v, int) and not isinstance(v, bool) and abs(v) > 1000:
                raise SecurityError("filter argument too large")
            if isinstance(v, str) and re.search(r"%[-+ #0]*\d{4,}", v):
                raise SecurityError("format width too large")
        return _check_size(fn(*args, **kwargs))
    for attr in ("jinja_pass_arg",):
        if hasattr(fn, attr):
            setattr(wrapper, attr, getattr(fn, attr))
    return wrapper


def _make_env() -> GuardSandbox:
    env = GuardSandbox(autoescape=False, keep_trailing_newline=True)
    env.globals.clear()
    env.filters = {k: _capped(v) for k, v in env.filters.items()}
    env.tests = dict(env.tests)
    return env


ENV = _make_env()


def _same(self, *args: Any, **kwargs: Any) -> Any:
    return self


class _ProbeUndefined(ChainableUndefined):
    """Unknown message data that behaves like an empty value in arithmetic and formatting,
    so templates such as {{ "%.2f"|format(amount) }} render without their real data."""

    __slots__ = ()
    __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = _same
    __truediv__ = __rtruediv__ = __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _same
    __pow__ = __rpow__ = __neg__ = __pos__ = __call__ = _same

    def __str__(self) -> str:
        return ""

    def __int__(self) -> int:  # type: ignore[override]  # a value, not an error
        return 0

    def __float__(self) -> float:  # type: ignore[override]  # a value, not an error
        return 0.0

    def __index__(self) -> int:
        return 0

    def __format__(self, spec: str) -> str:
        return ""

    def __lt__(self, other: Any) -> bool:  # type: ignore[override]  # a value, not an error
        return False

    __le__ = __gt__ = __ge__ = __lt__  # type: ignore[assignment]


class FalsyUndefined(_ProbeUndefined):
    """Unknown message data: renders empty, is false, iterates as empty."""

    __slots__ = ()


class TruthyUndefined(_ProbeUndefined):
    """Unknown message data that takes every {% if %} branch and loops once."""

    __slots__ = ()

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Iterator[Any]:
        yield TruthyUndefined(name=self._undefined_name)

    def __len__(self) -> int:
        return 1


@dataclass
class StaticIssue:
    rule: str
    lineno: int
    token: str  # text to locate the column


@dataclass
class Parsed:
    ast: nodes.Template | None
    syntax_error: tuple[int, str] | None = None
    issues: list[StaticIssue] = field(default_factory=list)
    renderable: bool = True


def parse(source: str, name: str) -> Parsed:
    try:
        ast = ENV.parse(source, name=name)
    except TemplateSyntaxError as exc:
        return Parsed(None, (exc.lineno or 1, exc.message or "syntax error"), renderable=False)
    except Exception as exc:
        return Parsed(None, (1, type(exc).__name__), renderable=False)
    return Parsed(ast)


def _declared_names(ast: nodes.Template) -> set[str]:
    names: set[str] = set()
    for n in ast.find_all((nodes.Name,)):
        if n.ctx in ("store", "param"):
            names.add(n.name)
    for m in ast.find_all((nodes.Macro,)):
        names.add(m.name)
    return names


def static_checks(parsed: Parsed, kind: str) -> None:
    ast = parsed.ast
    assert ast is not None
    issues = parsed.issues
    declared = _declared_names(ast)
    macros = {m.name for m in ast.find_all((nodes.Macro,))}
    for n in ast.find_all((nodes.Name,)):
        if n.ctx != "load":
            continue
        if n.name in INTERNAL_NAMES or n.name.startswith("_"):
            if n.name not in declared:
                issues.append(StaticIssue("template.unsafe", n.lineno, n.name))
        elif kind == "email" and n.name not in EMAIL_VARIABLES and n.name not in declared \
                and n.name != "loop":
            issues.append(StaticIssue("template.variable", n.lineno, n.name))
    for g in ast.find_all((nodes.Getattr, nodes.Getitem)):
        if isinstance(g, nodes.Getattr):
            attr = g.attr
        else:
            assert isinstance(g, nodes.Getitem)
            attr = g.arg.value if isinstance(g.arg, nodes.Const) else ""
        if isinstance(attr, str) and (attr.startswith("_") or attr in ("mro", "func_globals",
                                                                      "gi_frame", "f_globals")):
            issues.append(StaticIssue("template.unsafe", g.lineno, attr))
        elif kind == "email" and not _is_loop_attr(g):
            issues.append(StaticIssue("template.attribute", g.lineno, str(attr) or "["))
    for call in ast.find_all((nodes.Call,)):
        callee = call.node
        if isinstance(callee, nodes.Name) and callee.name in macros:
            continue
        if isinstance(callee, nodes.Getattr) and isinstance(callee.node, nodes.Name) and callee.node.name == "loop":
            continue
        if kind == "email" or isinstance(callee, nodes.Getattr):
            token = callee.attr if isinstance(callee, nodes.Getattr) else getattr(callee, "name", "(")
            issues.append(StaticIssue("template.method", call.lineno, token))
    for filt in ast.find_all((nodes.Filter,)):
        if filt.name not in SAFE_FILTERS and (kind == "email" or filt.name in ("attr", "pprint", "xmlattr", "tojson")):
            issues.append(StaticIssue("template.filter", filt.lineno, filt.name))
    for inc in ast.find_all((nodes.Include, nodes.Import, nodes.FromImport, nodes.Extends)):
        issues.append(StaticIssue("template.include", inc.lineno, type(inc).__name__.lower()))
    if _loop_depth(ast) > MAX_LOOP_DEPTH or _recursive_macro(ast):
        issues.append(StaticIssue("template.complexity", 1, "for"))
        parsed.renderable = False
    if any(i.rule in ("template.unsafe", "template.include") for i in issues):
        parsed.renderable = False


def _is_loop_attr(n: nodes.Node) -> bool:
    return isinstance(n, nodes.Getattr) and isinstance(n.node, nodes.Name) and n.node.name == "loop"


def _loop_depth(node: nodes.Node, depth: int = 0) -> int:
    here = depth + (1 if isinstance(node, nodes.For) else 0)
    return max([here] + [_loop_depth(c, here) for c in node.iter_child_nodes()])


def _recursive_macro(ast: nodes.Template) -> bool:
    for m in ast.find_all((nodes.Macro,)):
        for c in m.find_all((nodes.Call,)):
            if isinstance(c.node, nodes.Name) and c.node.name == m.name:
                return True
    return False


# --- literal text ------------------------------------------------------------------------------
def literal_pieces(ast: nodes.Template) -> list[tuple[str, int]]:
    """Every piece of literal text in source order with its line: template data, and string
    constants that are output or assigned, from every branch whether taken or not."""
    out: list[tuple[str, int]] = []

    def expr(e: nodes.Node) -> None:
        if isinstance(e, nodes.Const) and isinstance(e.value, str):
            out.append((e.value, e.lineno))
        elif isinstance(e, (nodes.Concat,)):
            for c in e.nodes:
                expr(c)
        elif isinstance(e, (nodes.Add,)):
            expr(e.left)
            expr(e.right)
        elif isinstance(e, nodes.CondExpr):
            expr(e.expr1)
            if e.expr2 is not None:
                expr(e.expr2)
        elif isinstance(e, nodes.Filter) and e.node is not None:
            expr(e.node)
        elif isinstance(e, (nodes.List, nodes.Tuple)):
            for c in e.items:
                expr(c)

    def walk(n: nodes.Node) -> None:
        if isinstance(n, nodes.TemplateData):
            out.append((n.data, n.lineno))
            return
        if isinstance(n, nodes.Output):
            for c in n.nodes:
                if isinstance(c, nodes.TemplateData):
                    out.append((c.data, c.lineno))
                else:
                    expr(c)
            return
        if isinstance(n, nodes.Assign):
            expr(n.node)
            return
        for child in n.iter_child_nodes():
            walk(child)

    walk(ast)
    return out


# --- rendering ---------------------------------------------------------------------------------
def compile_template(ast: nodes.Template) -> Any:
    return ENV.compile(ast, filename="<guard>")


def render(code: Any, context: dict[str, Any], undefined: type) -> str:
    """Render compiled template code in the sandbox; raises on any failure (caller reports)."""
    env = _ENVS[undefined]  # type: ignore[index]  # one of the two probes
    tmpl = env.template_class.from_code(env, code, {})
    _budget.calls = 0
    _budget.deadline = time.thread_time() + MAX_SECONDS
    parts = []
    size = 0
    for chunk in tmpl.generate(**context):
        size += len(chunk)
        if size > 500_000:
            raise SecurityError("output too large")
        parts.append(chunk)
        if time.thread_time() > _budget.deadline:
            raise SecurityError("template exceeds the checking budget")
    return "".join(parts)


def _overlay(undefined: type) -> GuardSandbox:
    env = ENV.overlay(undefined=undefined)
    env.filters = ENV.filters
    env.globals = {}
    return env


_ENVS = {FalsyUndefined: _overlay(FalsyUndefined), TruthyUndefined: _overlay(TruthyUndefined)}
