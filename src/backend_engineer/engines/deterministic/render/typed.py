"""The typed layer of the generated service: per-entity domain models, repositories, services and hooks.

- ``app/domain/entities.py``: one frozen dataclass per entity, its fields typed from datamodel.yaml;
- ``app/service_layer/<entity>.py``: a typed repository and typed use cases that delegate to the
  generic kit (``app.service_layer.services``) and run the entity's hooks;
- ``app/extensions.py``: the hook registries and the typed parameters of "needs business logic"
  handlers; ``app/custom/hooks.py`` and ``app/custom/operations/*.py`` are the user's side.
"""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from typing import Any

from backend_engineer.engines.deterministic.ir import (
    EntityIR,
    OperationIR,
    ServiceIR,
    UnmappedOperation,
    path_entities,
    snake,
)
from backend_engineer.engines.deterministic.render.tables import entity_table
from backend_engineer.spec.models import FieldSpec, ItemSpec

RESERVED_MODULES = frozenset({"services", "ports", "extension", "representation"})
SCALARS = {
    "uuid": "uuid.UUID",
    "string": "str",
    "text": "str",
    "email": "str",
    "url": "str",
    "integer": "int",
    "number": "float",
    "decimal": "decimal.Decimal",
    "boolean": "bool",
    "datetime": "dt.datetime",
    "date": "dt.date",
    "json": "Json",
}


def service_module(ent: EntityIR) -> str:
    """The typed service module of an entity, ``app.service_layer.<name>``."""
    name = snake(ent.name)
    return f"{name}_entity" if name in RESERVED_MODULES else name


def hooks_name(ent: EntityIR) -> str:
    """The entity's hook registry in ``app.extensions``."""
    return snake(ent.name)


def field_type(spec: FieldSpec | ItemSpec) -> str:
    if spec.type == "enum" and spec.values:
        return f"Literal[{', '.join(repr(v) for v in spec.values)}]"
    if spec.type == "enum":
        return "str"
    if spec.type == "array":
        items = spec.items if isinstance(spec, FieldSpec) else None
        return f"list[{field_type(items)}]" if items else "list[Json]"
    return SCALARS.get(spec.type, "Json")


def columns(ir: ServiceIR, ent: EntityIR) -> list[tuple[str, str, bool]]:
    """(name, annotation, nullable) for every column of the entity's table, in table order."""
    out = []
    for col in entity_table(ir, ent).columns:
        if col.name in ent.fields:
            annotation = field_type(ent.fields[col.name])
        elif col.name == "tenant_id":
            annotation = "str"
        else:
            annotation = "uuid.UUID"
        out.append((col.name, annotation, col.nullable and not col.primary_key))
    return out


def _std_imports(text: str) -> list[str]:
    out = []
    if "dt." in text:
        out.append("import datetime as dt")
    if "decimal." in text:
        out.append("import decimal")
    if "uuid." in text:
        out.append("import uuid")
    return out


def render_entities(ir: ServiceIR) -> str:
    classes = []
    for ent in ir.entities.values():
        cols = columns(ir, ent)
        body = [
            "@dataclass(frozen=True, kw_only=True)",
            f"class {ent.name}(DomainModel):",
            f'    """{(ent.spec.description or ent.name).strip().rstrip(".")} (table ``{ent.table}``)."""',
            "",
            f"    ENTITY: ClassVar[str] = {ent.name!r}",
            f"    FIELDS: ClassVar[tuple[str, ...]] = ({', '.join(repr(c[0]) for c in cols)},)",
            "",
        ]
        for name, annotation, nullable in cols:
            body.append(f"    {name}: {annotation} | None" if nullable else f"    {name}: {annotation}")
        classes.append("\n".join(body))
    text = "\n\n\n".join(classes)
    typing_names = ["ClassVar"] + (["Literal"] if "Literal[" in text else [])
    header = [
        '"""Typed domain models, one per entity of datamodel.yaml. Regenerated on every build."""',
        "",
        "from __future__ import annotations",
        "",
        *_std_imports(text),
        "from dataclasses import dataclass",
        f"from typing import {', '.join(typing_names)}",
        "",
        "from app.domain.base import DomainModel",
    ]
    if "Json" in text:
        header.append("from app.service_layer.extension import Json")
    return "\n".join(header) + "\n\n\n" + text + "\n"


