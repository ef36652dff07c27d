"""BE318: CORS that lets any origin make credentialed requests (wildcard or reflected origin with credentials)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name
from backend_engineer.review.rules._routes import kwarg

CODE = "BE318"
SEVERITY = Severity.MAJOR
TITLE = "CORS allows any origin with credentials"
CATEGORY = "cors"


def _true(node: ast.AST | None) -> bool:
    return isinstance(node, ast.Constant) and node.value is True


def _any_origin(node: ast.AST | None) -> bool:
    return node is None or bool(re.search(r"['\"](\*|\.\*)['\"]", ast.unparse(node)))


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node).split(".")[-1]
        if name == "CORS" and _true(kwarg(node, "supports_credentials")):
            origins = kwarg(node, "origins") or kwarg(node, "resources")
            if _any_origin(origins):
                yield ctx.finding(CODE, SEVERITY, TITLE, node, "list the trusted origins explicitly", CATEGORY)
        elif (
            name == "add_middleware"
            and node.args
            and "CORSMiddleware" in ast.unparse(node.args[0])
            and _true(kwarg(node, "allow_credentials"))
            and (_any_origin(kwarg(node, "allow_origins")) or kwarg(node, "allow_origin_regex") is not None)
        ):
            yield ctx.finding(CODE, SEVERITY, TITLE, node, "list the trusted origins explicitly", CATEGORY)
    for node in ctx.nodes:
        if (
            isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Subscript)
            and "Access-Control-Allow-Origin" in ast.unparse(node.targets[0])
            and re.search(r"headers.*Origin|\.origin", ast.unparse(node.value), re.I)
            and "Access-Control-Allow-Credentials" in ctx.source
        ):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: the request's Origin is reflected",
                node,
                "compare the Origin with an allow-list before echoing it",
                CATEGORY,
            )
