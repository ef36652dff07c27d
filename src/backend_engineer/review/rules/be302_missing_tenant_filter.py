"""BE302: a query on a tenant-scoped model without a tenant filter."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk

CODE = "BE302"
SEVERITY = Severity.BLOCKER
TITLE = "query on a tenant-scoped model without a tenant filter"
CATEGORY = "tenant-isolation"
QUERY_CALLS = {"select", "query", "get", "filter", "filter_by", "all", "first", "scalars", "execute"}


def _queried_model(ctx: FileContext, node: ast.Call) -> str | None:
    name = call_name(node)
    last = name.split(".")[-1]
    if last in {"select", "query"} and node.args:
        arg = node.args[0]
        while isinstance(arg, ast.Attribute):
            arg = arg.value
        target = arg.id if isinstance(arg, ast.Name) else None
        return target if target in ctx.project.tenant_models else None
    parts = name.split(".")
    if len(parts) >= 3 and parts[-2] == "objects" and parts[-3] in ctx.project.tenant_models:
        return parts[-3]
    return None


def _innermost_statement(func: ast.AST, call: ast.Call) -> ast.stmt | None:
    best: ast.stmt | None = None
    for node in walk(func):
        if (
            isinstance(node, ast.stmt)
            and node is not func
            and any(sub is call for sub in walk(node))
            and (best is None or (node.end_lineno or 0) - node.lineno <= (best.end_lineno or 0) - best.lineno)
        ):
            best = node
    return best


def check(ctx: FileContext) -> Iterator[Finding]:
    if not ctx.project.tenant_models:
        return
    for func in ctx.functions():
        tenant_param = any("tenant" in a.arg for a in func.args.args + func.args.kwonlyargs)
        for node in walk(func):
            if not isinstance(node, ast.Call):
                continue
            model = _queried_model(ctx, node)
            if model is None:
                continue
            statement = _innermost_statement(func, node)
            code = ast.unparse(statement) if statement is not None else ""
            if "tenant" in code or tenant_param:
                continue
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {model} in {func.name}",
                node,
                f"filter {model} by the caller's tenant (where({model}.tenant_id == tenant_id)) in the query itself",
                CATEGORY,
            )