def _ops(ir: ServiceIR, ent: EntityIR, action: str) -> list[OperationIR]:
    return [o for o in ir.operations if o.entity == ent.name and o.action == action]


def request_type(ir: ServiceIR, ent: EntityIR, action: str) -> str | None:
    """The request type a typed create/update takes: the union of its operations' body models."""
    ops = _ops(ir, ent, action)
    if not ops:
        return None
    names = sorted({f"schemas.{o.body_schema}" for o in ops if o.body_schema})
    if any(o.body_schema is None for o in ops):
        names.append("None")
    return " | ".join(names)


def filter_fields(ir: ServiceIR, ent: EntityIR) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for o in _ops(ir, ent, "list"):
        for f in o.filters:
            seen.setdefault(f.name, "int" if f.schema.get("type") == "integer" else "str")
    return list(seen.items())


def pk_type(ent: EntityIR) -> str:
    return field_type(ent.fields[ent.pk]) if ent.pk in ent.fields else "uuid.UUID"


def _order_type(ir: ServiceIR, ent: EntityIR) -> str:
    field = ent.created_field or ent.pk
    return next((a for n, a, _ in columns(ir, ent) if n == field), "uuid.UUID")


def render_entity_service(ir: ServiceIR, ent: EntityIR) -> str:
    name, var, hooks = ent.name, snake(ent.name), hooks_name(ent)
    pk, key = pk_type(ent), f"{var}_id"
    filters = filter_fields(ir, ent)
    parent = ent.parent_field
    create_t, update_t = request_type(ir, ent, "create"), request_type(ir, ent, "update")
    after_t = f"tuple[{_order_type(ir, ent)}, {pk}] | None"
    lines = [
        f'"""Typed use cases for {name}: the generic kit does the work, the hooks in app.extensions run around it.',
        "",
        "Regenerated on every build; put rules in app/custom/hooks.py (see EXTENSIONS.md).",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "__IMPORTS__",
        "",
        "from app import extensions",
        "from app.domain import entities",
        "from app.service_layer import services",
        "from app.service_layer.extension import HookContext",
        "from app.service_layer.ports import Record, UnitOfWork",
        "from app.service_layer.representation import etag_of",
        "from app.service_layer.services import Context, Page",
        "__SCHEMAS__",
        "",
        f"ENTITY = {name!r}",
        f"hooks = extensions.{hooks}",
        "",
        "",
        "@dataclass(frozen=True, kw_only=True)",
        f"class {name}Filters:",
        f'    """The list filters of {name} the contract declares (``None``: not filtered)."""',
        "",
    ]
    lines += [f"    {f}: {t} | None = None" for f, t in filters]
    lines += [
        *([""] if filters else []),
        "    def as_query(self) -> dict[str, object]:",
        "        return {k: v for k, v in vars(self).items() if v is not None}",
        "",
        "",
        f"def _model(record: Record) -> entities.{name}:",
        f"    values: Record = {{field: record.get(field) for field in entities.{name}.FIELDS}}",
        f"    return entities.{name}(**values)",
        "",
        "",
        "def _hook_context(uow: UnitOfWork, ctx: Context) -> HookContext:",
        "    return HookContext(ctx.tenant_id, ctx.subject, ctx.roles, uow)",
        "",
        "",
        f"class {name}Repository:",
        f'    """Typed, tenant-scoped access to {ent.table} through the unit of work."""',
        "",
        "    def __init__(self, uow: UnitOfWork, tenant_id: str) -> None:",
        "        self._records = uow.records",
        "        self._tenant_id = tenant_id",
        "",
        f"    def get(self, {key}: {pk}) -> entities.{name} | None:",
        f"        record = self._records.get(ENTITY, self._tenant_id, {key})",
        "        return _model(record) if record is not None else None",
        "",
        f"    def exists(self, {key}: {pk}) -> bool:",
        f"        return self._records.exists(ENTITY, self._tenant_id, {key})",
        "",
        "    def find(",
        "        self,",
        f"        filters: {name}Filters | None = None,",
        "        *,",
    ]
    if parent:
        lines.append(f"        {parent}: uuid.UUID | None = None,")
    lines += [
        f"        after: {after_t} = None,",
        "        limit: int = 50,",
        f"    ) -> list[entities.{name}]:",
        '        """Rows in (creation, id) order, optionally after a position."""',
        "        query: dict[str, object] = filters.as_query() if filters is not None else {}",
    ]
    if parent:
        lines += [f"        if {parent} is not None:", f"            query[{parent!r}] = {parent}"]
    lines += [
        "        return [_model(r) for r in self._records.list(ENTITY, self._tenant_id, query, after, limit)]",
        "",
        f"    def add(self, {var}: entities.{name}) -> None:",
        f"        self._records.add(ENTITY, {var}.as_record())",
        "",
        f"    def save(self, {var}: entities.{name}, *, expected_version: int | None = None) -> bool:",
        '        """Write every column but the key; ``False`` when the row is gone or its version moved on."""',
        f"        values = {{k: v for k, v in {var}.as_record().items() if k not in ({ent.pk!r}, 'tenant_id')}}",
        f"        return self._records.update(ENTITY, self._tenant_id, {var}.{ent.pk}, values, expected_version)",
        "",
        f"    def remove(self, {key}: {pk}) -> bool:",
        f"        return self._records.delete(ENTITY, self._tenant_id, {key})",
        "",
        "",
        "def list_page(",
        "    uow: UnitOfWork,",
        "    ctx: Context,",
        "    *,",
    ]
    if parent:
        lines.append(f"    {parent}: uuid.UUID,")
    lines += [
        f"    filters: {name}Filters | None = None,",
        f"    after: {after_t} = None,",
        "    limit: int = 50,",
        f") -> Page[entities.{name}]:",
        "    query = filters.as_query() if filters is not None else {}",
        "    page = services.list_items(",
        "        uow, ctx, ENTITY"
        + (f", parent_id={parent}" if parent else "")
        + ", filters=query, after=after, limit=limit",
        "    )",
        "    return Page([_model(r) for r in page.items], page.next_after)",
        "",
        "",
        f"def get(uow: UnitOfWork, ctx: Context, {key}: {pk}) -> entities.{name}:",
        f"    return _model(services.get_item(uow, ctx, ENTITY, {key}))",
        "",
        "",
    ]
    if create_t:
        parent_arg = f", *, {parent}: uuid.UUID" if parent else ""
        dump = "data.model_dump(exclude_unset=True)"
        if create_t.endswith("None"):
            dump = "data.model_dump(exclude_unset=True) if data is not None else {}"
        if create_t == "None":
            dump = "{}"
        lines += [
            f"def create(uow: UnitOfWork, ctx: Context, data: {create_t}{parent_arg}) -> entities.{name}:",
            "    hook_ctx = _hook_context(uow, ctx)",
            "    data = hooks.run_before_create(hook_ctx, data)",
            "    record = services.create_item(",
            "        uow,",
            "        ctx,",
            "        ENTITY,",
            f"        {dump},",
            *([f"        parent_id={parent},"] if parent else []),
            "        check=lambda r: hooks.run_validators(hook_ctx, _model(r)),",
            "    )",
            "    created = _model(record)",
            "    hooks.run_after_create(hook_ctx, created)",
            "    return created",
            "",
            "",
        ]
    if update_t:
        dump = "hooks.run_before_update(hook_ctx, old, changes).model_dump(exclude_unset=True)"
        if update_t.endswith("None"):
            dump = (
                "(lambda c: c.model_dump(exclude_unset=True) if c is not None else {})("
                "hooks.run_before_update(hook_ctx, old, changes))"
            )
        if update_t == "None":
            dump = "{}"
        lines += [
            "def update(",
            "    uow: UnitOfWork,",
            "    ctx: Context,",
            f"    {key}: {pk},",
            f"    changes: {update_t},",
            "    *,",
            "    if_match: str | None = None,",
            f") -> entities.{name}:",
            '    """Apply the changes; ``if_match`` (an ETag) refuses the update when the row moved on."""',
            "    hook_ctx = _hook_context(uow, ctx)",
            f"    before: list[entities.{name}] = []",
            "",
            "    def prepare(current: Record) -> Record:",
            "        old = _model(current)",
            "        before.append(old)",
            f"        return {dump}",
            "",
            "    record = services.update_item(",
            "        uow,",
            "        ctx,",
            "        ENTITY,",
            f"        {key},",
            "        prepare,",
            "        if_match=if_match,",
            "        etag_of=etag_of,",
            "        check=lambda r: hooks.run_validators(hook_ctx, _model(r)),",
            "    )",
            "    updated = _model(record)",
            "    hooks.run_after_update(hook_ctx, before[0], updated)",
            "    return updated",
            "",
            "",
        ]
    lines += [
        f"def delete(uow: UnitOfWork, ctx: Context, {key}: {pk}) -> entities.{name}:",
        "    hook_ctx = _hook_context(uow, ctx)",
        "    record = services.delete_item(",
        f"        uow, ctx, ENTITY, {key}, check=lambda r: hooks.run_before_delete(hook_ctx, _model(r))",
        "    )",
        "    deleted = _model(record)",
        "    hooks.run_after_delete(hook_ctx, deleted)",
        "    return deleted",
    ]
    text = "\n".join(lines) + "\n"
    std = _std_imports(text.replace("__IMPORTS__", ""))
    std.append("from dataclasses import dataclass")
    text = text.replace("__IMPORTS__", "\n".join(std))
    if "etag_of=" not in text:
        text = text.replace("from app.service_layer.representation import etag_of\n", "")
    schemas = "from app import schemas" if "schemas." in text else ""
    return text.replace("__SCHEMAS__\n", schemas + "\n" if schemas else "")


