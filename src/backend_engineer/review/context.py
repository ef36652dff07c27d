"""What a review rule sees: one parsed file, with helpers for routes, calls and suppressions."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from backend_engineer.findings import Finding, Severity

if TYPE_CHECKING:
    from backend_engineer.review.facts import Facts

MUTATING = {"post", "put", "patch", "delete"}
AUTH_HINT = re.compile(
    r"auth|user|principal|guard|permission|current|token|require|verify|login|jwt|session|scope", re.I
)


@dataclass
class Project:
    """Facts gathered across every file before the rules run."""

    tenant_models: set[str] = field(default_factory=set)
    facts: Facts = field(default_factory=lambda: _empty_facts())


def _empty_facts() -> Facts:
    from backend_engineer.review.facts import Facts

    return Facts()


@dataclass
class FileContext:
    path: Path
    rel: str
    source: str
    tree: ast.Module
    project: Project

    @cached_property
    def lines(self) -> list[str]:
        return self.source.splitlines()

    def finding(
        self,
        code: str,
        severity: Severity,
        title: str,
        node: ast.AST,
        recommendation: str,
        category: str,
        flow: Sequence[tuple[int, str]] = (),
    ) -> Finding:
        """A finding at ``node``; ``flow`` is its source-to-sink path as (line, note) steps."""
        line = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", line) or line
        evidence = self.lines[line - 1].strip()[:200] if 0 < line <= len(self.lines) else ""
        return Finding(
            code=code,
            severity=severity,
            title=title,
            path=self.rel,
            line=line,
            end_line=end,
            evidence=evidence,
            recommendation=recommendation,
            category=category,
            source="backend-engineer",
            extra=(("flow", json.dumps([[ln, note] for ln, note in flow])),) if flow else (),
        )

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` (from the cached lines; ast.get_source_segment re-splits the file)."""
        start, end = getattr(node, "lineno", None), getattr(node, "end_lineno", None)
        if start is None or end is None:
            return ""
        lines = self.lines[start - 1 : end]
        if not lines:
            return ""
        first, last = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        if len(lines) == 1:
            return lines[0].encode()[first:last].decode(errors="replace")
        head = lines[0].encode()[first:].decode(errors="replace")
        tail = lines[-1].encode()[:last].decode(errors="replace")
        return "\n".join([head, *lines[1:-1], tail])

    @cached_property
    def nodes(self) -> list[ast.AST]:
        return walk(self.tree)

    @cached_property
    def function_list(self) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
        return [n for n in self.nodes if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]

    def functions(self) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        yield from self.function_list


def walk(node: ast.AST) -> list[ast.AST]:
    """ast.walk, computed once per node and kept on it: every rule walks the same functions again."""
    cached: list[ast.AST] | None = node.__dict__.get("_be_walk")
    if cached is None:
        cached = list(ast.walk(node))
        node.__dict__["_be_walk"] = cached
    return cached


def call_name(node: ast.AST) -> str:
    """Dotted name of a call's function: ``app.post``, ``requests.get``, ``session.execute``."""
    func = node.func if isinstance(node, ast.Call) else node
    parts: list[str] = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    elif isinstance(func, ast.Call):
        parts.append(call_name(func) + "()")
    return ".".join(reversed(parts))


@dataclass(frozen=True)
class Route:
    func: ast.FunctionDef | ast.AsyncFunctionDef
    decorator: ast.Call
    methods: frozenset[str]
    owner: str
    framework: str


def routes(ctx: FileContext) -> Iterator[Route]:
    for func in ctx.functions():
        for dec in func.decorator_list:
            if not isinstance(dec, ast.Call):
                continue
            name = call_name(dec)
            owner, _, verb = name.rpartition(".")
            verb = verb.lower()
            if verb in MUTATING | {"get"} and owner:
                yield Route(func, dec, frozenset({verb}), owner, "fastapi-or-flask")
            elif verb in {"route", "api_route"} and owner:
                methods = {"get"}
                for kw in dec.keywords:
                    if kw.arg == "methods" and isinstance(kw.value, ast.List | ast.Tuple | ast.Set):
                        methods = {
                            e.value.lower()
                            for e in kw.value.elts
                            if isinstance(e, ast.Constant) and isinstance(e.value, str)
                        }
                yield Route(func, dec, frozenset(methods), owner, "flask" if verb == "route" else "fastapi")


def depends_calls(node: ast.AST) -> Iterator[ast.Call]:
    for sub in walk(node):
        if isinstance(sub, ast.Call) and call_name(sub).split(".")[-1] in {"Depends", "Security"}:
            yield sub


def is_auth_dependency(call: ast.Call) -> bool:
    target = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dependency"), None)
    text = call_name(target) if isinstance(target, ast.Call | ast.Attribute | ast.Name) else ""
    if isinstance(target, ast.Call):
        text += " " + " ".join(
            call_name(a) if isinstance(a, ast.Call | ast.Attribute | ast.Name) else "" for a in target.args
        )
    return bool(AUTH_HINT.search(DB_PROVIDER.sub("", text)))


DB_PROVIDER = re.compile(r"\b(get_db|get_session|get_db_session|db_session|get_conn|get_connection|SessionLocal)\b")
"""Dependencies that hand out a database session or connection: named like auth ('session'), but not auth."""
