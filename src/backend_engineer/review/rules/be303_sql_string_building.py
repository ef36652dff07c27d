"""BE303: SQL built by string formatting or concatenation and handed to the database."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk

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


def _constant_names(scope: ast.AST) -> set[str]:
    """Names bound only to literals, or looping over literal tables: seed scripts format these safely."""
    literal: set[str] = set()
    other: set[str] = set()
    for node in walk(scope):
        if isinstance(node, ast.Assign):
            names = [t.id for t in node.targets if isinstance(t, ast.Name)]
            (literal if _literal(node.value, literal) else other).update(names)
        elif isinstance(node, ast.For):
            names = [n.id for n in walk(node.target) if isinstance(n, ast.Name)]
            (literal if _literal(node.iter, literal) else other).update(names)
        elif isinstance(node, ast.arg):
            other.add(node.arg)
    return literal - other


def _literal(node: ast.AST, known: set[str]) -> bool:
    return all(
        isinstance(n, ast.Constant | ast.List | ast.Tuple | ast.Set | ast.Dict | ast.Load | ast.expr_context)
        or (isinstance(n, ast.Name) and n.id in known)
        for n in walk(node)
    )


def _values_constant(node: ast.AST, constants: set[str]) -> bool:
    names = [n for n in walk(node) if isinstance(n, ast.Name)]
    calls = [n for n in walk(node) if isinstance(n, ast.Call) and call_name(n).split(".")[-1] != "format"]
    return not calls and all(n.id in constants for n in names)


def _scopes(tree: ast.Module) -> list[ast.AST]:
    return [tree, *(n for n in walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef))]


def check(ctx: FileContext) -> Iterator[Finding]:
    module_constants = _constant_names(ctx.tree)
    for scope in _scopes(ctx.tree):
        body = (
            [scope]
            if scope is not ctx.tree
            else [n for n in ctx.tree.body if not isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)]
        )
        assigned: dict[str, ast.AST] = {}
        dynamic_aug: set[str] = set()
        for part in body:
            for node in walk(part):
                if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                    assigned[node.targets[0].id] = node.value
                elif (
                    isinstance(node, ast.AugAssign)
                    and isinstance(node.target, ast.Name)
                    and not isinstance(node.value, ast.Constant)
                ):
                    dynamic_aug.add(node.target.id)
        constants = module_constants | (_constant_names(scope) if scope is not ctx.tree else set())
        for part in body:
            for node in walk(part):
                if not isinstance(node, ast.Call) or call_name(node).split(".")[-1] not in SINKS or not node.args:
                    continue
                if scope is ctx.tree and any(
                    node in walk(f) for f in walk(part) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)
                ):
                    continue
                arg: ast.AST = node.args[0]
                flow: list[tuple[int, str]] = []
                if isinstance(arg, ast.Name) and arg.id in assigned:
                    flow.append((getattr(assigned[arg.id], "lineno", node.lineno), f"`{arg.id}` built by formatting"))
                    dynamic = _is_dynamic(assigned[arg.id]) or arg.id in dynamic_aug
                    arg = assigned[arg.id]
                else:
                    dynamic = _is_dynamic(arg)
                if dynamic and _looks_like_sql(ctx, arg) and not _values_constant(arg, constants):
                    yield ctx.finding(
                        CODE,
                        SEVERITY,
                        TITLE,
                        node,
                        "use bound parameters (text('... :id'), {'id': value}) or "
                        "the query builder; never format values into SQL",
                        CATEGORY,
                        [*flow, (node.lineno, f"{call_name(node)}() runs the built SQL")],
                    )
