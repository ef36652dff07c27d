"""app/schemas.py: Pydantic v2 request and response models from the contract's component schemas."""

from __future__ import annotations

from typing import Any

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.spec.openapi import ApiContract


def py_type(api: ApiContract, schema: Any, imports: set[str]) -> str:
    """A Python annotation for a JSON Schema node, constraints included."""
    if not isinstance(schema, dict):
        return "Any"
    resolved = api.resolve(schema)
    if not isinstance(resolved, dict):
        return "Any"
    types = resolved.get("type")
    nullable = False
    if isinstance(types, list):
        nullable = "null" in types
        types = next((t for t in types if t != "null"), None)
    if "enum" in resolved:
        base = f"Literal[{', '.join(repr(v) for v in resolved['enum'])}]"
    elif types == "string":
        fmt = resolved.get("format")
        constraints = []
        if "minLength" in resolved:
            constraints.append(f"min_length={resolved['minLength']}")
        if "maxLength" in resolved:
            constraints.append(f"max_length={resolved['maxLength']}")
        if "pattern" in resolved:
            constraints.append(f"pattern={resolved['pattern']!r}")
        if fmt == "uuid":
            base = "uuid.UUID"
            imports.add("uuid")
        elif fmt == "date-time":
            base = "dt.datetime"
            imports.add("dt")
        elif fmt == "date":
            base = "dt.date"
            imports.add("dt")
        elif fmt == "email":
            base = "EmailStr"
            imports.add("EmailStr")
            if "maxLength" in resolved:
                base = f"Annotated[EmailStr, Field(max_length={resolved['maxLength']})]"
        else:
            base = f"Annotated[str, Field({', '.join(constraints)})]" if constraints else "str"
        if fmt in ("uuid", "date-time", "date") and constraints:
            base = (
                f"Annotated[{base}, Field({', '.join(c for c in constraints if 'length' not in c)})]"
                if any("length" not in c for c in constraints)
                else base
            )
    elif types == "integer":
        cons = [f"{k}={resolved[j]}" for j, k in (("minimum", "ge"), ("maximum", "le")) if j in resolved]
        base = f"Annotated[int, Field({', '.join(cons)})]" if cons else "int"
    elif types == "number":
        cons = [f"{k}={resolved[j]}" for j, k in (("minimum", "ge"), ("maximum", "le")) if j in resolved]
        base = f"Annotated[float, Field({', '.join(cons)})]" if cons else "float"
    elif types == "boolean":
        base = "StrictBool"
        imports.add("StrictBool")
    elif types == "array":
        inner = py_type(api, resolved.get("items"), imports)
        cons = [
            f"{k}={resolved[j]}" for j, k in (("minItems", "min_length"), ("maxItems", "max_length")) if j in resolved
        ]
        base = f"Annotated[list[{inner}], Field({', '.join(cons)})]" if cons else f"list[{inner}]"
    elif types == "object":
        base = "dict[str, Any]"
    else:
        base = "Any"
    return f"{base} | None" if nullable else base


def render_schemas(ir: ServiceIR) -> str:
    api = ir.api
    from backend_engineer.engines.deterministic.render.typed import response_schemas

    requests = {o.body_schema for o in ir.operations if o.body_schema} | {
        u.body_schema for u in ir.unmapped if u.body_schema
    }
    names = sorted(requests | response_schemas(ir))
    components = api.doc.get("components", {}).get("schemas", {})
    imports: set[str] = set()
    classes = []
    for name in names:
        schema = api.resolve(components.get(name, {}))
        props = schema.get("properties") or {}
        required = set(schema.get("required") or [])
        forbid = schema.get("additionalProperties") is False or True
        body = [
            f"class {name}(BaseModel):",
            f'    """{"Request body" if name in requests else "Response body"} `{name}` from the contract; '
            'unknown fields are rejected."""',
            "",
            f'    model_config = ConfigDict(extra="{"forbid" if forbid else "ignore"}", strict=False)',
            "",
        ]
        for prop, prop_schema in props.items():
            annotation = py_type(api, prop_schema, imports)
            if prop in required:
                body.append(f"    {prop}: {annotation}")
            else:
                if "| None" not in annotation:
                    annotation = f"{annotation} | None"
                body.append(f"    {prop}: {annotation} = None")
        uniques = [
            p for p, s in props.items() if isinstance(api.resolve(s), dict) and api.resolve(s).get("uniqueItems")
        ]
        for prop in uniques:
            body += [
                "",
                f'    @field_validator("{prop}")',
                "    @classmethod",
                f"    def _{prop}_unique(cls, value: Any) -> Any:",
                "        if value is not None and len(set(value)) != len(value):",
                f'            raise ValueError("{prop} must not repeat items")',
                "        return value",
            ]
        if schema.get("minProperties"):
            body += [
                "",
                '    @model_validator(mode="after")',
                f"    def _not_empty(self) -> {name}:",
                f"        if len(self.model_fields_set) < {schema['minProperties']}:",
                f'            raise ValueError("set at least {schema["minProperties"]} field(s)")',
                "        return self",
            ]
        for prop, prop_schema in props.items():
            resolved = api.resolve(prop_schema)
            if prop in required or not isinstance(resolved, dict):
                continue
            types = resolved.get("type")
            if isinstance(types, list) and "null" in types:
                continue
            body += [
                "",
                f'    @field_validator("{prop}", mode="before")',
                "    @classmethod",
                f"    def _{prop}_not_null(cls, value: Any) -> Any:",
                "        if value is None:",
                f'            raise ValueError("{prop} may be omitted but not null")',
                "        return value",
            ]
        classes.append("\n".join(body))
    header = [
        '"""Request and response models generated from the contract. Unknown fields are rejected (mass-assignment',
        'guard). Regenerated on every build; do not edit."""',
        "",
        "from __future__ import annotations",
        "",
    ]
    std = []
    if "dt" in imports:
        std.append("import datetime as dt")
    if "uuid" in imports:
        std.append("import uuid")
    typing_names = [
        n
        for n in ("Annotated", "Any", "Literal")
        if f"{n}[" in "\n".join(classes) or f": {n}" in "\n".join(classes) or f"-> {n}" in "\n".join(classes)
    ]
    if typing_names:
        std.append(f"from typing import {', '.join(typing_names)}")
    text = "\n".join(classes)
    pyd = [
        n
        for n in ("BaseModel", "ConfigDict", "Field", "field_validator", "model_validator", "EmailStr", "StrictBool")
        if n + ("(" if n in ("Field", "field_validator", "model_validator") else "") in text
        or (n in ("BaseModel", "ConfigDict") and classes)
    ]
    if not classes:
        return "\n".join(header[:-1]) + "\n"
    header += [*std, "", f"from pydantic import {', '.join(sorted(pyd, key=str.lower))}", "", ""]
    return "\n".join(header) + "\n\n\n".join(classes) + "\n"