ROUTE_NAMES = frozenset({"request", "principal", "body", "idempotency_key", "params", "run", "ctx"})


@dataclass(frozen=True)
class QueryField:
    """A query parameter of a handler: its Python name, its name on the wire, its type and how it is parsed."""

    ident: str
    name: str
    annotation: str
    parse: str


def _ident(name: str) -> str:
    ident = re.sub(r"\W", "_", name)
    if not ident or ident[0].isdigit():
        ident = f"p_{ident}"
    return f"{ident}_" if keyword.iskeyword(ident) or ident in ROUTE_NAMES else ident


def _query_fields(ir: ServiceIR, u: UnmappedOperation) -> tuple[QueryField, ...]:
    out = []
    for p in u.op.parameters:
        if p.get("in") != "query" or not isinstance(p.get("name"), str):
            continue
        name = p["name"]
        ident = _ident(name)
        schema = ir.api.resolve(p.get("schema") or {})
        schema = schema if isinstance(schema, dict) else {}
        if "enum" in schema:
            parse = f"handlers.query_enum({name!r}, {ident}, {tuple(str(v) for v in schema['enum'])!r})"
            out.append(QueryField(ident, name, "str", parse))
        elif schema.get("type") == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            out.append(QueryField(ident, name, "int", f"handlers.query_int({name!r}, {ident}, {low!r}, {high!r})"))
        else:
            out.append(QueryField(ident, name, "str", ident))
    return tuple(out)


