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
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == func:
            calls = []
            for sub in ast.walk(node):
                if (
                    isinstance(sub, ast.Call)
                    and isinstance(sub.func, ast.Attribute)
                    and isinstance(sub.func.value, ast.Name)
                    and sub.func.value.id in {"op", "batch_op"}
                ):
                    arg = sub.args[0] if sub.args else None
                    target = arg.value if isinstance(arg, ast.Constant) else ""
                    calls.append(f"{sub.func.attr}({target!r})" if target else sub.func.attr)
            return calls
    return []


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
            irreversible = [ln.strip() for ln in text.splitlines() if "irreversible" in ln.lower()]
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
