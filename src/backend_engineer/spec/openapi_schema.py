"""Validation of an OpenAPI document against the official 3.0 / 3.1 schema (openapi-spec-validator).

Used by the bundle loader (so intake refuses an invalid contract) and by ``openapi-lint`` (BE100).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend_engineer.spec.yamlio import PathKey

MAX_ERRORS = 20


@dataclass(frozen=True)
class SchemaError:
    message: str
    path: PathKey
    fix: str


def schema_errors(doc: dict[str, Any]) -> list[SchemaError]:
    """Every place where ``doc`` breaks the OpenAPI schema of its declared version (at most 20)."""
    from openapi_spec_validator.validation import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    version = str(doc.get("openapi", ""))
    if version.startswith("3.1"):
        validator: Any = OpenAPIV31SpecValidator(doc)
    elif version.startswith("3.0"):
        validator = OpenAPIV30SpecValidator(doc)
    else:
        return [
            SchemaError(
                f"unsupported OpenAPI version {version or '(missing)'}", ("openapi",), "declare openapi: 3.0.x or 3.1.x"
            )
        ]
    out: list[SchemaError] = []
    fix = f"fix the document so it validates against the OpenAPI {version} schema"
    try:
        for error in validator.iter_errors():
            out.append(SchemaError(f"invalid OpenAPI: {error.message[:200]}", tuple(error.absolute_path), fix))
            if len(out) >= MAX_ERRORS:
                break
    except Exception as exc:
        out.append(SchemaError(f"the validator could not process the document: {exc}"[:200], (), fix))
    return out