@dataclass(frozen=True)
class HandlerShape:
    """The typed signature of a "needs business logic" handler."""

    op: UnmappedOperation
    fn: str
    params_class: str | None
    params: tuple[tuple[str, str], ...]
    query: tuple[QueryField, ...]
    body: str | None
    returns: str
    status: int
    response_schema: str | None


def _success(u: UnmappedOperation) -> tuple[int, Any]:
    responses = u.op.raw.get("responses") or {}
    for code in sorted(str(c) for c in responses):
        if code.startswith("2") and code.isdigit():
            return int(code), code
    return 200, None


def handler_shape(ir: ServiceIR, u: UnmappedOperation) -> HandlerShape:
    api = ir.api
    fn = snake(u.op.operation_id)
    params = []
    for name in u.op.path_params:
        p = u.op.parameter(name, "path") or {}
        schema = api.resolve(p.get("schema") or {})
        params.append((name, "uuid.UUID" if isinstance(schema, dict) and schema.get("format") == "uuid" else "str"))
    status, code = _success(u)
    schema = api.response_schema(u.op, code) if code else None
    response_schema = None
    if status == 204 or schema is None:
        returns = "None"
    else:
        ref = api.ref_name(schema)
        resolved = api.resolve(schema)
        if ref and ref in ir.entities:
            returns = f"entities.{ref}"
        elif ref and isinstance(resolved, dict) and resolved.get("type") == "object" and resolved.get("properties"):
            returns, response_schema = f"schemas.{ref}", ref
        else:
            returns = "Json"
    pascal = u.op.operation_id[:1].upper() + u.op.operation_id[1:]
    query = _query_fields(ir, u)
    return HandlerShape(
        u,
        fn,
        f"{pascal}Params" if params or query else None,
        tuple(params),
        query,
        f"schemas.{u.body_schema}" if u.body_schema else None,
        returns,
        status,
        response_schema,
    )


