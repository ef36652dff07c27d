"""The generated service's test data (tests/cases.py); the test modules themselves are in the kit."""

from __future__ import annotations

from typing import Any

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.render.pyliteral import literal
from backend_engineer.spec.openapi import ApiContract


def sample(api: ApiContract, schema: Any, name: str = "value") -> Any:
    """A small valid value for a JSON Schema node."""
    s = api.resolve(schema)
    if not isinstance(s, dict):
        return None
    if "enum" in s:
        return s["enum"][0]
    types = s.get("type")
    if isinstance(types, list):
        types = next((t for t in types if t != "null"), None)
    if types == "string":
        fmt = s.get("format")
        if fmt == "email":
            return "someone@example.com"
        if fmt == "uri":
            return "https://hooks.example.com/receiver"
        if fmt == "uuid":
            return "00000000-0000-4000-8000-000000000000"
        if fmt == "date":
            return "2026-12-01"
        if fmt == "date-time":
            return "2026-12-01T10:00:00Z"
        if "pattern" in s and s["pattern"] == "^#[0-9a-f]{6}$":
            return "#336699"
        text = f"Sample {name}"
        lo, hi = s.get("minLength", 0), s.get("maxLength", 64)
        return (text + "x" * max(lo - len(text), 0))[:hi]
    if types == "integer":
        return int(s.get("minimum", 1))
    if types == "number":
        return float(s.get("minimum", 1))
    if types == "boolean":
        return True
    if types == "array":
        count = max(int(s.get("minItems", 1)), 1)
        items = api.resolve(s.get("items"))
        if isinstance(items, dict) and "enum" in items:
            return list(items["enum"][:count])
        return [sample(api, items, name) for _ in range(count)]
    if types == "object":
        return {}
    return None


def _body(api: ApiContract, schema_name: str | None, full: bool) -> dict[str, Any]:
    if not schema_name:
        return {}
    schema = api.resolve(api.doc["components"]["schemas"][schema_name])
    props = schema.get("properties") or {}
    required = set(schema.get("required") or [])
    keys = [k for k in props if full or k in required] or list(props)[:1]
    return {k: sample(api, props[k], k) for k in keys}


def render_cases(ir: ServiceIR) -> str:
    api = ir.api
    cases: dict[str, dict[str, Any]] = {}
    operations = []
    for o in ir.operations:
        ent = ir.entities[o.entity]
        case = cases.setdefault(
            o.entity, {"parent": ent.parent_entity, "parent_field": ent.parent_field, "vary": [], "pk": ent.pk}
        )
        path = o.op.path
        if o.parent_param:
            path = path.replace("{" + o.parent_param + "}", "{parent}")
        if o.id_param:
            path = path.replace("{" + o.id_param + "}", "{id}")
        entry: dict[str, Any] = {"op": o.op.operation_id, "path": path, "method": o.op.method}
        if o.action == "create":
            entry["body"] = _body(api, o.body_schema, full=True)
            entry["minimal"] = _body(api, o.body_schema, full=False)
        if o.action == "update":
            body = _body(api, o.body_schema, full=False)
            if not body and o.body_schema:
                schema = api.resolve(api.doc["components"]["schemas"][o.body_schema])
                first = next(iter(schema.get("properties") or {}), None)
                if first:
                    body = {first: sample(api, schema["properties"][first], first)}
            entry["body"] = body
        if o.action == "list":
            entry["filters"] = [f.name for f in o.filters]
        case[o.action] = entry
        operations.append(
            {"op": o.op.operation_id, "entity": o.entity, "action": o.action, "path": path, "method": o.op.method}
        )
    for name, case in cases.items():
        ent = ir.entities[name]
        for idx in ent.spec.indexes:
            if idx.unique:
                case["vary"] += [
                    f
                    for f in idx.fields
                    if f != "tenant_id" and ent.fields.get(f) and ent.fields[f].type in ("string", "text")
                ]
    sec = ir.bundle.security
    roles = sec.authorization.roles if sec and sec.authorization else {}
    needed = set(sec.authorization.operations.values()) if sec and sec.authorization else set()
    admin = [r for r, perms in roles.items() if needed <= set(perms)] or list(roles)
    entity_order = []

    def visit(n: str) -> None:
        parent = cases[n]["parent"]
        if parent and parent in cases and parent not in entity_order:
            visit(parent)
        if n not in entity_order:
            entity_order.append(n)

    for n in cases:
        visit(n)
    pii = sorted(sec.pii.fields) if sec and sec.pii else []
    return "\n".join(
        [
            '"""Test data derived from the contract: one case per entity, one row per operation."""',
            "",
            "from __future__ import annotations",
            "",
            "from typing import Any",
            "",
            f"ADMIN_ROLES: tuple[str, ...] = {tuple(admin[:1])!r}",
            f"ENTITY_ORDER: tuple[str, ...] = {tuple(entity_order)!r}",
            f"PII_FIELDS: tuple[str, ...] = {tuple(pii)!r}",
            f"CASES: dict[str, dict[str, Any]] = {literal({n: cases[n] for n in entity_order})}",
            f"OPERATIONS: list[dict[str, str]] = {literal(operations)}",
            "",
        ]
    )


def render_tests(ir: ServiceIR) -> dict[str, str]:
    return {"tests/__init__.py": "", "tests/cases.py": render_cases(ir)}
