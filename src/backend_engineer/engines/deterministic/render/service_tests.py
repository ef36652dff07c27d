"""The generated service's test data (tests/cases.py); the test modules themselves are in the kit.

Values honour the contract: ``enum``, ``format``, ``pattern`` (sampled with the regex generator that is
also copied into the service as tests/values.py), ``minLength``/``maxLength``, numeric bounds and array
sizes. Roles come from security.yaml: every operation is exercised by a role that holds its permission,
and the 403 matrix is the same table read the other way.
"""

from __future__ import annotations

import uuid
from typing import Any

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.regex_values import sample_regex, sample_text
from backend_engineer.engines.deterministic.render.pyliteral import literal
from backend_engineer.spec.openapi import ApiContract

STRING_FORMATS = {
    "uri": lambda seed: f"https://hooks.example.com/{seed}",
    "url": lambda seed: f"https://hooks.example.com/{seed}",
    "uuid": lambda seed: str(uuid.uuid5(uuid.NAMESPACE_URL, seed)),
    "date": lambda seed: "2026-12-01" if seed.endswith("0") else "2026-12-02",
    "date-time": lambda seed: "2026-12-01T10:00:00Z" if seed.endswith("0") else "2026-12-02T11:30:00Z",
    "ipv4": lambda seed: "192.0.2.10" if seed.endswith("0") else "192.0.2.11",
    "hostname": lambda seed: f"host-{seed}.example.com",
}


def _string(s: dict[str, Any], name: str, variant: int) -> str:
    seed = f"{name}-{variant}"
    lo, hi = int(s.get("minLength", 0)), s.get("maxLength")
    fmt = s.get("format")
    if fmt == "email":
        local = f"{name.replace('_', '.')}{variant}"
        return f"{local}@example.com"
    if fmt in STRING_FORMATS:
        return str(STRING_FORMATS[fmt](seed))
    if "pattern" in s:
        return sample_regex(s["pattern"], seed, lo, hi)
    return sample_text(seed, lo, hi, stem=name.replace("_", " "))