def handler_signature(shape: HandlerShape) -> str:
    args = ["ctx: HookContext"]
    if shape.params_class:
        args.append(f"params: extensions.{shape.params_class}")
    if shape.body:
        args.append(f"body: {shape.body}")
    return f"def handle({', '.join(args)}) -> {shape.returns}:"


def response_schemas(ir: ServiceIR) -> set[str]:
    """Component schemas the handlers return, rendered as response models in app/schemas.py."""
    return {s.response_schema for s in (handler_shape(ir, u) for u in ir.unmapped) if s.response_schema}


def render_extensions(ir: ServiceIR) -> str:
    lines = [
        '"""The typed extension API of this service. Regenerated on every build; do not edit.',
        "",
        "Register hooks from app/custom/hooks.py, for example::",
        "",
    ]
    first = next(iter(ir.entities.values()), None)
    if first is not None:
        lines += [
            f"    @extensions.{hooks_name(first)}.validator",
            f"    def check(ctx: HookContext, {snake(first.name)}: entities.{first.name}) -> None: ...",
            "",
        ]
    lines += [
        "Handlers for operations that need business logic live in app/custom/operations/ and take the",
        "parameter classes below. EXTENSIONS.md lists every hook and handler signature.",
        '"""',
        "",
        "from __future__ import annotations",
        "",
        "__IMPORTS__",
        "",
        "from app.domain import entities",
        "from app.service_layer.extension import EntityHooks",
        "__SCHEMAS__",
        "",
    ]
    for ent in ir.entities.values():
        create = request_type(ir, ent, "create") or "None"
        update = request_type(ir, ent, "update") or "None"
        lines.append(
            f"{hooks_name(ent)}: EntityHooks[entities.{ent.name}, {create}, {update}] = EntityHooks({ent.name!r})"
        )
    for u in ir.unmapped:
        shape = handler_shape(ir, u)
        if shape.params_class:
            lines += [
                "",
                "",
                "@dataclass(frozen=True)",
                f"class {shape.params_class}:",
                f'    """Parameters of {u.op.operation_id} ({u.op.method.upper()} {u.op.path}); absent query '
                'parameters are None."""',
                "",
                *[f"    {n}: {t}" for n, t in shape.params],
                *[f"    {q.ident}: {q.annotation} | None = None" for q in shape.query],
            ]
    lines += [
        "",
        "",
        "def load_custom_hooks() -> None:",
        '    """Import app/custom/hooks.py so its decorators register (done once, when this module loads)."""',
        '    if importlib.util.find_spec("app.custom.hooks") is not None:',
        '        importlib.import_module("app.custom.hooks")',
        "",
        "",
        "load_custom_hooks()",
    ]
    text = "\n".join(lines) + "\n"
    std = ["import importlib", "import importlib.util", *_std_imports(text.replace("__IMPORTS__", ""))]
    if "@dataclass" in text:
        std.append("from dataclasses import dataclass")
    text = text.replace("__IMPORTS__", "\n".join(std))
    if "etag_of=" not in text:
        text = text.replace("from app.service_layer.representation import etag_of\n", "")
    return text.replace("__SCHEMAS__\n", "from app import schemas\n" if "schemas." in text else "")


