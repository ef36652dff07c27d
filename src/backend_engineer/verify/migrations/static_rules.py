"""Dangerous operations found by reading each revision's source (BE202-BE208)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from backend_engineer.findings import Finding, Severity


def _calls(func: ast.FunctionDef) -> Iterator[ast.Call]:
    for node in ast.walk(func):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id in {"op", "batch_op"}
        ):
            yield node


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _str_arg(call: ast.Call, index: int = 0) -> str:
    arg = call.args[index] if len(call.args) > index else None
    return arg.value if isinstance(arg, ast.Constant) and isinstance(arg.value, str) else ""


def _finding(code: str, severity: Severity, title: str, path: Path, node: ast.AST, evidence: str, fix: str) -> Finding:
    return Finding(
        code,
        severity,
        title,
        str(path),
        getattr(node, "lineno", 0),
        evidence=evidence,
        recommendation=fix,
        category="migrations",
        source="migration-check",
    )


def _length(node: ast.expr | None) -> int | None:
    if (
        isinstance(node, ast.Call)
        and ast.unparse(node.func).split(".")[-1] in {"String", "VARCHAR", "Unicode"}
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, int)
    ):
        return node.args[0].value
    return None


def _widens(call: ast.Call) -> bool:
    """VARCHAR(n) -> VARCHAR(m > n) keeps every value and is a catalog-only change on PostgreSQL."""
    new, old = _length(_kw(call, "type_")), _length(_kw(call, "existing_type"))
    return new is not None and old is not None and new > old


def check_revision(path: Path) -> list[Finding]:
    text = path.read_text(encoding="utf-8")
    try:
        tree = ast.parse(text)
    except SyntaxError as exc:
        return [
            Finding(
                "BE200",
                Severity.BLOCKER,
                f"revision does not parse: {exc.msg}",
                str(path),
                exc.lineno or 0,
                category="migrations",
                source="migration-check",
            )
        ]
    funcs = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    upgrade, downgrade = funcs.get("upgrade"), funcs.get("downgrade")
    out: list[Finding] = []
    annotated_irreversible = "irreversible" in text.lower()
    has_timeouts = "lock_timeout" in text and "statement_timeout" in text
    if downgrade is None or all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in downgrade.body
    ):
        out.append(
            _finding(
                "BE208",
                Severity.BLOCKER,
                "downgrade() does nothing",
                path,
                downgrade or tree,
                "the revision cannot be rolled back",
                "write a downgrade() that reverses every step",
            )
        )
    if upgrade is None:
        return out
    created = {_str_arg(c) for c in _calls(upgrade) if c.func.attr == "create_table"}  # type: ignore[attr-defined]
    concurrent = {
        _str_arg(c)
        for c in _calls(upgrade)
        if c.func.attr == "create_index"  # type: ignore[attr-defined]
        and isinstance(_kw(c, "postgresql_concurrently"), ast.Constant)
        and getattr(_kw(c, "postgresql_concurrently"), "value", False) is True
    }
    touches_existing = False
    for call in _calls(upgrade):
        name = call.func.attr  # type: ignore[attr-defined]
        if name == "add_column":
            touches_existing = True
            for arg in call.args[1:]:
                if (
                    isinstance(arg, ast.Call)
                    and any(
                        k.arg == "nullable" and isinstance(k.value, ast.Constant) and k.value.value is False
                        for k in arg.keywords
                    )
                    and not any(k.arg == "server_default" for k in arg.keywords)
                ):
                    out.append(
                        _finding(
                            "BE202",
                            Severity.MAJOR,
                            "NOT NULL column added without a server default",
                            path,
                            call,
                            ast.unparse(call)[:160],
                            "add it nullable, backfill in batches, then set NOT NULL; or give a server_default",
                        )
                    )
        elif name == "create_index" and _str_arg(call, 1) not in created and _str_arg(call) not in concurrent:
            touches_existing = True
            concurrently = _kw(call, "postgresql_concurrently")
            if not (isinstance(concurrently, ast.Constant) and concurrently.value is True):
                out.append(
                    _finding(
                        "BE203",
                        Severity.MAJOR,
                        "index on an existing table created without CONCURRENTLY",
                        path,
                        call,
                        ast.unparse(call)[:160],
                        "use postgresql_concurrently=True inside op.get_context().autocommit_block()",
                    )
                )
        elif name == "alter_column":
            touches_existing = True
            if _kw(call, "type_") is not None and not _widens(call):
                out.append(
                    _finding(
                        "BE204",
                        Severity.MAJOR,
                        "column type change",
                        path,
                        call,
                        ast.unparse(call)[:160],
                        "type changes rewrite the table and can fail on data: add a new column, "
                        "backfill, switch, drop; or annotate why it is safe",
                    )
                )
            if _kw(call, "new_column_name") is not None and not annotated_irreversible:
                out.append(
                    _finding(
                        "BE205",
                        Severity.MAJOR,
                        "column rename without an irreversible annotation",
                        path,
                        call,
                        ast.unparse(call)[:160],
                        "renames break running code: expand/contract, or annotate `# irreversible: ...`",
                    )
                )
        elif name in {"drop_table", "drop_column", "rename_table"}:
            touches_existing = True
            if not annotated_irreversible:
                out.append(
                    _finding(
                        "BE205",
                        Severity.MAJOR,
                        f"{name} without an irreversible annotation",
                        path,
                        call,
                        ast.unparse(call)[:160],
                        "annotate `# irreversible: <why data loss is acceptable>`",
                    )
                )
        elif name == "execute":
            sql = _str_arg(call).strip().upper()
            if sql.startswith("UPDATE") and "LIMIT" not in sql and " IN (SELECT" not in sql:
                out.append(
                    _finding(
                        "BE206",
                        Severity.MAJOR,
                        "unbatched UPDATE backfill",
                        path,
                        call,
                        sql[:160],
                        "backfill in batches (UPDATE ... WHERE id IN (SELECT ... LIMIT n)) with checkpoints",
                    )
                )
    if touches_existing and not has_timeouts:
        out.append(
            _finding(
                "BE207",
                Severity.MINOR,
                "no lock_timeout or statement_timeout",
                path,
                upgrade,
                "the revision changes existing tables without timeouts",
                "SET LOCAL lock_timeout and statement_timeout at the start of upgrade() on PostgreSQL",
            )
        )
    return out
