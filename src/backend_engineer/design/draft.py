"""Draft an OpenAPI 3.1 contract from datamodel.yaml, techspec.yaml, security.yaml and company.config.yaml.

The draft is in the shape the deterministic engine maps explicitly (``x-entity``/``x-action``):
collections of an entity with a parent relation nest one level under the parent
(``/v1/projects/{project_id}/tasks``), items live at the top level (``/v1/tasks/{task_id}``). Every
request and response carries an example, every error the standard envelope.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any

from backend_engineer.design.fields import example_uuid, example_value, field_schema, pascal, value_schema
from backend_engineer.design.operations import OperationPlan, PlannedOperation, plan_operations, snake
from backend_engineer.spec.bundle import Bundle
from backend_engineer.spec.models import EntitySpec, FieldSpec

SERVER_MANAGED = {
    "id",
    "tenant_id",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
    "role",
    "roles",
    "is_admin",
    "permissions",
    "author_id",
}
FILTER_TYPES = {"enum", "integer"}  # the engine validates these query values; others would pass unchecked
ERROR_CODES = {
    "BadRequest": ("Malformed request.", "BAD_REQUEST", "the request is malformed"),
    "Unauthorized": ("Missing or invalid credentials.", "UNAUTHORIZED", "a valid bearer token is required"),
    "Forbidden": ("Authenticated but not allowed.", "FORBIDDEN", "the caller lacks the permission"),
    "NotFound": ("No such resource in the caller's tenant.", "NOT_FOUND", "no such resource"),
    "Conflict": (
        "Uniqueness violation, a dependent row, or an Idempotency-Key reused with a different body.",
        "CONFLICT",
        "the request conflicts with the current state",
    ),
    "PreconditionFailed": ("If-Match did not match the current version.", "PRECONDITION_FAILED", "stale version"),
    "PayloadTooLarge": ("The body exceeds the size limit.", "PAYLOAD_TOO_LARGE", "the body is too large"),
    "ValidationFailed": ("The body failed validation.", "VALIDATION_FAILED", "the body failed validation"),
    "TooManyRequests": ("Rate limit exceeded.", "RATE_LIMITED", "too many requests"),
    "Unavailable": ("A dependency is down.", "UNAVAILABLE", "a dependency is unavailable"),
}
ERRORS_BY_ACTION = {
    "list": ("BadRequest", "Unauthorized", "Forbidden", "NotFound?", "ValidationFailed", "TooManyRequests"),
    "create": (
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "NotFound?",
        "Conflict",
        "PayloadTooLarge",
        "ValidationFailed",
        "TooManyRequests",
    ),
    "get": ("BadRequest", "Unauthorized", "Forbidden", "NotFound", "TooManyRequests"),
    "update": (
        "BadRequest",
        "Unauthorized",
        "Forbidden",
        "NotFound",
        "Conflict",
        "PreconditionFailed",
        "PayloadTooLarge",
        "ValidationFailed",
        "TooManyRequests",
    ),
    "delete": ("BadRequest", "Unauthorized", "Forbidden", "NotFound", "Conflict", "TooManyRequests"),
}
STATUS = {
    "BadRequest": "400",
    "Unauthorized": "401",
    "Forbidden": "403",
    "NotFound": "404",
    "Conflict": "409",
    "PreconditionFailed": "412",
    "PayloadTooLarge": "413",
    "ValidationFailed": "422",
    "TooManyRequests": "429",
    "Unavailable": "503",
}
EXAMPLE_CORRELATION = "7d9f2c1e-4b6a-4f3e-9a51-2c8d0e6b1f47"


def ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


@dataclass(frozen=True)
class Conventions:
    prefix: str
    idempotency: bool
    nested: bool
    default_limit: int
    max_limit: int


@dataclass
class Draft:
    doc: dict[str, Any]
    plan: OperationPlan
    notes: list[str] = field(default_factory=list)


def conventions(bundle: Bundle) -> tuple[Conventions, list[str]]:
    api = bundle.company.api if bundle.company else None
    notes = []
    versioning = (api.versioning if api else None) or "url"
    prefix = "/v1" if versioning == "url" else ""
    if versioning not in ("url", "header", "none"):
        notes.append(f"api.versioning `{versioning}` is unknown; paths are drafted without a version prefix")
    if api and api.pagination not in (None, "cursor"):
        notes.append(f"api.pagination `{api.pagination}`: lists are drafted with cursor pagination (house rule BE104)")
    if api and api.error_envelope not in (None, "standard"):
        notes.append(f"api.error_envelope `{api.error_envelope}`: errors are drafted with the standard envelope")
    idempotency = api is None or api.idempotency in (None, "header")
    if not idempotency:
        notes.append(
            f"api.idempotency `{api.idempotency if api else None}`: no Idempotency-Key is drafted; "
            "openapi-lint BE102 will ask for one on every mutation"
        )
    pagination = bundle.perf.pagination if bundle.perf else None
    default_limit, max_limit = (pagination.default_limit, pagination.max_limit) if pagination else (50, 200)
    nested = (api.nesting if api else None) in (None, "nested")
    return Conventions(prefix, idempotency, nested, min(default_limit, max_limit), max_limit), notes


@dataclass(frozen=True)
class EntityShape:
    name: str
    spec: EntitySpec
    pk: str
    parent_field: str | None
    parent_entity: str | None
    segment: str
    id_param: str

    top_level: bool = False

    @property
    def nested(self) -> bool:
        return self.parent_field is not None and not self.top_level


def _shape(name: str, spec: EntitySpec) -> EntityShape:
    pk = next((f for f, s in spec.fields.items() if s.primary_key), "id")
    parent = next(
        ((r.field, r.entity) for r in spec.relations.values() if r.kind == "many_to_one" and r.field), (None, None)
    )
    return EntityShape(name, spec, pk, parent[0], parent[1], spec.table.replace("_", "-"), f"{snake(name)}_id")


def _writable(spec: FieldSpec, name: str) -> bool:
    return not (spec.primary_key or spec.generated or spec.readonly or spec.source or name in SERVER_MANAGED)


class Drafter:
    def __init__(self, bundle: Bundle) -> None:
        assert bundle.datamodel is not None
        self.bundle = bundle
        self.conv, self.notes = conventions(bundle)
        self.plan = plan_operations(bundle)
        self.notes += self.plan.notes
        self.shapes = {
            n: dataclasses.replace(_shape(n, s), top_level=not self.conv.nested)
            for n, s in bundle.datamodel.entities.items()
        }
        if not self.conv.nested:
            children = [s.name for s in self.shapes.values() if s.parent_field]
            if children:
                self.notes.append(
                    "api.nesting top-level: collections of "
                    + ", ".join(children)
                    + " are top-level and take the parent id in the body; their lists return every item of the "
                    "tenant. The deterministic engine cannot build this shape yet (its create takes the parent "
                    "from the path): use `nesting: nested`, or build with `--engine llm`"
                )
        self.schemas: dict[str, Any] = {}
        self.parameters: dict[str, Any] = {}
        self.used_responses: set[str] = set()
        self.roles = bundle.security.authorization.roles if bundle.security and bundle.security.authorization else {}

    def enum_ref(self, entity: str, name: str, spec: FieldSpec) -> str | None:
        if spec.type != "enum":
            return None
        component = f"{entity}{pascal(name)}"
        if component in self.shapes or component.endswith(("Create", "Update", "Page")) or component == "Error":
            component += "Value"
        self.schemas.setdefault(component, {"type": "string", "enum": list(spec.values or [])})
        return f"#/components/schemas/{component}"

    # --- schemas ---------------------------------------------------------------------------------

    def read_schema(self, shape: EntityShape) -> tuple[dict[str, Any], dict[str, Any]]:
        props: dict[str, Any] = {}
        example: dict[str, Any] = {}
        required: list[str] = []
        items = list(shape.spec.fields.items())
        if shape.parent_field and shape.parent_field not in shape.spec.fields:
            items.insert(1, (shape.parent_field, FieldSpec(type="uuid", required=True)))
        for name, spec in items:
            is_required = spec.required or spec.primary_key or spec.generated is not None
            props[name] = field_schema(
                spec, not is_required, self.enum_ref(shape.name, name, spec) if is_required else None
            )
            if is_required:
                required.append(name)
            if name == shape.parent_field and shape.parent_entity:
                example[name] = example_uuid(shape.parent_entity, self.shapes[shape.parent_entity].pk)
            elif spec.primary_key and spec.type == "uuid":
                example[name] = example_uuid(shape.name, name)
            elif spec.generated == "version":
                example[name] = 1
            else:
                example[name] = example_value(shape.name, name, spec)
        schema = {"type": "object", "required": required, "properties": props}
        if shape.spec.description:
            schema = {"description": shape.spec.description, **schema}
        return schema, example

    def write_schema(self, shape: EntityShape, update: bool) -> tuple[dict[str, Any], dict[str, Any]]:
        props: dict[str, Any] = {}
        example: dict[str, Any] = {}
        required: list[str] = []
        fields = list(shape.spec.fields.items())
        if shape.parent_field and shape.top_level and not update and shape.parent_field not in shape.spec.fields:
            relation = next(r for r in shape.spec.relations.values() if r.field == shape.parent_field)
            fields.insert(0, (shape.parent_field, FieldSpec(type="uuid", required=relation.required)))
        for name, spec in fields:
            if not _writable(spec, name):
                continue
            nullable = not spec.required
            props[name] = field_schema(spec, nullable, None if nullable else self.enum_ref(shape.name, name, spec))
            if spec.required and spec.default is None and not update:
                required.append(name)
            if name == shape.parent_field and shape.parent_entity:
                if not update:
                    example[name] = example_uuid(shape.parent_entity, self.shapes[shape.parent_entity].pk)
            elif not update or spec.required:
                example[name] = example_value(shape.name, name, spec)
        schema: dict[str, Any] = {"type": "object", "additionalProperties": False}
        if update:
            schema["minProperties"] = 1
        elif required:
            schema["required"] = required
        schema["properties"] = props
        if update and not example and props:
            first = next(iter(props))
            example[first] = example_value(shape.name, first, shape.spec.fields[first])
        return schema, example

    # --- parameters ------------------------------------------------------------------------------

    def path_param(self, name: str, entity: str) -> dict[str, str]:
        component = pascal(name)
        shape = self.shapes[entity]
        pk = shape.spec.fields.get(shape.pk) or FieldSpec(type="uuid", primary_key=True)
        example = example_uuid(entity, shape.pk) if pk.type == "uuid" else example_value(entity, shape.pk, pk)
        self.parameters.setdefault(
            component,
            {
                "name": name,
                "in": "path",
                "required": True,
                "description": f"The id of the {snake(entity).replace('_', ' ')}.",
                "schema": value_schema(pk),
                "example": example,
            },
        )
        return ref("parameters", component)

    def shared_parameters(self) -> dict[str, Any]:
        out = {
            "Cursor": {
                "name": "cursor",
                "in": "query",
                "description": "Opaque cursor from a previous page's next_cursor.",
                "schema": {"type": "string", "maxLength": 512},
            },
            "Limit": {
                **limit_parameter(self.conv.max_limit, self.conv.default_limit),
                "example": min(20, self.conv.max_limit),
            },
        }
        if self.conv.idempotency:
            out["IdempotencyKey"] = {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "A client-chosen key; a retry with the same key and body returns the first response.",
                "schema": {"type": "string", "minLength": 8, "maxLength": 128},
                "example": "4f1c2b7a-retry-key-0001",
            }
        out["IfMatch"] = {
            "name": "If-Match",
            "in": "header",
            "required": False,
            "description": "The ETag of the version being updated; a mismatch returns 412.",
            "schema": {"type": "string", "maxLength": 128},
            "example": '"1"',
        }
        return out

    def filters(self, shape: EntityShape) -> list[dict[str, Any]]:
        pii = set(self.bundle.security.pii.fields) if self.bundle.security and self.bundle.security.pii else set()
        seen: list[str] = []
        for index in shape.spec.indexes:
            for name in index.fields:
                spec = shape.spec.fields.get(name)
                if (
                    spec is None
                    or name in seen
                    or name == shape.parent_field
                    or spec.primary_key
                    or spec.generated
                    or spec.pii
                    or f"{shape.name}.{name}" in pii
                    or spec.type not in FILTER_TYPES
                ):
                    continue
                seen.append(name)
        out = []
        for name in seen:
            spec = shape.spec.fields[name]
            out.append(
                {
                    "name": name,
                    "in": "query",
                    "description": f"Only items whose {name} equals this value.",
                    "schema": value_schema(spec, self.enum_ref(shape.name, name, spec)),
                    "example": example_value(shape.name, name, spec),
                }
            )
        return out

    # --- operations ------------------------------------------------------------------------------

    def _errors(self, action: str, nested: bool) -> dict[str, Any]:
        out = {}
        for name in ERRORS_BY_ACTION[action]:
            optional = name.endswith("?")
            name = name.rstrip("?")
            if optional and not nested:
                continue
            self.used_responses.add(name)
            out[STATUS[name]] = ref("responses", name)
        return out

    def _security_note(self, planned: PlannedOperation) -> str:
        if planned.permission is None:
            return "Public."
        roles = sorted(r for r, perms in self.roles.items() if planned.permission in perms)
        granted = f" (granted to: {', '.join(roles)})" if roles else " (no role grants it yet)"
        return f"Requires the permission `{planned.permission}`{granted}."

    def operation(
        self, shape: EntityShape, planned: PlannedOperation, read_ex: dict[str, Any], bodies: dict[str, Any]
    ) -> dict[str, Any]:
        label = snake(shape.name).replace("_", " ")
        action = planned.action
        summaries = {
            "list": f"List {shape.spec.table.replace('_', ' ')}",
            "create": f"Create a {label}",
            "get": f"Get a {label}",
            "update": f"Update a {label}",
            "delete": f"Delete a {label}",
        }
        op: dict[str, Any] = {
            "operationId": planned.operation_id,
            "tags": [shape.segment],
            "summary": summaries[action],
            "description": self._security_note(planned),
            "x-entity": shape.name,
            "x-action": action,
        }
        if planned.permission:
            op["x-permission"] = planned.permission
            op["security"] = [{"bearerAuth": []}]
        params: list[dict[str, Any]] = []
        nested = shape.nested and action in ("list", "create")
        if action == "list":
            params += [ref("parameters", "Cursor"), ref("parameters", "Limit"), *self.filters(shape)]
        if action in ("create", "update", "delete") and self.conv.idempotency:
            params.append(ref("parameters", "IdempotencyKey"))
        if action == "update":
            params.append(ref("parameters", "IfMatch"))
        if params:
            op["parameters"] = params
        if action in ("create", "update"):
            name = f"{shape.name}{'Create' if action == 'create' else 'Update'}"
            op["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": ref("schemas", name), "example": bodies[name]}},
            }
        success: dict[str, Any]
        if action == "list":
            success = {
                "200": {
                    "description": f"A page of {shape.spec.table.replace('_', ' ')}.",
                    "content": {
                        "application/json": {
                            "schema": ref("schemas", f"{shape.name}Page"),
                            "example": {"items": [read_ex], "next_cursor": None},
                        }
                    },
                }
            }
        elif action == "create":
            success = {
                "201": {
                    "description": "Created.",
                    "headers": {
                        "Location": {
                            "description": "The URL of the new item.",
                            "schema": {"type": "string", "maxLength": 2048},
                        }
                    },
                    "content": {"application/json": {"schema": ref("schemas", shape.name), "example": read_ex}},
                }
            }
        elif action == "get":
            success = {
                "200": {
                    "description": f"The {label}.",
                    "headers": {"ETag": {"description": "The version tag.", "schema": {"type": "string"}}},
                    "content": {"application/json": {"schema": ref("schemas", shape.name), "example": read_ex}},
                },
                "304": {"description": "Not modified (If-None-Match matched the ETag)."},
            }
        elif action == "update":
            success = {
                "200": {
                    "description": "Updated.",
                    "content": {"application/json": {"schema": ref("schemas", shape.name), "example": read_ex}},
                }
            }
        else:
            success = {"204": {"description": "Deleted."}}
        op["responses"] = {**success, **self._errors(action, nested)}
        return op

    # --- document --------------------------------------------------------------------------------

    def health_paths(self) -> dict[str, Any]:
        health = self.bundle.ops.health if self.bundle.ops and self.bundle.ops.health else None
        live, ready = (health.liveness, health.readiness) if health else ("/healthz", "/readyz")
        out = {}
        for path, kind in ((live, "Liveness"), (ready, "Readiness")):
            op_id = _identifier(path)
            responses: dict[str, Any] = {"200": ref("responses", "Health")}
            if kind == "Readiness":
                responses["503"] = ref("responses", "Unavailable")
                self.used_responses.add("Unavailable")
            out[path] = {
                "get": {
                    "operationId": op_id,
                    "tags": ["ops"],
                    "security": [],
                    "summary": f"{kind} probe",
                    "responses": responses,
                }
            }
        public = (
            set(self.bundle.security.authorization.public_operations)
            if self.bundle.security and self.bundle.security.authorization
            else set()
        )
        missing: list[str] = [
            str(p["get"]["operationId"]) for p in out.values() if p["get"]["operationId"] not in public
        ]
        if missing:
            self.notes.append(
                f"probes {', '.join(missing)} are not drafted: security.yaml does not list them in "
                "authorization.public_operations (add them there to document the probes)"
            )
            out = {k: v for k, v in out.items() if v["get"]["operationId"] not in missing}
        return out

    def build(self) -> dict[str, Any]:
        paths: dict[str, Any] = dict(self.health_paths())
        bodies: dict[str, Any] = {}
        entity_schemas: dict[str, Any] = {}
        tags = []
        for name, shape in self.shapes.items():
            ops = self.plan.for_entity(name)
            if not ops:
                continue
            tags.append(shape.segment)
            read, read_ex = self.read_schema(shape)
            entity_schemas[name] = read
            if "create" in ops:
                entity_schemas[f"{name}Create"], bodies[f"{name}Create"] = self.write_schema(shape, update=False)
            if "update" in ops:
                schema, example = self.write_schema(shape, update=True)
                if schema["properties"]:
                    entity_schemas[f"{name}Update"], bodies[f"{name}Update"] = schema, example
                else:
                    self.notes.append(f"{ops['update'].operation_id}: {name} has no writable field; not drafted")
                    del ops["update"]
            if "list" in ops:
                entity_schemas[f"{name}Page"] = {
                    "type": "object",
                    "required": ["items", "next_cursor"],
                    "properties": {
                        "items": {"type": "array", "maxItems": self.conv.max_limit, "items": ref("schemas", name)},
                        "next_cursor": {"type": ["string", "null"], "maxLength": 512},
                    },
                }
            collection = f"{self.conv.prefix}/{shape.segment}"
            if shape.nested and shape.parent_entity in self.shapes and shape.parent_field:
                parent = self.shapes[shape.parent_entity]
                collection = f"{self.conv.prefix}/{parent.segment}/{{{shape.parent_field}}}/{shape.segment}"
                collection_params = [self.path_param(shape.parent_field, parent.name)]
            else:
                collection_params = []
            item = f"{self.conv.prefix}/{shape.segment}/{{{shape.id_param}}}"
            for action in ("list", "create", "get", "update", "delete"):
                if action not in ops:
                    continue
                on_item = action in ("get", "update", "delete")
                path = item if on_item else collection
                node = paths.setdefault(path, {})
                if on_item and "parameters" not in node:
                    node["parameters"] = [self.path_param(shape.id_param, name)]
                elif not on_item and collection_params and "parameters" not in node:
                    node["parameters"] = collection_params
                node[{"list": "get", "create": "post", "get": "get", "update": "patch", "delete": "delete"}[action]] = (
                    self.operation(shape, ops[action], read_ex, bodies)
                )
        techspec = self.bundle.techspec
        title = (techspec.title if techspec else None) or f"{self.bundle.service_name} API"
        info: dict[str, Any] = {"title": title, "version": "1.0.0"}
        if techspec and techspec.description:
            info["description"] = techspec.description
        port = techspec.port.default if techspec and techspec.port and techspec.port.default else 8000
        schemas = {"Error": _error_schema(), **dict(sorted(self.schemas.items())), **entity_schemas}
        responses = {"Health": _health_response()}
        responses.update({n: _error_response(n) for n in ERROR_CODES if n in self.used_responses})
        return {
            "openapi": "3.1.0",
            "info": info,
            "servers": [{"url": f"http://localhost:{port}", "description": "Local development"}],
            "security": [{"bearerAuth": []}],
            "tags": [{"name": t} for t in [*tags, "ops"]],
            "paths": paths,
            "components": {
                "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}},
                "parameters": {**dict(sorted(self.parameters.items())), **self.shared_parameters()},
                "responses": responses,
                "schemas": schemas,
            },
        }


def _identifier(path: str) -> str:
    parts = [p for p in re.split(r"[^A-Za-z0-9]+", path) if p]
    if not parts:
        return "root"
    return parts[0].lower() + "".join(p[:1].upper() + p[1:] for p in parts[1:])


def _error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message", "correlation_id"],
                "properties": {
                    "code": {"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$", "maxLength": 64},
                    "message": {"type": "string", "maxLength": 2000},
                    "correlation_id": {"type": "string", "format": "uuid"},
                    "details": {"type": "object"},
                },
            }
        },
    }


def limit_parameter(max_limit: int, default_limit: int) -> dict[str, Any]:
    """The house page-size parameter: bounded by perf.yaml's maximum."""
    return {
        "name": "limit",
        "in": "query",
        "description": "Page size.",
        "schema": {"type": "integer", "minimum": 1, "maximum": max_limit, "default": default_limit},
    }


def _error_response(name: str) -> dict[str, Any]:
    description, code, message = ERROR_CODES[name]
    out: dict[str, Any] = {"description": description}
    if name == "TooManyRequests":
        out["headers"] = {
            "Retry-After": {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}
        }
    out["content"] = {
        "application/json": {
            "schema": ref("schemas", "Error"),
            "example": {"error": {"code": code, "message": message, "correlation_id": EXAMPLE_CORRELATION}},
        }
    }
    return out


def _health_response() -> dict[str, Any]:
    return {
        "description": "Probe result.",
        "content": {
            "application/json": {
                "schema": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {
                        "status": {"type": "string", "enum": ["ok"]},
                        "checks": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 64}},
                    },
                },
                "example": {"status": "ok", "checks": {"database": "ok"}},
            }
        },
    }


def draft_contract(bundle: Bundle) -> Draft:
    """The drafted document (plain dicts in emission order), the operation plan and the notes."""
    drafter = Drafter(bundle)
    doc = drafter.build()
    return Draft(copy.deepcopy(doc), drafter.plan, drafter.notes)
