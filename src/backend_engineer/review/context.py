"""What a review rule sees: one parsed file, with helpers for routes, calls and suppressions."""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
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

    @property
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
        return ast.get_source_segment(self.source, node) or ""

    def functions(self) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
        for node in ast.walk(self.tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield node


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
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call) and call_name(sub).split(".")[-1] in {"Depends", "Security"}:
            yield sub


def is_auth_dependency(call: ast.Call) -> bool:
    target = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "dependency"), None)
    text = call_name(target) if isinstance(target, ast.Call | ast.Attribute | ast.Name) else ""
    if isinstance(target, ast.Call):
        text += " " + " ".join(
            call_name(a) if isinstance(a, ast.Call | ast.Attribute | ast.Name) else "" for a in target.args
        )
    return bool(AUTH_HINT.search(text))
