"""BE305: mass assignment: Model(**body) from request data, or setattr loops over request fields."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk

CODE = "BE305"
SEVERITY = Severity.MAJOR
TITLE = "mass assignment from request data"
CATEGORY = "mass-assignment"
SOURCES = ("request", "body", "payload", "data", "json", "form", "dict()", "model_dump", "get_json", "params")


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if isinstance(node, ast.Call):
            name = call_name(node).split(".")[-1]
            if name[:1].isupper() and name not in {"dict", "Response", "JSONResponse", "HTTPException"}:
                for kw in node.keywords:
                    if kw.arg is None and any(s in ctx.segment(kw.value).lower() for s in SOURCES):
                        yield ctx.finding(
                            CODE,
                            SEVERITY,
                            f"{TITLE}: {name}(**{ctx.segment(kw.value)[:40]})",
                            node,
                            "copy only the allowed fields explicitly (an allowlist schema)",
                            CATEGORY,
                        )
        if isinstance(node, ast.For):
            for sub in walk(node):
                if (
                    isinstance(sub, ast.Call)
                    and call_name(sub) == "setattr"
                    and len(sub.args) == 3
                    and isinstance(sub.args[1], ast.Name)
                    and any(s in ctx.segment(node.iter).lower() for s in SOURCES)
                ):
                    yield ctx.finding(
                        CODE, SEVERITY, f"{TITLE}: setattr loop", sub, "set only allowlisted attributes", CATEGORY
                    )
