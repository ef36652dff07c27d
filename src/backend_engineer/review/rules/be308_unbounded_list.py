"""BE308: an unbounded .all() on a query, or a list endpoint without pagination parameters."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, routes, walk

CODE = "BE308"
SEVERITY = Severity.MAJOR
TITLE = "unbounded result set"
CATEGORY = "performance"
PAGING = ("limit", "cursor", "page", "offset", "per_page", "page_size", "paginate")


def check(ctx: FileContext) -> Iterator[Finding]:
    for func in ctx.functions():
        for node in walk(func):
            if not (isinstance(node, ast.Call) and call_name(node).endswith(".all") and not node.args):
                continue
            chain = ctx.segment(node)
            bounded = any(p in chain for p in PAGING) or ".limit(" in ctx.segment(func)
            queried = "query" in chain or "select" in chain or "objects" in chain or "execute" in chain
            if queried and not bounded:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: .all() without a limit",
                    node,
                    "bound the query (limit + cursor) and paginate the endpoint",
                    CATEGORY,
                )
    for route in routes(ctx):
        if route.methods != {"get"}:
            continue
        names = {a.arg for a in route.func.args.args + route.func.args.kwonlyargs}
        body = ctx.segment(route.func)
        returns_list = "list[" in ctx.segment(route.func.returns) if route.func.returns else False
        path = ctx.segment(route.decorator.args[0]) if route.decorator.args else ""
        if (returns_list or "response_model=list" in ctx.segment(route.decorator)) and not (
            names & set(PAGING) or any(p in body for p in PAGING)
        ):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"list endpoint without pagination: {route.func.name} {path}",
                route.func,
                "take limit and cursor parameters and return a page",
                CATEGORY,
            )
