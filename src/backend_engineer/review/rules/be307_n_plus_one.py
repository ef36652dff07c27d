"""BE307: N+1 queries: a query (or a lazy relationship) inside a loop over query results."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk

CODE = "BE307"
SEVERITY = Severity.MAJOR
TITLE = "query inside a loop over query results (N+1)"
CATEGORY = "performance"
RESULT_CALLS = {"all", "scalars", "fetchall", "filter", "filter_by", "objects", "select_related", "order_by"}
QUERY_CALLS = {"execute", "query", "get", "scalar", "scalars", "filter", "filter_by", "first", "one", "count"}


WRITES = (".update(", ".insert(", ".delete(", "update(", "insert(", "delete(", "UPDATE ", "INSERT ", "DELETE ")


def _is_query(node: ast.AST) -> bool:
    """A read: a query call whose statement is not an INSERT, UPDATE or DELETE."""
    if not isinstance(node, ast.Call):
        return False
    if node.args and any(w in ast.unparse(node.args[0]) for w in WRITES):
        return False
    parts = call_name(node).split(".")
    return parts[-1] in QUERY_CALLS and any(
        p in {"session", "db", "objects", "conn", "connection", "query"} for p in parts[:-1]
    )


def check(ctx: FileContext) -> Iterator[Finding]:
    for func in ctx.functions():
        results: set[str] = set()
        for node in walk(func):
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and call_name(node.value).split(".")[-1] in RESULT_CALLS
            ):
                results |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        for node in walk(func):
            if not isinstance(node, ast.For):
                continue
            over_results = (isinstance(node.iter, ast.Name) and node.iter.id in results) or (
                isinstance(node.iter, ast.Call) and call_name(node.iter).split(".")[-1] in RESULT_CALLS
            )
            if not over_results:
                continue
            for sub in walk(ast.Module(body=node.body, type_ignores=[])):
                if _is_query(sub):
                    yield ctx.finding(
                        CODE,
                        SEVERITY,
                        f"{TITLE} in {func.name}",
                        sub,
                        "load related rows in one query (join, selectinload, IN (...))",
                        CATEGORY,
                    )
                    break
