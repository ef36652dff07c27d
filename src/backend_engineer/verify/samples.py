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
        lo, hi = s.get("minLength", 0), s.get("maxLength", 64)
        if isinstance(s.get("pattern"), str):
            return matching(s["pattern"], lo, hi, fresh=bool(unique))
        text = f"probe {name} {unique}".strip()
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


_GIVEN: dict[tuple[str, int, int], set[str]] = {}


def matching(pattern: str, min_length: int = 0, max_length: int = 64, *, fresh: bool = False) -> str:
    """The simplest string that matches a JSON Schema pattern (searched, not guessed) within the length bounds.

    With ``fresh`` each call gives a value not given before for the same pattern, for fields that must be unique."""
    from hypothesis import HealthCheck, find, settings
    from hypothesis import strategies as st

    given = _GIVEN.setdefault((pattern, min_length, max_length), set())
    strategy = st.from_regex(pattern).filter(lambda v: min_length <= len(v) <= max_length and "\n" not in v)
    quiet = settings(database=None, max_examples=2000, suppress_health_check=list(HealthCheck))
    value = str(find(strategy, (lambda v: v not in given) if fresh else (lambda _: True), settings=quiet))
    given.add(value)
    return value


def body_for(api: ApiContract, schema: Any, unique: str, full: bool = True) -> dict[str, Any]:
    s = api.resolve(schema)
    if not isinstance(s, dict):
        return {}
    props = s.get("properties") or {}
    required = set(s.get("required") or [])
    return {k: sample(api, v, k, unique) for k, v in props.items() if full or k in required}
