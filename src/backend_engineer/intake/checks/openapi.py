"""APIContract: what the company conventions demand of every operation."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import item
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle
from backend_engineer.spec.openapi import ApiContract, Operation

F = "openapi.yaml"


def is_list_operation(api: ApiContract, op: Operation) -> bool:
    """A GET that returns a collection: x-action list, a top-level array, or a page object."""
    if op.method != "get":
        return False
    if op.extensions.get("x-action") == "list":
        return True
    schema = api.resolve(api.response_schema(op, "200"))
    if not isinstance(schema, dict):
        return False
    if schema.get("type") == "array":
        return True
    items = api.resolve((schema.get("properties") or {}).get("items"))
    return isinstance(items, dict) and items.get("type") == "array"


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    api = bundle.api
    if api is None:
        return
    api_conv = bundle.company.api if bundle.company else None
    wants_idempotency = api_conv is None or api_conv.idempotency in (None, "header")
    wants_cursor = api_conv is None or api_conv.pagination in (None, "cursor")
    entities = set(bundle.datamodel.entities) if bundle.datamodel else set()
    seen: dict[str, Operation] = {}
    for op in api.operations:
        where = op.pointer
        if "operationId" not in op.raw:
            yield item(
                bundle,
                F,
                where,
                "missing",
                f"{op.method.upper()} {op.path} has no operationId",
                [f"add `operationId: {op.operation_id}`"],
            )
        if op.operation_id in seen:
            yield item(
                bundle,
                F,
                (*where, "operationId"),
                "contradictory",
                f"operationId `{op.operation_id}` is used twice",
                ["make operationIds unique"],
            )
        seen[op.operation_id] = op
        if wants_idempotency and op.is_mutation and op.parameter("Idempotency-Key", "header") is None:
            yield item(
                bundle,
                F,
                where,
                "missing",
                f"`{op.operation_id}` is a mutating operation without an Idempotency-Key parameter",
                ["add `- {$ref: '#/components/parameters/IdempotencyKey'}` (a required header, 8-128 chars)"],
            )
        if wants_cursor and is_list_operation(api, op):
            missing = [p for p in ("cursor", "limit") if op.parameter(p, "query") is None]
            if missing:
                yield item(
                    bundle,
                    F,
                    where,
                    "missing",
                    f"`{op.operation_id}` has no pagination parameters ({', '.join(missing)})",
                    [
                        "add `cursor` (opaque string) and `limit` (integer, minimum 1, bounded maximum) "
                        "query parameters and return `{items, next_cursor}`"
                    ],
                )
        x_entity = op.extensions.get("x-entity")
        if x_entity is not None and entities and x_entity not in entities:
            yield item(
                bundle,
                F,
                (*where, "x-entity"),
                "contradictory",
                f"`{op.operation_id}` maps to entity `{x_entity}`, which datamodel.yaml does not define",
                [f"use one of: {', '.join(sorted(entities))}"],
            )
    yield from _limits(bundle)


def _limits(bundle: Bundle) -> Iterator[IntakeItem]:
    api, perf = bundle.api, bundle.perf
    if api is None or perf is None or perf.pagination is None:
        return
    for op in api.operations:
        limit = op.parameter("limit", "query")
        schema = api.resolve(limit.get("schema")) if limit else None
        if not isinstance(schema, dict):
            continue
        maximum = schema.get("maximum")
        if isinstance(maximum, int) and maximum != perf.pagination.max_limit:
            yield item(
                bundle,
                F,
                op.pointer,
                "contradictory",
                f"`{op.operation_id}` allows limit up to {maximum} but perf.yaml pagination.max_limit "
                f"is {perf.pagination.max_limit}",
                ["make the two maxima equal"],
            )
