"""A small valid example for a JSON Schema node of a contract (refinement adds missing examples with it)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend_engineer.design.fields import EXAMPLE_DATE, EXAMPLE_DATETIME, _from_pattern, example_uuid

Resolve = Callable[[Any], Any]
MAX_DEPTH = 6


def _string(schema: dict[str, Any], name: str) -> str:
    fmt = schema.get("format")
    fixed = {
        "uuid": example_uuid("sample", name),
        "date-time": EXAMPLE_DATETIME,
        "date": EXAMPLE_DATE,
        "email": "alex@example.com",
        "uri": "https://example.com/resource",
        "url": "https://example.com/resource",
    }
    if fmt in fixed:
        return fixed[fmt]
    if "pattern" in schema:
        made = _from_pattern(str(schema["pattern"]))
        if made is not None:
            return made
    text = f"Example {name.replace('_', ' ')}"
    low, high = int(schema.get("minLength", 0)), schema.get("maxLength")
    text = text + "x" * max(0, low - len(text))
    return text[: int(high)] if high is not None else text


def sample(resolve: Resolve, node: Any, name: str = "value", depth: int = 0) -> Any:
    schema = resolve(node)
    if not isinstance(schema, dict) or depth > MAX_DEPTH:
        return None
    if "example" in schema:
        return schema["example"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return next((v for v in schema["enum"] if v is not None), schema["enum"][0])
    for combinator in ("oneOf", "anyOf"):
        options = [o for o in schema.get(combinator) or [] if resolve(o) != {"type": "null"}]
        if options:
            return sample(resolve, options[0], name, depth + 1)
    if schema.get("allOf"):
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            part_value = sample(resolve, part, name, depth + 1)
            if isinstance(part_value, dict):
                merged.update(part_value)
        return merged
    types = schema.get("type")
    if isinstance(types, list):
        types = next((t for t in types if t != "null"), None)
    if types is None and "properties" in schema:
        types = "object"
    if types == "string":
        return _string(schema, name)
    if types in ("integer", "number"):
        low, high = schema.get("minimum"), schema.get("maximum")
        value: float = 1
        if low is not None and value < low:
            value = low
        if high is not None and value > high:
            value = high
        return int(value) if types == "integer" else float(value)
    if types == "boolean":
        return True
    if types == "array":
        count = max(int(schema.get("minItems", 1)), 1)
        items = resolve(schema.get("items"))
        if isinstance(items, dict) and items.get("enum"):
            return list(items["enum"][:count])
        return [sample(resolve, items, name, depth + 1) for _ in range(count)]
    if types == "object":
        props = schema.get("properties") or {}
        return {k: sample(resolve, v, str(k), depth + 1) for k, v in props.items()}
    return None
