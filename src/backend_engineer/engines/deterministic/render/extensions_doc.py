"""EXTENSIONS.md of a generated service: its typed extension API, named for its own entities and handlers."""

from __future__ import annotations

from backend_engineer.engines.deterministic.ir import ServiceIR, snake
from backend_engineer.engines.deterministic.render.typed import (
    handler_shape,
    handler_signature,
    hooks_name,
    request_type,
    service_module,
)


def _hooks_table(ir: ServiceIR) -> list[str]:
    lines = [
        "| entity | registry | domain model | create request | update request | typed services |",
        "|---|---|---|---|---|---|",
    ]
    for ent in ir.entities.values():
        create = request_type(ir, ent, "create") or "—"
        update = request_type(ir, ent, "update") or "—"
        services = ["list_page", "get"] + (["create"] if create != "—" else []) + (["update"] if update != "—" else [])
        lines.append(
            f"| {ent.name} | `extensions.{hooks_name(ent)}` | `entities.{ent.name}` | `{create}` | `{update}` | "
            f"`app.service_layer.{service_module(ent)}`: {', '.join([*services, 'delete'])}, "
            f"`{ent.name}Repository` |"
        )
    return lines


def render_extensions_doc(ir: ServiceIR) -> str:
    service = ir.bundle.techspec.service if ir.bundle.techspec and ir.bundle.techspec.service else "this service"
    first = next(iter(ir.entities.values()), None)
    lines = [
        f"# Extending {service}",
        "",
        "backend-engineer regenerates every file listed in `.backend-engineer/manifest.json` (each starts with",
        'a "generated" header) and refuses to overwrite one you edited. Your code goes under `app/custom/` and',
        "`tests/custom/`: created once, never overwritten, kept across regenerations and schema evolutions.",
        "Everything below is typed: `mypy --strict` (configured in pyproject.toml) checks your rules against",
        "the generated models, so a renamed field or a removed entity fails the type check, not a request.",
        "",
        "## The typed layer",
        "",
        "- `app/domain/entities.py`: one frozen dataclass per entity (`DomainModel`), fields typed from",
        "  datamodel.yaml; `dataclasses.replace` makes a changed copy.",
        "- `app/schemas.py`: the contract's request (and handler response) models, Pydantic v2, unknown fields",
        "  rejected.",
        "- `app/service_layer/<entity>.py`: `<Entity>Repository(uow, tenant_id)` (`get`, `exists`, `find`,",
        "  `add`, `save`, `remove`) and the typed use cases the routes call (`list_page`, `get`, `create`,",
        "  `update`, `delete`). They delegate to the generic kit in `app/service_layer/services.py` and run",
        "  your hooks.",
        "- `app/extensions.py`: one hook registry per entity, and the typed path parameters of the handlers.",
        "",
        *_hooks_table(ir),
        "",
        "## Hooks",
        "",
        "Register functions on a registry with its decorators in `app/custom/hooks.py` (or modules it",
        "imports). They run in registration order inside the request's unit of work, so a raised error rolls",
        "the whole change back; raise one of `app.platform.errors` (`ValidationFailed` → 422, `Conflict` → 409,",
        "`NotFound` → 404, …) to refuse a change with the error envelope.",
        "",
        "| decorator | signature | runs |",
        "|---|---|---|",
        "| `before_create` | `(ctx: HookContext, data: Create) -> Create` | before the entity is built; return the (changed) request |",
        "| `validator` | `(ctx: HookContext, entity: Model) -> None` | on create and update, on the entity as it will be stored |",
        "| `after_create` | `(ctx: HookContext, created: Model) -> None` | after the insert, before the commit |",
        "| `before_update` | `(ctx: HookContext, current: Model, changes: Update) -> Update` | before the changes are applied |",
        "| `after_update` | `(ctx: HookContext, before: Model, after: Model) -> None` | after the update, before the commit |",
        "| `before_delete` | `(ctx: HookContext, current: Model) -> None` | before the delete; raise to refuse |",
        "| `after_delete` | `(ctx: HookContext, deleted: Model) -> None` | after the delete, before the commit |",
        "",
        "`HookContext` carries `tenant_id`, `subject` and `roles` from the verified token and `uow`, the unit of",
        "work: read other entities through their typed repositories (`<Entity>Repository(ctx.uow, ctx.tenant_id)`)",
        "and call other typed use cases with `ctx.caller`. Hooks run on every path through the typed services (the",
        "API, handlers, your scripts); the retention purge deletes expired rows directly, without delete hooks.",
        "",
    ]
    if first is not None:
        var = snake(first.name)
        update = request_type(ir, first, "update")
        lines += [
            "```python",
            "from __future__ import annotations",
            "",
            "from app import extensions" + (", schemas" if update and "schemas." in update else ""),
            "from app.domain import entities",
            "from app.platform.errors import ValidationFailed",
            "from app.service_layer.extension import HookContext",
            "",
            "",
            f"@extensions.{hooks_name(first)}.validator",
            f"def my_rule(ctx: HookContext, {var}: entities.{first.name}) -> None:",
            "    if ...:",
            f'        raise ValidationFailed("this {first.name} breaks our rule", {{"field": "..."}})',
            "```",
            "",
        ]
    lines += ["## Operations that need business logic", ""]
    if not ir.unmapped:
        lines += [
            "Every operation of this contract maps to an entity action; there is nothing to implement. When the",
            "contract gains an operation the engine cannot map, it gets a typed handler stub in",
            "`app/custom/operations/` and a failing test in `tests/custom/` that says what to implement.",
            "",
        ]
    for u in ir.unmapped:
        shape = handler_shape(ir, u)
        op = u.op
        lines += [
            f"### {op.operation_id} — `{op.method.upper()} {op.path}`",
            "",
            f"Implement `handle` in `app/custom/operations/{shape.fn}.py`:",
            "",
            "```python",
            handler_signature(shape),
            "```",
            "",
            f"- the route authenticates, checks the `{op.operation_id}` permission (deny by default)"
            + (", applies Idempotency-Key handling" if op.is_mutation else "")
            + " and opens the unit of work (`ctx.uow`);",
        ]
        if shape.params_class:
            lines.append(
                f"- `params: extensions.{shape.params_class}` holds the typed path and query parameters "
                "(an absent query parameter is `None`);"
            )
        if shape.body:
            lines.append(f"- `body: {shape.body}` is the validated request body;")
        answer = "no body" if shape.returns == "None" else f"`{shape.returns}`"
        lines += [
            f"- return {answer}; the route answers **{shape.status}** with it;",
            "- until implemented the stub raises `NotImplementedYet`: the route answers 501 `NOT_IMPLEMENTED`",
            f"  and `tests/custom/test_{shape.fn}.py` fails, saying what to implement.",
            "",
        ]
    lines += [
        "## Checks",
        "",
        "```",
        "python -m pytest          # the generated suite and yours (tests/custom/)",
        "ruff check . && mypy      # mypy runs --strict (pyproject.toml)",
        "```",
        "",
    ]
    return "\n".join(lines)
