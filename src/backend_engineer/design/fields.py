"""One datamodel field → its JSON Schema (read and write) and a valid example value."""

from __future__ import annotations

import re
import uuid
from typing import Any

from backend_engineer.spec.models import FieldSpec, ItemSpec

INT32 = (-2147483648, 2147483647)
DEFAULT_MAX_LENGTH = {"string": 255, "text": 65535, "email": 320, "url": 2048}
EXAMPLE_DATETIME = "2026-01-15T09:30:00Z"
EXAMPLE_DATE = "2026-01-31"
MAX_ARRAY_ITEMS = 100


def pascal(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name) if part)


def example_uuid(*parts: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "backend-engineer:" + ".".join(parts)))


def _number(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _string(schema: dict[str, Any], spec: FieldSpec | ItemSpec, kind: str) -> None:
    min_length = getattr(spec, "min_length", None)
    if min_length:
        schema["minLength"] = min_length
    schema["maxLength"] = spec.max_length or DEFAULT_MAX_LENGTH[kind]
    pattern = getattr(spec, "pattern", None)
    if pattern:
        schema["pattern"] = pattern


def value_schema(spec: FieldSpec | ItemSpec, enum_ref: str | None = None) -> dict[str, Any]:
    """The schema of a non-null value of the field; enums point at a named component when given."""
    t = spec.type
    if t == "enum":
        return {"$ref": enum_ref} if enum_ref else {"type": "string", "enum": list(spec.values or [])}
    if t == "uuid":
        return {"type": "string", "format": "uuid"}
    if t in ("string", "text"):
        out: dict[str, Any] = {"type": "string"}
        _string(out, spec, t)
        return out
    if t == "email":
        return {"type": "string", "format": "email", "maxLength": spec.max_length or DEFAULT_MAX_LENGTH["email"]}
    if t == "url":
        return {"type": "string", "format": "uri", "maxLength": spec.max_length or DEFAULT_MAX_LENGTH["url"]}
    if t == "datetime":
        return {"type": "string", "format": "date-time"}
    if t == "date":
        return {"type": "string", "format": "date"}
    if t == "boolean":
        return {"type": "boolean"}
    if t in ("integer", "number", "decimal"):
        out = {"type": "integer" if t == "integer" else "number"}
        low, high = _number(getattr(spec, "minimum", None)), _number(getattr(spec, "maximum", None))
        if t == "integer":
            low = INT32[0] if low is None else low
            high = INT32[1] if high is None else high
        if low is not None:
            out["minimum"] = low
        if high is not None:
            out["maximum"] = high
        return out
    if t == "array":
        assert isinstance(spec, FieldSpec)
        item = spec.items or ItemSpec(type="string")
        items = value_schema(item)
        out = {"type": "array"}
        if spec.min_items is not None:
            out["minItems"] = spec.min_items
        limit = spec.max_items or (len(item.values) if item.type == "enum" and item.values else MAX_ARRAY_ITEMS)
        out["maxItems"] = limit
        if item.type == "enum":
            out["uniqueItems"] = True
        out["items"] = items
        return out
    return {"type": "object"}


def field_schema(spec: FieldSpec, nullable: bool, enum_ref: str | None = None) -> dict[str, Any]:
    if not nullable:
        return value_schema(spec, enum_ref)
    schema = value_schema(spec)
    if "enum" in schema:
        return {"type": ["string", "null"], "enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def _fit(text: str, low: int | None, high: int | None) -> str:
    if high is not None:
        text = text[:high]
    if low:
        text = text + "x" * max(0, low - len(text))
    return text


def _from_pattern(pattern: str) -> str | None:
    """The simplest string matching the pattern (hypothesis shrinks to a deterministic minimum)."""
    try:
        from hypothesis import HealthCheck, find, settings
        from hypothesis import strategies as st
    except ImportError:
        return None
    try:
        found = find(
            st.from_regex(pattern, fullmatch=True),
            lambda _: True,
            settings=settings(database=None, suppress_health_check=list(HealthCheck), max_examples=50),
        )
    except Exception:
        return None
    return found if isinstance(found, str) else None


def example_value(entity: str, name: str, spec: FieldSpec | ItemSpec) -> Any:
    default = getattr(spec, "default", None)
    if default is not None and spec.type != "array":
        return default
    t = spec.type
    if t == "enum":
        return (spec.values or ["value"])[0]
    if t == "uuid":
        return example_uuid(entity, name)
    if t in ("string", "text"):
        pattern = getattr(spec, "pattern", None)
        if pattern:
            made = _from_pattern(pattern)
            if made is not None:
                return made
        if getattr(spec, "source", None):
            return "user-1234"
        base = f"Example {name.replace('_', ' ')}" if t == "string" else f"Some {name.replace('_', ' ')} text."
        return _fit(base, getattr(spec, "min_length", None), spec.max_length)
    if t == "email":
        return "alex@example.com"
    if t == "url":
        return "https://hooks.example.com/notify"
    if t == "datetime":
        return EXAMPLE_DATETIME
    if t == "date":
        return EXAMPLE_DATE
    if t == "boolean":
        return True
    if t in ("integer", "number", "decimal"):
        low, high = getattr(spec, "minimum", None), getattr(spec, "maximum", None)
        value: float = 1
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        return int(value) if t == "integer" else float(value)
    if t == "array":
        assert isinstance(spec, FieldSpec)
        item = spec.items or ItemSpec(type="string")
        count = max(spec.min_items or 1, 1)
        if item.type == "enum" and item.values:
            return list(item.values[:count])
        return [example_value(entity, name, item) for _ in range(count)]
    return {}
