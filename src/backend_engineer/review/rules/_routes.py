"""Helpers shared by the rules that work on the whole-program facts (routes, auth, taint)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.facts import FunctionFlow, RouteFact, Step

Func = ast.FunctionDef | ast.AsyncFunctionDef


def file_routes(ctx: FileContext) -> Iterator[tuple[RouteFact, FunctionFlow]]:
    facts = ctx.project.facts
    for route in facts.routes:
        if route.ctx is ctx:
            yield route, facts.flow(route.func, route.params)


def steps(path: list[Step] | None, sink_line: int, sink: str) -> list[tuple[int, str]]:
    return [(s.line, s.note) for s in (path or [])] + [(sink_line, sink)]


def calls(node: ast.AST) -> Iterator[tuple[ast.Call, str]]:
    for sub in walk(node):
        if isinstance(sub, ast.Call):
            yield sub, call_name(sub)


def kwarg(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def functions_flows(ctx: FileContext) -> Iterator[tuple[Func, FunctionFlow, set[str]]]:
    """Every function of the file with its taint facts; route parameters count as request data."""
    facts = ctx.project.facts
    for func in ctx.functions():
        route = facts.route_of(func)
        params = route.params if route else set()
        yield func, facts.flow(func, params), params
