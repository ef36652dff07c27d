"""BE320: open redirect: the redirect target comes from the request."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.rules._routes import functions_flows, steps

CODE = "BE320"
SEVERITY = Severity.MAJOR
TITLE = "redirect to a URL taken from the request"
CATEGORY = "open-redirect"
SINKS = {"redirect", "RedirectResponse", "HttpResponseRedirect", "HTTPFound", "HTTPSeeOther", "HTTPTemporaryRedirect"}


def _fixed_prefix(node: ast.AST) -> bool:
    """A target that starts with a constant path ("/users/" + id) cannot leave the site."""
    first: ast.AST | None = None
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
    elif isinstance(node, ast.BinOp):
        first = node.left
    return (
        isinstance(first, ast.Constant)
        and isinstance(first.value, str)
        and first.value.startswith("/")
        and not first.value.startswith("//")
    )


def check(ctx: FileContext) -> Iterator[Finding]:
    for func, flow, _params in functions_flows(ctx):
        for node in walk(func):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = call_name(node).split(".")[-1]
            target = node.args[0]
            if name not in SINKS or _fixed_prefix(target) or "url_for" in ast.unparse(target):
                continue
            path = flow.path(target, set())
            if path is None:
                continue
            yield ctx.finding(
                CODE,
                SEVERITY,
                TITLE,
                node,
                "redirect only to relative paths or to hosts on an allow-list",
                CATEGORY,
                steps(path, node.lineno, f"{name}() to the request-supplied URL"),
            )
