"""Validation of an OpenAPI document against the official 3.0 / 3.1 schema.

The bundle loader uses the fast JSON Schema check (so intake refuses an invalid contract); ``openapi-lint``
(BE100) adds openapi-spec-validator's semantic checks with ``full=True``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from backend_engineer.spec.yamlio import PathKey

MAX_ERRORS = 20


@dataclass(frozen=True)
class SchemaError:
    message: str
    path: PathKey
    fix: str


@lru_cache(maxsize=4)
def _schema_validator(version: str) -> Any:
    """A compiled validator for the official OpenAPI 3.0 / 3.1 JSON Schema (jsonschema-rs: milliseconds)."""
    import jsonschema_rs
    from openapi_spec_validator.schemas import schema_v30, schema_v31

    return jsonschema_rs.validator_for(dict(schema_v31 if version == "3.1" else schema_v30))


def _schema_objects(node: Any, path: PathKey) -> Iterator[tuple[PathKey, dict[str, Any]]]:
    """Every Schema Object of a 3.1 document: ``components.schemas.*`` and each ``schema`` value."""
    if isinstance(node, dict):
        for key, value in node.items():
            here = (*path, key)
            if isinstance(value, dict) and (key == "schema" or path == ("components", "schemas")):
                yield here, value
            else:
                yield from _schema_objects(value, here)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _schema_objects(value, (*path, i))


def _schema_object_errors(doc: dict[str, Any]) -> list[SchemaError]:
    """OpenAPI 3.1's own schema leaves Schema Objects open; they must still be valid JSON Schema 2020-12."""
    import jsonschema_rs

    out = []
    for path, schema in _schema_objects(doc, ()):
        try:
            jsonschema_rs.meta.validate(schema)
        except jsonschema_rs.ValidationError as exc:
            where = (*path, *exc.instance_path)
            out.append(
                SchemaError(
                    f"invalid JSON Schema: {exc.message[:200]}",
                    where,
                    "make the schema valid JSON Schema 2020-12 (for example `type: string`, `type: [string, 'null']`)",
                )
            )
        except Exception as exc:  # jsonschema-rs raises its own types on schemas it cannot even compile
            out.append(SchemaError(f"invalid JSON Schema: {exc}"[:200], path, "make the schema valid JSON Schema"))
        if len(out) >= MAX_ERRORS:
            break
    return out


def _unsupported(version: str) -> list[SchemaError]:
    return [
        SchemaError(
            f"unsupported OpenAPI version {version or '(missing)'}", ("openapi",), "declare openapi: 3.0.x or 3.1.x"
        )
    ]


def schema_errors(doc: dict[str, Any], *, full: bool = False) -> list[SchemaError]:
    """Every place where ``doc`` breaks the OpenAPI schema of its declared version (at most 20).

    The default checks the document against the official JSON Schema only, which is fast enough for
    every intake. ``full`` adds openapi-spec-validator's semantic checks (path parameters, defaults
    against their schemas, ...), which ``openapi-lint`` runs.
    """
    version = str(doc.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        return _unsupported(version)
    fix = f"fix the document so it validates against the OpenAPI {version} schema"
    if not full:
        try:
            validator = _schema_validator(version[:3])
        except ImportError:
            full = True
        else:
            found = [
                SchemaError(f"invalid OpenAPI: {error.message[:200]}", tuple(error.instance_path), fix)
                for error in validator.iter_errors(doc)
            ]
            if not found and version.startswith("3.1"):
                found = _schema_object_errors(doc)
            return found[:MAX_ERRORS]
    from openapi_spec_validator.validation import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    spec_validator: Any = (OpenAPIV31SpecValidator if version.startswith("3.1") else OpenAPIV30SpecValidator)(doc)
    out: list[SchemaError] = []
    try:
        for err in spec_validator.iter_errors():
            out.append(SchemaError(f"invalid OpenAPI: {err.message[:200]}", tuple(err.absolute_path), fix))
            if len(out) >= MAX_ERRORS:
                break
    except Exception as exc:
        out.append(SchemaError(f"the validator could not process the document: {exc}"[:200], (), fix))
    return out