def render_hooks_stub(ir: ServiceIR) -> str:
    first = next(iter(ir.entities.values()), None)
    example = []
    if first is not None:
        var = snake(first.name)
        example = [
            "",
            "Example::",
            "",
            "    from app import extensions",
            "    from app.domain import entities",
            "    from app.platform.errors import ValidationFailed",
            "    from app.service_layer.extension import HookContext",
            "",
            f"    @extensions.{hooks_name(first)}.validator",
            f"    def my_rule(ctx: HookContext, {var}: entities.{first.name}) -> None:",
            "        if ...:",
            f'            raise ValidationFailed("this {first.name} breaks our rule")',
        ]
    return "\n".join(
        [
            '"""Your business rules. This file is yours: the generator creates it once and never overwrites it.',
            "",
            "Register typed hooks on the registries in ``app.extensions`` (one per entity): ``before_create``,",
            "``after_create``, ``before_update``, ``after_update``, ``before_delete``, ``after_delete`` and",
            "``validator``. EXTENSIONS.md lists each one's exact signature for this service.",
            *example,
            '"""',
            "",
            "from __future__ import annotations",
            "",
        ]
    )


def _merge_app_imports(imports: list[str]) -> list[str]:
    names = sorted(i.split(" import ")[1] for i in imports if i.startswith("from app import "))
    rest = [i for i in imports if not i.startswith("from app import ")]
    merged = [f"from app import {', '.join(names)}"] if names else []
    return sorted(merged + rest, key=lambda i: i.split(" import ")[0])


def render_operation_stub(ir: ServiceIR, u: UnmappedOperation) -> str:
    shape = handler_shape(ir, u)
    op = u.op
    sig = handler_signature(shape)
    extension_names = "HookContext, Json" if "Json" in sig else "HookContext"
    imports = [
        "from app.platform.errors import NotImplementedYet",
        f"from app.service_layer.extension import {extension_names}",
    ]
    if "extensions." in sig:
        imports.append("from app import extensions")
    if "schemas." in sig:
        imports.append("from app import schemas")
    if "entities." in sig:
        imports.append("from app.domain import entities")
    imports = _merge_app_imports(imports)
    answer = "no body" if shape.returns == "None" else shape.returns
    return "\n".join(
        [
            f'"""{op.operation_id} ({op.method.upper()} {op.path}): business logic the generator could not derive.',
            "",
            "Implement ``handle``. It runs inside the request's unit of work (``ctx.uow``; use the typed",
            "repositories and services in app.service_layer), after authentication, the permission check and",
            f"(for mutations) Idempotency-Key handling. Return {answer}: the route answers {shape.status} with it.",
            "Raise errors from ``app.platform.errors`` for 4xx answers. Until implemented, the route answers 501",
            f"NOT_IMPLEMENTED and tests/custom/test_{shape.fn}.py fails.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            *sorted(imports, key=str.lower),
            "",
            "",
            sig,
            f'    raise NotImplementedYet("{op.operation_id} needs business logic: implement app/custom/operations/'
            f'{shape.fn}.py")',
            "",
        ]
    )


