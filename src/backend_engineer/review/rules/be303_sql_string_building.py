"""BE303: SQL built by string formatting or concatenation and handed to the database."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name

CODE = "BE303"
SEVERITY = Severity.BLOCKER
TITLE = "SQL built from strings"
CATEGORY = "sql-injection"
SINKS = {"execute", "executemany", "executescript", "text", "raw", "exec_driver_sql", "extra", "RawSQL"}
SQL_WORDS = ("select ", "insert ", "update ", "delete ", " where ", "drop ", "alter ", "create ")


def _is_dynamic(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Mod):
        return True
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"


def _looks_like_sql(ctx: FileContext, node: ast.AST) -> bool:
    return any(word in ctx.segment(node).lower() for word in SQL_WORDS)


def check(ctx: FileContext) -> Iterator[Finding]:
    assigned: dict[str, ast.AST] = {}
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            assigned[node.targets[0].id] = node.value
    for node in ast.walk(ctx.tree):
        if not isinstance(node, ast.Call) or call_name(node).split(".")[-1] not in SINKS or not node.args:
            continue
        arg: ast.AST = node.args[0]
        if isinstance(arg, ast.Name) and arg.id in assigned:
            arg = assigned[arg.id]
        if _is_dynamic(arg) and _looks_like_sql(ctx, arg):
            yield ctx.finding(
                CODE,
                SEVERITY,
                TITLE,
                node,
                "use bound parameters (text('... :id'), {'id': value}) or "
                "the query builder; never format values into SQL",
                CATEGORY,
            )
