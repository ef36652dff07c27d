"""The intermediate model: entities and operations derived from the bundle.

Operations are mapped by ``x-entity``/``x-action`` when present; otherwise the mapping is inferred
from the method, the path shape and the schemas. Whatever cannot be mapped becomes an
``UnmappedOperation`` that the plan lists as "needs business logic".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from backend_engineer.spec.bundle import Bundle, MissingInput
from backend_engineer.spec.models import EntitySpec, FieldSpec
from backend_engineer.spec.openapi import ApiContract, Operation

CRUD_ACTIONS = ("list", "get", "create", "update", "delete")


@dataclass(frozen=True)
class EntityIR:
    name: str
    spec: EntitySpec
    pk: str
    parent_field: str | None
    parent_entity: str | None
    read_fields: tuple[str, ...]
    created_field: str | None
    updated_field: str | None
    version_field: str | None

    @property
    def table(self) -> str:
        return self.spec.table

    @property
    def fields(self) -> dict[str, FieldSpec]:
        return self.spec.fields


@dataclass(frozen=True)
class QueryParam:
    name: str
    schema: dict[str, Any]
    required: bool


@dataclass(frozen=True)
class OperationIR:
    op: Operation
    entity: str
    action: str
    inferred: bool
    parent_param: str | None = None
    id_param: str | None = None
    filters: tuple[QueryParam, ...] = ()
    body_schema: str | None = None
    success: int = 200


@dataclass(frozen=True)
class UnmappedOperation:
    op: Operation
    reason: str
    body_schema: str | None = None


@dataclass
class ServiceIR:
    bundle: Bundle
    entities: dict[str, EntityIR]
    operations: list[OperationIR] = field(default_factory=list)
    health: list[Operation] = field(default_factory=list)
    unmapped: list[UnmappedOperation] = field(default_factory=list)

    @property
    def api(self) -> ApiContract:
        if self.bundle.api is None:
            raise MissingInput(self.bundle.root, "openapi.yaml")
        return self.bundle.api


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s"):
        return word[:-1]
    return word


def _entity_from_name(name: str | None, entities: dict[str, EntityIR]) -> str | None:
    if not name:
        return None
    for suffix in ("Create", "Update", "Page", "Patch", "Input", "Request", "Response"):
        if name.endswith(suffix) and name[: -len(suffix)] in entities:
            return name[: -len(suffix)]
    if name in entities:
        return name
    for ent in entities.values():
        if name in (ent.name, ent.table) or _singular(snake(name)) == _singular(ent.table):
            return ent.name
    return None


def segment_entity(segment: str, entities: dict[str, EntityIR]) -> str | None:
    for ent in entities.values():
        if segment in (ent.table, snake(ent.name), snake(ent.name) + "s") or _singular(segment) == snake(ent.name):
            return ent.name
    for ent in entities.values():
        if (
            ent.table.startswith(segment)
            or ent.table.endswith(segment)
            or snake(ent.name).startswith(_singular(segment))
        ):
            return ent.name
    return None


def path_entities(ir: ServiceIR, path: str) -> list[tuple[str, str]]:
    """Path parameters that name a row of an entity with a uuid key (``/tasks/{task_id}``): (parameter, entity)."""
    parts = path.strip("/").split("/")
    out = []
    for i, part in enumerate(parts):
        if i and part.startswith("{") and part.endswith("}") and not parts[i - 1].startswith("{"):
            entity = segment_entity(parts[i - 1], ir.entities)
            if entity is not None and ir.entities[entity].spec.fields[ir.entities[entity].pk].type == "uuid":
                out.append((part[1:-1], entity))
    return out


def _build_entities(bundle: Bundle) -> dict[str, EntityIR]:
    if bundle.datamodel is None or bundle.api is None:
        raise MissingInput(bundle.root, "datamodel.yaml" if bundle.datamodel is None else "openapi.yaml")
    schemas = bundle.api.doc.get("components", {}).get("schemas", {})
    out = {}
    for name, spec in bundle.datamodel.entities.items():
        pk = next((f for f, s in spec.fields.items() if s.primary_key), "id")
        parent = next(
            ((r.field, r.entity) for r in spec.relations.values() if r.kind == "many_to_one" and r.field), (None, None)
        )
        read_schema = schemas.get(name)
        if isinstance(read_schema, dict) and isinstance(read_schema.get("properties"), dict):
            known = set(spec.fields) | ({parent[0]} if parent[0] else set())
            read_fields = tuple(p for p in read_schema["properties"] if p in known)
        else:
            read_fields = tuple(([parent[0]] if parent[0] else []) + list(spec.fields))
        gen = {s.generated: f for f, s in spec.fields.items() if s.generated}
        out[name] = EntityIR(
            name=name,
            spec=spec,
            pk=pk,
            parent_field=parent[0],
            parent_entity=parent[1],
            read_fields=read_fields,
            created_field=gen.get("created"),
            updated_field=gen.get("updated"),
            version_field=gen.get("version"),
        )
    return out


def _response_entity(api: ApiContract, op: Operation, entities: dict[str, EntityIR]) -> tuple[str | None, bool]:
    """The entity a success response carries, and whether it is a page (collection)."""
    for status in ("200", "201"):
        schema = api.response_schema(op, status)
        if schema is None:
            continue
        name = api.ref_name(schema)
        resolved = api.resolve(schema)
        if isinstance(resolved, dict):
            items = (resolved.get("properties") or {}).get("items")
            if isinstance(items, dict) and isinstance(items.get("items"), dict):
                return _entity_from_name(api.ref_name(items["items"]), entities), True
            if resolved.get("type") == "array" and isinstance(resolved.get("items"), dict):
                return _entity_from_name(api.ref_name(resolved["items"]), entities), True
        found = _entity_from_name(name, entities)
        if found:
            return found, False
    return None, False


def _infer(api: ApiContract, op: Operation, entities: dict[str, EntityIR]) -> tuple[str | None, str | None]:
    segments = [s for s in op.path.strip("/").split("/") if s]
    ends_with_param = bool(segments) and segments[-1].startswith("{")
    entity, is_page = _response_entity(api, op, entities)
    if entity is None:
        entity = _entity_from_name(api.ref_name(api.request_schema(op)), entities)
    if entity is None:
        literal = [s for s in segments if not s.startswith("{")]
        entity = segment_entity(literal[-1], entities) if literal else None
    if entity is None:
        return None, None
    table_segment = segments[-2] if ends_with_param and len(segments) >= 2 else (segments[-1] if segments else "")
    if segment_entity(table_segment, entities) != entity:
        return entity, None
    action = {
        ("get", False): "list",
        ("post", False): "create",
        ("get", True): "get",
        ("patch", True): "update",
        ("put", True): "update",
        ("delete", True): "delete",
    }.get((op.method, ends_with_param))
    if action == "list" and not is_page and op.method == "get":
        return entity, None
    return entity, action


def build_ir(bundle: Bundle) -> ServiceIR:
    if bundle.datamodel is None or bundle.api is None:
        raise MissingInput(bundle.root, "datamodel.yaml" if bundle.datamodel is None else "openapi.yaml")
    api = bundle.api
    entities = _build_entities(bundle)
    ir = ServiceIR(bundle=bundle, entities=entities)
    health_paths = (
        {bundle.ops.health.liveness, bundle.ops.health.readiness}
        if bundle.ops and bundle.ops.health
        else {"/healthz", "/readyz"}
    )
    for op in api.operations:
        body_schema = api.ref_name(api.request_schema(op))
        if op.path in health_paths and op.method == "get":
            ir.health.append(op)
            continue
        x_entity, x_action = op.extensions.get("x-entity"), op.extensions.get("x-action")
        inferred = x_entity is None or x_action is None
        if inferred:
            entity, action = _infer(api, op, entities)
        else:
            entity, action = str(x_entity), str(x_action)
        if entity is None or entity not in entities or action not in CRUD_ACTIONS:
            reason = (
                f"x-action {x_action!r} is not CRUD"
                if x_action and x_action not in CRUD_ACTIONS
                else "no entity or CRUD action could be derived from the method, path and schemas"
            )
            ir.unmapped.append(UnmappedOperation(op, reason, body_schema))
            continue
        mapped = _shape(api, op, entities[entity], action, inferred, body_schema, entities)
        if mapped is None:
            ir.unmapped.append(
                UnmappedOperation(op, "the path parameters do not match the entity's relations", body_schema)
            )
        else:
            ir.operations.append(mapped)
    return ir


def _shape(
    api: ApiContract,
    op: Operation,
    ent: EntityIR,
    action: str,
    inferred: bool,
    body_schema: str | None,
    entities: dict[str, EntityIR],
) -> OperationIR | None:
    params = op.path_params
    parent_param = id_param = None
    if action in ("list", "create"):
        if params:
            if ent.parent_field is None or len(params) != 1:
                return None
            parent_param = params[0]
    else:
        if not params:
            return None
        id_param = params[-1]
        if len(params) > 1:
            return None
    filters = []
    for p in op.parameters:
        if p.get("in") == "query" and p.get("name") not in ("cursor", "limit"):
            if p.get("name") not in ent.fields:
                return None
            filters.append(QueryParam(str(p["name"]), api.resolve_deep(p.get("schema") or {}), bool(p.get("required"))))
    success = {"create": 201, "delete": 204}.get(action, 200)
    return OperationIR(
        op=op,
        entity=ent.name,
        action=action,
        inferred=inferred,
        parent_param=parent_param,
        id_param=id_param,
        filters=tuple(filters),
        body_schema=body_schema,
        success=success,
    )
