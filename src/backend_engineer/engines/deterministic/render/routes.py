"""app/entrypoints/api/routes.py: one FastAPI route per contract operation, and port stubs for the rest."""

from __future__ import annotations

from typing import Any

from backend_engineer.engines.deterministic.ir import (
    EntityIR,
    OperationIR,
    ServiceIR,
    UnmappedOperation,
    path_entities,
    snake,
)
from backend_engineer.engines.deterministic.render.typed import handler_shape, pk_type, service_module


def _filter_check(name: str, schema: dict[str, Any]) -> str:
    if "enum" in schema:
        return f"handlers.query_enum({name!r}, {name}, {tuple(schema['enum'])!r})"
    if schema.get("type") == "integer":
        return f"handlers.query_int({name!r}, {name}, {schema.get('minimum')!r}, {schema.get('maximum')!r})"
    return name


def _signature(params: list[str]) -> str:
    return "(\n    " + ",\n    ".join(params) + ",\n)"


def _id_expr(ent: EntityIR, param: str) -> str:
    return f"handlers.parse_id({param})" if pk_type(ent) == "uuid.UUID" else param


def _route(ir: ServiceIR, o: OperationIR) -> list[str]:
    op = o.op
    ent = ir.entities[o.entity]
    svc = f"{service_module(ent)}_service"
    fn = snake(op.operation_id)
    status = o.success
    params = ["request: Request", f'principal: Annotated[Principal, Depends(guard("{op.operation_id}"))]']
    for name in op.path_params:
        params.append(f"{name}: str")
    if o.body_schema and o.action in ("create", "update"):
        params.append(f"body: schemas.{o.body_schema}")
    body_arg = "body" if o.body_schema else "None"
    data = "body.model_dump(exclude_unset=True)" if o.body_schema else "{}"
    parent_kw = f", {ent.parent_field}=parent_id" if o.parent_param and ent.parent_field else ""
    setup: list[str] = []
    if o.parent_param:
        setup.append(f"parent_id = handlers.parse_id({o.parent_param})")
    if o.id_param:
        setup.append(f"item_id = {_id_expr(ent, o.id_param)}")
    call: str
    if o.action == "list":
        params.append("cursor: Annotated[str | None, Query(max_length=512)] = None")
        params.append("limit: str | None = None")
        for f in o.filters:
            params.append(f"{f.name}: str | None = None")
        filters = ", ".join(f"{f.name}={_filter_check(f.name, f.schema)}" for f in o.filters)
        setup.append(f"filters = {svc}.{ent.name}Filters({filters})")
        call = (
            f"handlers.handle_list(request, principal, {o.entity!r}, lambda uow, ctx, after, size: "
            f"{svc}.list_page(uow, ctx{parent_kw}, filters=filters, after=after, limit=size), cursor=cursor, "
            f"limit=handlers.query_limit(limit))"
        )
    elif o.action == "get":
        call = (
            f"handlers.handle_get(request, principal, {op.operation_id!r}, "
            f"lambda uow, ctx: {svc}.get(uow, ctx, item_id))"
        )
    else:
        params.append('idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None')
        key = "handlers.idempotency_key(idempotency_key)"
        if o.action == "create":
            parent = ", parent_id=parent_id" if o.parent_param else ""
            call = (
                f"handlers.handle_create(request, principal, {op.operation_id!r}, {o.entity!r}, {data}, "
                f"lambda uow, ctx: {svc}.create(uow, ctx, {body_arg}{parent_kw}), {key}{parent}, "
                f"location={_location(o)!r})"
            )
        elif o.action == "update":
            params.append('if_match: Annotated[str | None, Header(alias="If-Match")] = None')
            call = (
                f"handlers.handle_update(request, principal, {op.operation_id!r}, {o.entity!r}, item_id, {data}, "
                f"lambda uow, ctx: {svc}.update(uow, ctx, item_id, {body_arg}, if_match=if_match), {key})"
            )
        else:
            call = (
                f"handlers.handle_delete(request, principal, {op.operation_id!r}, item_id, "
                f"lambda uow, ctx: {svc}.delete(uow, ctx, item_id), {key})"
            )
    decorator = f'@router.{op.method}("{op.path}", operation_id="{op.operation_id}", status_code={status})'
    return [
        decorator,
        f"def {fn}{_signature(params)} -> Response:",
        f'    """{op.raw.get("summary") or op.operation_id}: {o.action} {o.entity}."""',
        *[f"    {line}" for line in setup],
        f"    return {call}",
    ]


def _location(o: OperationIR) -> str:
    """Where the created resource lives: the item path of the same entity."""
    return o.op.extensions.get("x-location", "") or ""


