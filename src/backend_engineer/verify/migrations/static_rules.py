"""Dangerous operations found by reading each revision's source (BE202-BE208)."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator
from dataclasses import dataclass
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


@dataclass(frozen=True)
class _Revision:
    path: Path
    text: str
    created: frozenset[str]
    concurrent: frozenset[str]

    @property
    def annotated_irreversible(self) -> bool:
        return "irreversible" in self.text.lower()


Handler = Callable[[ast.Call, _Revision], "tuple[bool, list[Finding]]"]


def _major(code: str, title: str, rev: _Revision, call: ast.Call, fix: str, evidence: str = "") -> Finding:
    return _finding(code, Severity.MAJOR, title, rev.path, call, evidence or ast.unparse(call)[:160], fix)


def _add_column(call: ast.Call, rev: _Revision) -> tuple[bool, list[Finding]]:
    out = []
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
                _major(
                    "BE202",
                    "NOT NULL column added without a server default",
                    rev,
                    call,
                    "add it nullable, backfill in batches, then set NOT NULL; or give a server_default",
                )
            )
    return True, out


def _create_index(call: ast.Call, rev: _Revision) -> tuple[bool, list[Finding]]:
    if _str_arg(call, 1) in rev.created or _str_arg(call) in rev.concurrent:
        return False, []
    concurrently = _kw(call, "postgresql_concurrently")
    if isinstance(concurrently, ast.Constant) and concurrently.value is True:
        return True, []
    return True, [
        _major(
            "BE203",
            "index on an existing table created without CONCURRENTLY",
            rev,
            call,
            "use postgresql_concurrently=True inside op.get_context().autocommit_block()",
        )
    ]


def _alter_column(call: ast.Call, rev: _Revision) -> tuple[bool, list[Finding]]:
    out = []
    if _kw(call, "type_") is not None and not _widens(call):
        out.append(
            _major(
                "BE204",
                "column type change",
                rev,
                call,
                "type changes rewrite the table and can fail on data: add a new column, "
                "backfill, switch, drop; or annotate why it is safe",
            )
        )
    if _kw(call, "new_column_name") is not None and not rev.annotated_irreversible:
        out.append(
            _major(
                "BE205",
                "column rename without an irreversible annotation",
                rev,
                call,
                "renames break running code: expand/contract, or annotate `# irreversible: ...`",
            )
        )
    return True, out


def _destructive(call: ast.Call, rev: _Revision) -> tuple[bool, list[Finding]]:
    if rev.annotated_irreversible:
        return True, []
    name = call.func.attr  # type: ignore[attr-defined]
    return True, [
        _major(
            "BE205",
            f"{name} without an irreversible annotation",
            rev,
            call,
            "annotate `# irreversible: <why data loss is acceptable>`",
        )
    ]


def _execute(call: ast.Call, rev: _Revision) -> tuple[bool, list[Finding]]:
    sql = _str_arg(call).strip().upper()
    if sql.startswith("UPDATE") and "LIMIT" not in sql and " IN (SELECT" not in sql:
        return False, [
            _major(
                "BE206",
                "unbatched UPDATE backfill",
                rev,
                call,
                "backfill in batches (UPDATE ... WHERE id IN (SELECT ... LIMIT n)) with checkpoints",
                sql[:160],
            )
        ]
    return False, []


OPERATIONS: dict[str, Handler] = {
    "add_column": _add_column,
    "create_index": _create_index,
    "alter_column": _alter_column,
    "drop_table": _destructive,
    "drop_column": _destructive,
    "rename_table": _destructive,
    "execute": _execute,
}
"""Each ``op.<name>(...)`` call in upgrade() is checked by its handler: (touches an existing table, findings)."""


def _empty_downgrade(downgrade: ast.FunctionDef | None) -> bool:
    return downgrade is None or all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in downgrade.body
    )


def _is_concurrent(call: ast.Call) -> bool:
    flag = _kw(call, "postgresql_concurrently")
    return isinstance(flag, ast.Constant) and flag.value is True


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
    if _empty_downgrade(downgrade):
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
    calls = list(_calls(upgrade))
    rev = _Revision(
        path,
        text,
        frozenset(_str_arg(c) for c in calls if c.func.attr == "create_table"),  # type: ignore[attr-defined]
        frozenset(_str_arg(c) for c in calls if c.func.attr == "create_index" and _is_concurrent(c)),  # type: ignore[attr-defined]
    )
    touches_existing = False
    for call in calls:
        handler = OPERATIONS.get(call.func.attr)  # type: ignore[attr-defined]
        if handler is None:
            continue
        touches, found = handler(call, rev)
        touches_existing = touches_existing or touches
        out.extend(found)
    has_timeouts = "lock_timeout" in text and "statement_timeout" in text
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
