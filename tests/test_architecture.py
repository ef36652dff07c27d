"""Enforces ARCHITECTURE.md: which layer may import which, and that only the CLI imports Rich."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "backend_engineer"

LAYERS: dict[str, str] = {
    "findings": "core",
    "events": "core",
    "exit_codes": "core",
    "spec": "core",
    "__init__": "core",
    "runs": "records",
    "engines.base": "contract",
    "engines.registry": "contract",
    "engines": "contract",
    "intake": "gates",
    "planning": "gates",
    "engines.deterministic": "engines",
    "llm": "engines",
    "evolution": "engines",
    "verify": "checkers",
    "review": "checkers",
    "seeding": "checkers",
    "design": "design",
    "workflow": "workflow",
    "handoff": "workflow",
    "integrations": "integrations",
    "cli": "cli",
}
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "records": {"core", "records"},
    "contract": {"core", "contract"},
    "gates": {"core", "contract", "gates"},
    "checkers": {"core", "checkers"},
    "engines": {"core", "contract", "gates", "engines", "checkers"},
    "workflow": {"core", "records", "contract", "gates", "engines", "checkers", "workflow"},
    "design": {"core", "records", "gates", "checkers", "design"},
    "integrations": {
        "core",
        "records",
        "contract",
        "gates",
        "engines",
        "checkers",
        "workflow",
        "integrations",
        "design",
    },
    "cli": set(LAYERS.values()),
}


def layer_of(module: str) -> str:
    parts = module.split(".")
    for n in range(len(parts), 0, -1):
        key = ".".join(parts[:n])
        if key in LAYERS:
            return LAYERS[key]
    raise AssertionError(f"{module} is in no layer; add it to ARCHITECTURE.md and this test")


def modules() -> list[tuple[str, Path]]:
    out = []
    for path in SRC.rglob("*.py"):
        if "templates" in path.parts or "kit" in path.parts:
            continue
        rel = path.relative_to(SRC).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"] or ["__init__"]
        out.append((".".join(parts), path))
    return out


def imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
    return found


def test_layers_import_only_what_they_may() -> None:
    violations = []
    for module, path in modules():
        own = layer_of(module)
        for target in imports(path):
            if target.startswith("backend_engineer."):
                other = layer_of(target.removeprefix("backend_engineer."))
                if other not in ALLOWED[own]:
                    violations.append(f"{module} ({own}) imports {target} ({other})")
            if target.split(".")[0] == "rich" and own != "cli":
                violations.append(f"{module} ({own}) imports rich; only the cli may")
    assert not violations, "\n".join(violations)


def test_every_module_is_in_a_layer() -> None:
    for module, _ in modules():
        layer_of(module)


def _package_of(module: str) -> str:
    return module.split(".")[0]


def test_no_two_packages_import_each_other() -> None:
    edges: dict[str, set[str]] = {}
    for module, path in modules():
        for target in imports(path):
            if target.startswith("backend_engineer."):
                other = _package_of(target.removeprefix("backend_engineer."))
                if other != _package_of(module):
                    edges.setdefault(_package_of(module), set()).add(other)
    cycles = sorted(
        f"{a} <-> {b}" for a, targets in edges.items() for b in targets if a < b and a in edges.get(b, set())
    )
    assert not cycles, cycles


CONCRETE_ENGINES = ("engines.deterministic", "evolution", "llm")


def test_the_workflow_reaches_engines_only_through_the_registry() -> None:
    offenders = []
    for module, path in modules():
        if _package_of(module) not in {"workflow", "handoff", "integrations"}:
            continue
        for target in imports(path):
            name = target.removeprefix("backend_engineer.")
            if target.startswith("backend_engineer.") and name.startswith(CONCRETE_ENGINES):
                offenders.append(f"{module} imports {target}")
        if "type(engine).__name__" in path.read_text(encoding="utf-8"):
            offenders.append(f"{module} tests an engine's class name")
    assert not offenders, "\n".join(offenders)
