"""Migration notes read from the delivered Alembic revisions: what each does and how to roll it back."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

VERSION_DIRS = ("migrations/versions", "alembic/versions")


def _str_assign(tree: ast.Module, name: str) -> str | None:
    for node in tree.body:
        targets: list[ast.expr] = []
        value: ast.expr | None = None
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        for target in targets:
            if isinstance(target, ast.Name) and target.id == name and isinstance(value, ast.Constant):
                return None if value.value is None else str(value.value)
    return None


def _op_calls(tree: ast.Module, func: str) -> list[str]:
    """The schema operations ``func`` runs, in source order, one readable line each.

    Helpers that only inspect the database (``get_bind``, ``get_context``) are left out; a PostgreSQL
    branch and its fallback that do the same thing are described once.
    """
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == func:
            return _dedupe(_steps(node.body, {}))
    return []


def _const(node: ast.expr | None) -> str:
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.JoinedStr):
        return "".join(
            str(v.value) if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
            for v in node.values
            if isinstance(v, ast.Constant | ast.FormattedValue)
        )
    return ast.unparse(node) if node is not None else ""


def _kw(call: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in call.keywords if k.arg == name), None)


def _describe(call: ast.Call, batches: dict[str, str]) -> str | None:
    """One operation call as text, or None for calls that change nothing."""
    func = call.func
    if isinstance(func, ast.Name):
        return None if func.id.startswith("_is_") or func.id in {"print", "len"} else f"run {ast.unparse(call)}"
    if not isinstance(func, ast.Attribute) or not isinstance(func.value, ast.Name):
        return None
    owner, attr = func.value.id, func.attr
    first = call.args[0] if call.args else None
    if owner in batches:
        table = batches[owner]
        if attr == "add_column" and isinstance(first, ast.Call) and first.args:
            return f"add column {table}.{_const(first.args[0])}"
        if attr == "alter_column":
            kind = _kw(call, "type_")
            return f"alter column {table}.{_const(first)}" + (f" to {ast.unparse(kind)}" if kind is not None else "")
        return f"{attr.replace('_', ' ')} {table}.{_const(first)}"
    if owner != "op" or attr in {"get_bind", "get_context", "batch_alter_table", "f", "inline_literal"}:
        return None
    concurrently = any(k.arg == "postgresql_concurrently" for k in call.keywords)
    if attr in {"drop_index", "create_index"}:
        table = _const(_kw(call, "table_name") or (call.args[1] if len(call.args) > 1 else None))
        verb = attr.split("_")[0]
        return f"{verb} index {_const(first)} on {table}" + (" (CONCURRENTLY on PostgreSQL)" if concurrently else "")
    if attr == "execute":
        return f"execute {_const(first)}"
    return f"{attr.replace('_', ' ')} {_const(first)}".strip()


def _steps(body: list[ast.stmt], batches: dict[str, str]) -> list[str]:
    out: list[str] = []
    for stmt in body:
        if isinstance(stmt, ast.If):
            then, other = _steps(stmt.body, batches), _steps(stmt.orelse, batches)
            test = ast.unparse(stmt.test)
            if "postgres" in test:
                bare = [s.replace(" (CONCURRENTLY on PostgreSQL)", "") for s in then]
                if other and bare == other:
                    out += then
                else:
                    out += [f"{s} (PostgreSQL)" for s in then] + [f"{s} (other databases)" for s in other]
            else:
                out += then + other
        elif isinstance(stmt, ast.With):
            inner = dict(batches)
            for item in stmt.items:
                ctx = item.context_expr
                if (
                    isinstance(ctx, ast.Call)
                    and isinstance(ctx.func, ast.Attribute)
                    and ctx.func.attr == "batch_alter_table"
                    and isinstance(item.optional_vars, ast.Name)
                ):
                    inner[item.optional_vars.id] = _const(ctx.args[0] if ctx.args else _kw(ctx, "table_name"))
            out += _steps(stmt.body, inner)
        elif isinstance(stmt, ast.For):
            loop = f" for each {ast.unparse(stmt.target)} in {ast.unparse(stmt.iter)}"
            out += [s + loop for s in _steps(stmt.body, batches)]
        elif isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
            step = _describe(stmt.value, batches)
            if step:
                out.append(step)
        elif isinstance(stmt, ast.Raise) and stmt.exc is not None:
            texts = [n for n in ast.walk(stmt.exc) if isinstance(n, ast.Constant) and isinstance(n.value, str)]
            words = str(min(texts, key=lambda n: (n.lineno, n.col_offset)).value) if texts else "a precondition fails"
            out.append(f"refuse before any change: {words.strip()} ...")
        elif isinstance(stmt, ast.Try):
            out += _steps(stmt.body, batches)
    return out


def _dedupe(steps: list[str]) -> list[str]:
    return [s for i, s in enumerate(steps) if i == 0 or steps[i - 1] != s]


def _irreversible(text: str) -> list[str]:
    """Lines that warn about data loss, without their list or comment markers, each once."""
    seen: list[str] = []
    for line in text.splitlines():
        if "irreversible" in line.lower():
            clean = line.strip().lstrip("#-* ").strip()
            if clean and clean not in seen:
                seen.append(clean)
    return seen


def _section(doc: str, title: str) -> list[str]:
    match = re.search(rf"^{title}:?\s*$(.*?)(?=^[A-Z][A-Z ]+:?\s*$|\Z)", doc, re.M | re.S)
    if not match:
        return []
    return [ln.strip(" -*\t") for ln in match.group(1).splitlines() if ln.strip(" -*\t")]


def migration_notes(service_dir: Path) -> list[dict[str, Any]]:
    notes = []
    for rel in VERSION_DIRS:
        folder = service_dir / rel
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.py")):
            text = path.read_text(encoding="utf-8")
            try:
                tree = ast.parse(text)
            except SyntaxError as exc:
                notes.append(
                    {
                        "revision": path.stem,
                        "file": str(path.relative_to(service_dir)),
                        "description": f"cannot parse: {exc}",
                        "upgrade": [],
                        "downgrade": [],
                        "rollback_steps": [],
                        "irreversible": [],
                        "verify": [],
                        "operations": [],
                    }
                )
                continue
            doc = ast.get_docstring(tree) or ""
            revision = _str_assign(tree, "revision") or path.stem
            down = _str_assign(tree, "down_revision")
            downgrade = _op_calls(tree, "downgrade")
            irreversible = _irreversible(text)
            steps = [f"alembic downgrade {down or 'base'}  # reverts {revision}"]
            steps += [f"downgrade runs: {call}" for call in downgrade]
            note: dict[str, Any] = {
                "revision": revision,
                "down_revision": down,
                "file": str(path.relative_to(service_dir)),
                "description": doc.splitlines()[0] if doc else "",
                "upgrade": _op_calls(tree, "upgrade"),
                "downgrade": downgrade,
                "rollback_steps": steps,
                "irreversible": irreversible,
                "verify": _section(doc, "VERIFY"),
                "operations": _section(doc, "OPERATIONS"),
            }
            notes.append(note)
    return notes
