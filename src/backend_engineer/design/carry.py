"""Keep the hand-written operations the data model cannot derive (``transferFunds``) when redrafting.

An operation of the existing contract that the role matrix names but the draft does not contain is
copied verbatim with every component it references (transitively). A component whose name the draft
already uses keeps the draft's definition.
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from backend_engineer.design.operations import OperationPlan
from backend_engineer.spec.bundle import Bundle

METHODS = ("get", "put", "post", "patch", "delete", "head", "options", "trace")


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        value = node.get("$ref")
        if isinstance(value, str) and value.startswith("#/components/"):
            yield value
        for v in node.values():
            yield from _refs(v)
    elif isinstance(node, list):
        for v in node:
            yield from _refs(v)


def carry_operations(bundle: Bundle, doc: dict[str, Any], plan: OperationPlan) -> list[str]:
    """Copy kept operations into ``doc``; returns their operation ids."""
    if bundle.api is None:
        return []
    authz = bundle.security.authorization if bundle.security else None
    named = set(authz.operations) if authz else set()
    drafted = {
        op.get("operationId")
        for item in doc["paths"].values()
        for method, op in item.items()
        if method in METHODS and isinstance(op, dict)
    }
    planned = {p.operation_id for p in plan.operations}
    old = bundle.api.doc
    kept = []
    pending: list[str] = []
    for path, item in (old.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        for method in METHODS:
            op = item.get(method)
            if not isinstance(op, dict):
                continue
            op_id = op.get("operationId")
            if op_id in drafted or op_id in planned or op_id not in named:
                continue
            target = doc["paths"].setdefault(path, {})
            if method in target:
                continue
            if "parameters" in item and "parameters" not in target:
                target["parameters"] = copy.deepcopy(item["parameters"])
                pending += list(_refs(item["parameters"]))
            target[method] = copy.deepcopy(op)
            pending += list(_refs(op))
            kept.append(str(op_id))
    components = doc.setdefault("components", {})
    seen: set[str] = set()
    while pending:
        pointer = pending.pop()
        if pointer in seen:
            continue
        seen.add(pointer)
        _, _, kind, name = pointer.split("/", 3)
        if name in components.get(kind, {}):
            continue
        source = (old.get("components") or {}).get(kind, {}).get(name)
        if source is None:
            continue
        components.setdefault(kind, {})[name] = copy.deepcopy(source)
        pending += list(_refs(source))
    return kept