def _custom(ir: ServiceIR, u: UnmappedOperation) -> list[str]:
    op = u.op
    shape = handler_shape(ir, u)
    fn = shape.fn
    params = ["request: Request", f'principal: Annotated[Principal, Depends(guard("{op.operation_id}"))]']
    params += [f"{name}: str" for name in op.path_params]
    body = "None"
    args = ["ctx"]
    setup = []
    if shape.params_class:
        values = ", ".join(
            [f"{n}=handlers.parse_id({n})" if t == "uuid.UUID" else f"{n}={n}" for n, t in shape.params]
            + [f"{q.ident}={q.parse}" for q in shape.query]
        )
        setup.append(f"params = extensions.{shape.params_class}({values})")
        args.append("params")
    if u.body_schema:
        params.append(f"body: schemas.{u.body_schema}")
        body = 'body.model_dump(mode="json", exclude_unset=True)'
        args.append("body")
    if op.is_mutation:
        params.append('idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None')
    params += [f'{q.ident}: Annotated[str | None, Query(alias="{q.name}")] = None' for q in shape.query]
    path_args = (
        "{" + ", ".join([f"{n!r}: {n}" for n in op.path_params] + [f"{q.name!r}: {q.ident}" for q in shape.query]) + "}"
    )
    key = "handlers.idempotency_key(idempotency_key)" if op.is_mutation else "None"
    scoped = path_entities(ir, op.path)
    checks = "(" + "".join(f"({entity!r}, handlers.parse_id({name})), " for name, entity in scoped) + ")"
    return [
        f'@router.{op.method}("{op.path}", operation_id="{op.operation_id}", status_code={shape.status})',
        f"def {fn}{_signature(params)} -> Response:",
        f'    """{op.operation_id}: needs business logic, implemented in app/custom/operations/{fn}.py."""',
        *[f"    {line}" for line in setup],
        "",
        f"    def run(ctx: HookContext) -> {shape.returns}:",
        f"        return custom_{fn}.handle({', '.join(args)})",
        "",
        f"    return handlers.handle_custom(request, principal, {op.operation_id!r}, {shape.status}, run, "
        f'{{"params": {path_args}, "body": {body}}}, {key}' + (f", scoped={checks})" if scoped else ")"),
    ]


def render_routes(ir: ServiceIR, locations: dict[str, str]) -> str:
    blocks = []
    for o in ir.operations:
        block = _route(ir, o)
        if o.action == "create":
            block = [line.replace("location=''", f"location={locations.get(o.entity, '')!r}") for line in block]
        blocks.append("\n".join(block))
    blocks += ["\n".join(_custom(ir, u)) for u in ir.unmapped]
    imports = [
        '"""Routes generated from the contract. Each one authenticates, authorizes and delegates."""',
        "",
        "from __future__ import annotations",
        "",
        "from typing import Annotated",
        "",
        "from fastapi import APIRouter, Depends, Header, Query, Request",
        "from fastapi.responses import Response",
        "",
    ]
    first_party = [
        "from app.entrypoints.api import handlers",
        "from app.entrypoints.api.deps import guard",
        "from app.platform.security import Principal",
    ]
    text = "\n".join(blocks)
    if "schemas." in text:
        first_party.append("from app import schemas")
    if "extensions." in text:
        first_party.append("from app import extensions")
    if "entities." in text:
        first_party.append("from app.domain import entities")
    if ir.unmapped:
        names = "HookContext, Json" if "-> Json:" in text else "HookContext"
        first_party.append(f"from app.service_layer.extension import {names}")
    for ent in ir.entities.values():
        if f"{service_module(ent)}_service." in text:
            first_party.append(f"from app.service_layer import {service_module(ent)} as {service_module(ent)}_service")
    for u in ir.unmapped:
        fn = snake(u.op.operation_id)
        first_party.append(f"from app.custom.operations import {fn} as custom_{fn}")
    imports += [*_isort(first_party), "", "router = APIRouter()", ""]
    text = "\n".join(imports) + "\n\n" + "\n\n\n".join(blocks) + "\n"
    if "Query(" not in "\n".join(blocks):
        text = text.replace("Header, Query, Request", "Header, Request")
    if "Header(" not in "\n".join(blocks):
        text = text.replace("Depends, Header, ", "Depends, ")
    return text


def _isort(lines: list[str]) -> list[str]:
    """Sort ``from x import a`` lines the way ruff's isort does; merge lines of the same module."""
    merged: dict[str, list[str]] = {}
    for line in lines:
        module, _, names = line.removeprefix("from ").partition(" import ")
        merged.setdefault(module, []).append(names)
    out = []
    for module in sorted(merged, key=lambda m: m.lower()):
        ordered = sorted(merged[module], key=lambda n: n.split(" as ")[0].lower())
        out.append(f"from {module} import {', '.join(ordered)}")
    return out


def item_locations(ir: ServiceIR) -> dict[str, str]:
    """The item path per entity, from its get operation, with ``{id}`` in place of the path parameter."""
    out = {}
    for o in ir.operations:
        if o.action == "get" and o.id_param:
            out[o.entity] = o.op.path.replace("{" + o.id_param + "}", "{id}")
    return out
