"""BE319: path traversal: a file opened, sent or deleted at a path built from request data."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.rules._routes import functions_flows, steps

CODE = "BE319"
SEVERITY = Severity.BLOCKER
TITLE = "file path built from request data"
CATEGORY = "path-traversal"
SINKS = {"send_file", "open", "FileResponse", "static_file", "remove", "unlink", "rmtree", "read_text", "read_bytes"}
GUARD = re.compile(r"secure_filename|basename|is_relative_to|safe_join|commonpath|realpath\(.*startswith")


def check(ctx: FileContext) -> Iterator[Finding]:
    for func, flow, params in functions_flows(ctx):
        if GUARD.search(ast.unparse(func)):
            continue
        for node in walk(func):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = call_name(node)
            if name.split(".")[-1] not in SINKS or name.startswith(("webbrowser", "requests", "urllib")):
                continue
            path = flow.path(node.args[0], params)
            if path is None:
                continue
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {name}()",
                node,
                "resolve the path under a fixed base folder and reject it unless it stays inside "
                "(Path.resolve().is_relative_to), or use send_from_directory/secure_filename",
                CATEGORY,
                steps(path, node.lineno, f"{name}() on the request-built path"),
            )