def render_operation_test(ir: ServiceIR, u: UnmappedOperation) -> str:
    from backend_engineer.engines.deterministic.render.service_tests import _body, sample

    shape = handler_shape(ir, u)
    op = u.op
    path = op.path
    creatable = {o.entity for o in ir.operations if o.action == "create"}
    rows = {name: entity for name, entity in path_entities(ir, path) if entity in creatable}
    var = {name: name.removesuffix("_id") if name.endswith("_id") else f"{name}_row" for name in rows}
    setup = [f"    {var[name]} = create(client, auth, {entity!r})" for name, entity in rows.items()]
    for name, annotation in shape.params:
        if name in rows:
            value = "{" + f"{var[name]}[{ir.entities[rows[name]].pk!r}]" + "}"
        else:
            value = "00000000-0000-4000-8000-000000000000" if annotation == "uuid.UUID" else "sample"
        path = path.replace("{" + name + "}", value)
    path_literal = f"f{path!r}" if rows else repr(path)
    body = ""
    schema = ir.api.request_schema(op)
    if u.body_schema:
        body = f", json={_body(ir.api, u.body_schema, True)!r}"
    elif schema is not None:
        body = f", json={sample(ir.api, schema)!r}"
    key = "key=new_key()" if op.is_mutation else ""
    returns = "no body" if shape.returns == "None" else shape.returns.split(".")[-1]
    return "\n".join(
        [
            f'"""{op.operation_id} needs business logic: this test fails until it is implemented.',
            "",
            f"Implement ``handle`` in app/custom/operations/{shape.fn}.py (EXTENSIONS.md has its signature), then",
            "add tests of the operation's rules next to it (keep this one: it is the goal). This file is yours.",
            '"""',
            "",
            "from __future__ import annotations",
            "",
            "from fastapi.testclient import TestClient",
            "",
            "from tests.conftest import Auth" + (", new_key" if key else ""),
            *(["from tests.support import create"] if rows else []),
            "",
            "",
            f"def test_{shape.fn}_is_implemented(client: TestClient, auth: Auth) -> None:",
            *setup,
            f"    path = {path_literal}",
            f"    response = client.{op.method}(path{body}, headers=auth({key}))",
            "    assert response.status_code != 501, (",
            f'        "{op.operation_id} ({op.method.upper()} {op.path}) is not implemented yet: implement handle() in "',
            f'        "app/custom/operations/{shape.fn}.py; the contract answers {shape.status} with {returns}"',
            "    )",
            "",
        ]
    )


