"""BE314: excessive data exposure: a route answers with password hashes, card numbers or other secret
fields, directly or through a helper that builds them (stack traces in responses are BE309's)."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.facts import SENSITIVE_KEY
from backend_engineer.review.rules._routes import file_routes

CODE = "BE314"
SEVERITY = Severity.BLOCKER
TITLE = "sensitive data in a response"
CATEGORY = "data-exposure"


def check(ctx: FileContext) -> Iterator[Finding]:
    producers = ctx.project.facts.sensitive_producers
    for route, _flow in file_routes(ctx):
        for node in walk(route.func):
            what = ""
            if isinstance(node, ast.Dict):
                keys = [
                    k.value
                    for k, v in zip(node.keys, node.values, strict=True)
                    if isinstance(k, ast.Constant)
                    and isinstance(k.value, str)
                    and SENSITIVE_KEY.match(k.value)
                    and not isinstance(v, ast.Constant)
                ]
                what = f"field {keys[0]!r}" if keys else ""
            elif isinstance(node, ast.Call):
                name = call_name(node)
                if name.split(".")[-1] in producers and name.split(".")[-1] != route.name:
                    what = f"{name}() builds secret fields"
            if what:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: {what} returned by {route.name}",
                    node,
                    "answer with an explicit response model that leaves out secrets; log stack traces, never "
                    "return them",
                    CATEGORY,
                    [(route.func.lineno, f"route {route.name}"), (getattr(node, "lineno", 0), what)],
                )
                break
