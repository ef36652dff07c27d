"""Small valid values for JSON Schema nodes, used by the probes to build requests."""

from __future__ import annotations

import uuid
from typing import Any

from backend_engineer.spec.openapi import ApiContract


def sample(api: ApiContract, schema: Any, name: str = "value", unique: str = "") -> Any:
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
            return f"probe{unique}@example.com"
        if fmt == "uri":
            return f"https://hooks.example.com/{unique or 'probe'}"
        if fmt == "uuid":
            return str(uuid.uuid4())
        if fmt == "date":
            return "2026-12-01"
        if fmt == "date-time":
            return "2026-12-01T10:00:00Z"
        if s.get("pattern") == "^#[0-9a-f]{6}$":
            return "#336699"
        text = f"probe {name} {unique}".strip()
        lo, hi = s.get("minLength", 0), s.get("maxLength", 64)
        return (text + "x" * max(lo - len(text), 0))[:hi]
    if types == "integer":
        return int(s.get("minimum", 1))
    if types == "number":
        return float(s.get("minimum", 1))
    if types == "boolean":
        return True
    if types == "array":
        items = api.resolve(s.get("items"))
        count = max(int(s.get("minItems", 1)), 1)
        if isinstance(items, dict) and "enum" in items:
            return list(items["enum"][:count])
        return [sample(api, items, name, unique) for _ in range(count)]
    if types == "object":
        return {}
    return None


def body_for(api: ApiContract, schema: Any, unique: str, full: bool = True) -> dict[str, Any]:
    s = api.resolve(schema)
    if not isinstance(s, dict):
        return {}
    props = s.get("properties") or {}
    required = set(s.get("required") or [])
    return {k: sample(api, v, k, unique) for k, v in props.items() if full or k in required}
