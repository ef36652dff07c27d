"""Which CRUD operations to draft per entity, and their ids, from the role matrix in security.yaml.

An operation named in ``authorization.operations`` as ``<verb><Entity>`` (list, create, get, update,
delete) is drafted under that id with that permission. An entity the matrix does not mention gets the
five CRUD operations under conventional ids, and a note says which permissions to add. Matrix entries
that are not CRUD on an entity (``transferFunds``) are never invented: they are reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend_engineer.spec.bundle import Bundle
from backend_engineer.spec.models import EntitySpec

ACTIONS = ("list", "create", "get", "update", "delete")
VERBS = {"list": "list", "create": "create", "get": "get", "update": "update", "delete": "delete", "remove": "delete"}
PERMISSION_ACTION = {"list": "read", "get": "read", "create": "create", "update": "update", "delete": "delete"}
OP_NAME = re.compile(r"^(list|create|get|update|delete|remove)([A-Z][A-Za-z0-9]*)$")


@dataclass(frozen=True)
class PlannedOperation:
    entity: str
    action: str
    operation_id: str
    permission: str | None


@dataclass
class OperationPlan:
    operations: list[PlannedOperation]
    notes: list[str]

    def for_entity(self, entity: str) -> dict[str, PlannedOperation]:
        return {o.action: o for o in self.operations if o.entity == entity}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


def _norm(text: str) -> str:
    return singular(re.sub(r"[^a-z0-9]", "", text.lower()))


def _entity_for(word: str, resource: str, entities: dict[str, EntitySpec]) -> str | None:
    target = _norm(word)
    exact = [n for n, e in entities.items() if target in (_norm(n), _norm(e.table))]
    if exact:
        return exact[0]
    prefixed = [n for n, e in entities.items() if _norm(n).startswith(target) or _norm(e.table).startswith(target)]
    if len(prefixed) == 1:
        return prefixed[0]
    res = _norm(resource)
    by_resource = [n for n, e in entities.items() if res and res in (_norm(n), _norm(e.table))]
    if len(by_resource) == 1:
        return by_resource[0]
    prefixed = [n for n in prefixed if res and _norm(n).startswith(res)]
    return prefixed[0] if len(prefixed) == 1 else None


def default_ids(entity: str, spec: EntitySpec) -> dict[str, str]:
    plural = "".join(p[:1].upper() + p[1:] for p in spec.table.split("_"))
    return {
        "list": f"list{plural}",
        "create": f"create{entity}",
        "get": f"get{entity}",
        "update": f"update{entity}",
        "delete": f"delete{entity}",
    }


def plan_operations(bundle: Bundle) -> OperationPlan:
    assert bundle.datamodel is not None
    entities = bundle.datamodel.entities
    authz = bundle.security.authorization if bundle.security else None
    matrix = dict(authz.operations) if authz else {}
    public = set(authz.public_operations) if authz else set()
    planned: list[PlannedOperation] = []
    notes: list[str] = []
    taken: set[tuple[str, str]] = set()
    for op_id, permission in matrix.items():
        match = OP_NAME.match(op_id)
        entity = _entity_for(match.group(2), permission.split(":")[0], entities) if match else None
        if match is None or entity is None:
            notes.append(
                f"{op_id}: named in security.yaml but not a CRUD operation on an entity of datamodel.yaml; "
                "it is not drafted (write it by hand, or keep it from the existing contract)"
            )
            continue
        action = VERBS[match.group(1)]
        if (entity, action) in taken:
            notes.append(f"{op_id}: a second `{action}` operation on {entity}; only the first one is drafted")
            continue
        taken.add((entity, action))
        planned.append(PlannedOperation(entity, action, op_id, permission))
    covered = {e for e, _ in taken}
    for name, spec in entities.items():
        if name in covered:
            continue
        ids = default_ids(name, spec)
        suggestions = []
        for action in ACTIONS:
            permission = f"{snake(name)}:{PERMISSION_ACTION[action]}"
            planned.append(PlannedOperation(name, action, ids[action], None if ids[action] in public else permission))
            suggestions.append(f"{ids[action]}: {permission}")
        notes.append(
            f"{name}: security.yaml maps no operation to it; drafted full CRUD; add to authorization.operations: "
            + ", ".join(suggestions)
        )
    order = {name: i for i, name in enumerate(entities)}
    planned.sort(key=lambda o: (order[o.entity], ACTIONS.index(o.action)))
    return OperationPlan(planned, notes)
