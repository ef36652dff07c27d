"""Published JSON Schemas for the spec bundle's inputs."""

from __future__ import annotations

from typing import Any

from backend_engineer.spec.models import INPUT_MODELS, SCHEMA_NAMES

OPENAPI_NOTE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "APIContract",
    "description": "openapi.yaml is an OpenAPI 3.0 or 3.1 document; validate it with "
    "`backend-engineer openapi-lint`. Optional extensions per operation: x-entity, x-action, "
    "x-relation.",
    "type": "object",
    "required": ["openapi", "info", "paths"],
}


def all_schemas() -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, filename in SCHEMA_NAMES.items():
        schema = INPUT_MODELS[filename].model_json_schema(by_alias=True)
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["title"] = f"{schema.get('title', key)} ({filename})"
        out[key] = schema
    out["openapi"] = OPENAPI_NOTE
    return out