def _number(s: dict[str, Any], variant: int, kind: type[int] | type[float]) -> int | float:
    lo = s.get("minimum", s["exclusiveMinimum"] + 1 if "exclusiveMinimum" in s else 1)
    hi = s.get("maximum", s["exclusiveMaximum"] - 1 if "exclusiveMaximum" in s else None)
    value = lo + variant
    if hi is not None and value > hi:
        value = hi if variant else lo
    step = s.get("multipleOf")
    if step:
        value = -(-value // step) * step
    return kind(value)


def sample(api: ApiContract, schema: Any, name: str = "value", variant: int = 0) -> Any:
    """A valid value for a JSON Schema node; ``variant`` 1 gives a different valid value where one exists."""
    s = api.resolve(schema)
    if not isinstance(s, dict):
        return None
    if "enum" in s:
        values = [v for v in s["enum"] if v is not None] or s["enum"]
        return values[variant % len(values)]
    if "allOf" in s and len(s["allOf"]) == 1:
        return sample(api, {**s["allOf"][0], **{k: v for k, v in s.items() if k != "allOf"}}, name, variant)
    types = s.get("type")
    if isinstance(types, list):
        types = next((t for t in types if t != "null"), None)
    if types == "string":
        return _string(s, name, variant)
    if types == "integer":
        return _number(s, variant, int)
    if types == "number":
        return _number(s, variant, float)
    if types == "boolean":
        return variant == 0
    if types == "array":
        count = max(int(s.get("minItems", 1)), 1)
        items = api.resolve(s.get("items"))
        if isinstance(items, dict) and "enum" in items:
            values = list(items["enum"])
            start = variant % len(values) if len(values) > count else 0
            return values[start : start + count]
        return [sample(api, items, f"{name}{i}", variant) for i in range(count)]
    if types == "object":
        props = s.get("properties") or {}
        return {k: sample(api, props[k], k, variant) for k in s.get("required") or [] if k in props}
    return None


def _properties(api: ApiContract, schema_name: str | None) -> tuple[dict[str, Any], set[str]]:
    if not schema_name:
        return {}, set()
    schema = api.resolve(api.doc["components"]["schemas"][schema_name])
    return dict(schema.get("properties") or {}), set(schema.get("required") or [])


def _body(api: ApiContract, schema_name: str | None, full: bool, variant: int = 0) -> dict[str, Any]:
    props, required = _properties(api, schema_name)
    keys = [k for k in props if full or k in required] or list(props)[:1]
    return {k: sample(api, props[k], k, variant) for k in keys}


def _alternative(api: ApiContract, schema_name: str | None, base: dict[str, Any]) -> dict[str, Any]:
    """Values for the body's fields that differ from ``base`` and are still valid."""
    props, _ = _properties(api, schema_name)
    alt = {k: sample(api, props[k], k, 1) for k in base if k in props}
    return {k: v for k, v in alt.items() if v != base[k]}


def _echoed(api: ApiContract, schema_name: str | None) -> list[str]:
    """Fields a created record returns exactly as sent: enums, integers, booleans and strings without a format."""
    props, _ = _properties(api, schema_name)
    out = []
    for name, node in props.items():
        s = api.resolve(node)
        if not isinstance(s, dict):
            continue
        kind = s.get("type")
        if "enum" in s or kind in ("integer", "boolean") or (kind == "string" and "format" not in s):
            out.append(name)
    return out


def _vary(api: ApiContract, schema_name: str | None, fields: list[str]) -> dict[str, dict[str, Any]]:
    """How tests make unique-indexed fields distinct: the field's pattern, format and length range."""
    props, _ = _properties(api, schema_name)
    out = {}
    for name in fields:
        s = api.resolve(props.get(name))
        if not isinstance(s, dict):
            continue
        out[name] = {
            "pattern": s.get("pattern"),
            "format": s.get("format"),
            "min": int(s.get("minLength", 0)),
            "max": s.get("maxLength"),
        }
    return out


def role_matrix(ir: ServiceIR) -> dict[str, tuple[str, ...]]:
    """Operation id -> the roles whose permissions include the operation's permission (security.yaml order)."""
    sec = ir.bundle.security
    if not sec or not sec.authorization:
        return {}
    roles = sec.authorization.roles
    out = {}
    for o in ir.operations:
        needed = sec.authorization.operations.get(o.op.operation_id)
        out[o.op.operation_id] = tuple(r for r, perms in roles.items() if needed is not None and needed in perms)
    return out


def operation_role(matrix: dict[str, tuple[str, ...]], roles: dict[str, list[str]]) -> dict[str, str]:
    """The role each test uses for an operation: among the holders, the one with the fewest permissions."""
    return {
        op: min(holders, key=lambda r: (len(roles[r]), list(roles).index(r)))
        for op, holders in matrix.items()
        if holders
    }


def render_cases(ir: ServiceIR) -> str:
    api = ir.api
    cases: dict[str, dict[str, Any]] = {}
    operations = []
    for o in ir.operations:
        ent = ir.entities[o.entity]
        case = cases.setdefault(
            o.entity, {"parent": ent.parent_entity, "parent_field": ent.parent_field, "vary": {}, "pk": ent.pk}
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
            entry["alt"] = _alternative(api, o.body_schema, entry["body"])
            entry["echo"] = _echoed(api, o.body_schema)
            unique = [
                f
                for idx in ent.spec.indexes
                if idx.unique
                for f in idx.fields
                if f != "tenant_id" and ent.fields.get(f) and ent.fields[f].type in ("string", "text", "email")
            ]
            case["vary"] = _vary(api, o.body_schema, list(dict.fromkeys(unique)))
        if o.action == "update":
            body = _body(api, o.body_schema, full=False)
            entry["body"] = body
            entry["alt"] = _alternative(api, o.body_schema, body)
        if o.action == "list":
            entry["filters"] = [f.name for f in o.filters]
        case[o.action] = entry
        operations.append(
            {"op": o.op.operation_id, "entity": o.entity, "action": o.action, "path": path, "method": o.op.method}
        )
    sec = ir.bundle.security
    roles = dict(sec.authorization.roles) if sec and sec.authorization else {}
    matrix = role_matrix(ir)
    entity_order: list[str] = []

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
            "# security.yaml: operation id -> every role whose permissions include the operation's permission.",
            f"ROLE_MATRIX: dict[str, tuple[str, ...]] = {literal(matrix)}",
            "# The role each test uses for an operation (a holder with the fewest permissions).",
            f"OPERATION_ROLE: dict[str, str] = {literal(operation_role(matrix, roles))}",
            f"ENTITY_ORDER: tuple[str, ...] = {tuple(entity_order)!r}",
            f"PII_FIELDS: tuple[str, ...] = {tuple(pii)!r}",
            f"CASES: dict[str, dict[str, Any]] = {literal({n: cases[n] for n in entity_order})}",
            f"OPERATIONS: list[dict[str, str]] = {literal(operations)}",
            "",
        ]
    )


def render_tests(ir: ServiceIR) -> dict[str, str]:
    return {"tests/__init__.py": "", "tests/cases.py": render_cases(ir)}