def render_hook_tests(ir: ServiceIR) -> str:
    """tests/test_hooks.py: the typed hooks run around every entity's typed use cases, and can refuse."""
    creatable: dict[str, OperationIR] = {}
    for ent in ir.entities.values():
        op = next((o for o in _ops(ir, ent, "create") if o.body_schema), None)
        if op is not None:
            creatable[ent.name] = op

    def ready(name: str, seen: frozenset[str] = frozenset()) -> bool:
        ent = ir.entities[name]
        if name not in creatable or name in seen:
            return False
        return ent.parent_entity is None or ready(ent.parent_entity, seen | {name})

    names = [n for n in ir.entities if ready(n)]
    header = [
        '"""The typed hooks in app.extensions run around each entity\'s typed use cases, in order, and can refuse."""',
        "",
        "from __future__ import annotations",
        "",
        "import pytest",
        "",
        "from app import extensions, schemas",
        "from app.domain import entities",
        "from app.platform.errors import ValidationFailed",
        "from app.service_layer.extension import HookContext",
        "from app.service_layer.services import Context",
        "from tests.cases import CASES",
        "from tests.fakes import MemoryUnitOfWork",
        "from tests.support import body_for",
        "__SERVICES__",
        "",
        'CTX = Context("tenant-a", "alice", ("admin",))',
    ]
    blocks = []
    modules = set()
    for name in names:
        ent = ir.entities[name]
        var, svc = snake(name), f"{service_module(ent)}_service"
        modules.add(service_module(ent))
        op = creatable[name]
        parent = ""
        if ent.parent_entity and ent.parent_field:
            parent = f", {ent.parent_field}=_make_{snake(ent.parent_entity)}(uow).{ir.entities[ent.parent_entity].pk}"
        blocks.append(
            "\n".join(
                [
                    f"def _make_{var}(uow: MemoryUnitOfWork) -> entities.{name}:",
                    f"    data = schemas.{op.body_schema}.model_validate(body_for({name!r}))",
                    f"    return {svc}.create(uow, CTX, data{parent})",
                ]
            )
        )
    for name in names:
        ent = ir.entities[name]
        var, svc, reg = snake(name), f"{service_module(ent)}_service", hooks_name(ent)
        create_t = request_type(ir, ent, "create")
        update_ops = [o for o in _ops(ir, ent, "update") if o.body_schema]
        update_t = request_type(ir, ent, "update")
        lines = [
            f"def test_{var}_hooks_run_around_the_typed_use_cases() -> None:",
            "    calls: list[str] = []",
            "    uow = MemoryUnitOfWork()",
            f"    with extensions.{reg}.scoped() as hooks:",
            "",
            "        @hooks.before_create",
            f"        def before_create(ctx: HookContext, data: {create_t}) -> {create_t}:",
            "            assert ctx.tenant_id == CTX.tenant_id and ctx.uow is uow",
            '            calls.append("before_create")',
            "            return data",
            "",
            "        @hooks.validator",
            f"        def validator(ctx: HookContext, {var}: entities.{name}) -> None:",
            '            calls.append("validator")',
            "",
            "        @hooks.after_create",
            f"        def after_create(ctx: HookContext, {var}: entities.{name}) -> None:",
            '            calls.append("after_create")',
            "",
            "        @hooks.before_delete",
            f"        def before_delete(ctx: HookContext, {var}: entities.{name}) -> None:",
            '            calls.append("before_delete")',
            "",
            "        @hooks.after_delete",
            f"        def after_delete(ctx: HookContext, {var}: entities.{name}) -> None:",
            '            calls.append("after_delete")',
            "",
        ]
        if update_ops and update_t:
            lines += [
                "        @hooks.before_update",
                f"        def before_update(ctx: HookContext, current: entities.{name}, changes: {update_t}) -> "
                f"{update_t}:",
                '            calls.append("before_update")',
                "            return changes",
                "",
                "        @hooks.after_update",
                f"        def after_update(ctx: HookContext, before: entities.{name}, after: entities.{name}) -> None:",
                '            calls.append("after_update")',
                "",
            ]
        lines += [
            "        with uow:",
            f"            created = _make_{var}(uow)",
            '            assert calls == ["before_create", "validator", "after_create"]',
        ]
        if update_ops and update_t:
            lines += [
                f"            changes = schemas.{update_ops[0].body_schema}.model_validate("
                f"CASES[{name!r}]['update']['body'])",
                f"            {svc}.update(uow, CTX, created.{ent.pk}, changes)",
                '            assert calls[3:] == ["before_update", "validator", "after_update"]',
            ]
        lines += [
            f"            {svc}.delete(uow, CTX, created.{ent.pk})",
            '            assert calls[-2:] == ["before_delete", "after_delete"]',
            "            uow.commit()",
            "",
            "",
            f"def test_a_{var}_validator_refuses_the_change_and_nothing_is_written() -> None:",
            "    uow = MemoryUnitOfWork()",
            f"    with extensions.{reg}.scoped() as hooks:",
            "",
            "        @hooks.validator",
            f"        def refuse(ctx: HookContext, {var}: entities.{name}) -> None:",
            f'            raise ValidationFailed("{name} refused by a rule")',
            "",
            "        with uow, pytest.raises(ValidationFailed):",
            f"            _make_{var}(uow)",
            "            uow.commit()",
            f"    assert {svc}.{name}Repository(uow, CTX.tenant_id).find() == []",
        ]
        blocks.append("\n".join(lines))
    if not names:
        return ""
    services = "\n".join(sorted(f"from app.service_layer import {m} as {m}_service" for m in modules))
    text = "\n".join(header).replace("__SERVICES__", services) + "\n\n\n" + "\n\n\n".join(blocks) + "\n"
    if "CASES[" not in "\n\n".join(blocks):
        text = text.replace("from tests.cases import CASES\n", "")
    return text
