"""The query mapping of a list operation: what each query parameter filters, searches, sorts or pages.

By convention (the parameter's name and schema against the entity's fields and relations) or explicitly by an
``x-query`` object on the parameter; docs/bundle-format.md describes both. A parameter neither maps is returned as
``Unmapped`` with the reason and the ``x-query`` snippet that would map it, so intake can say so before building.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from backend_engineer.spec.models import EntitySpec, FieldSpec
from backend_engineer.spec.openapi import ApiContract, Operation

FilterOp = Literal["eq", "ne", "in", "gt", "gte", "lt", "lte", "contains", "any", "all"]
OPS: tuple[str, ...] = ("eq", "ne", "in", "gt", "gte", "lt", "lte", "contains", "any", "all")
COMPARABLE = frozenset({"integer", "number", "decimal", "date", "datetime", "string", "uuid"})
TEXT = frozenset({"string", "text", "email", "url"})
SEARCH_NAMES = ("q", "search", "query")
SORT_NAMES = ("sort", "order_by", "ordering", "sort_by")
CURSOR_NAMES = ("cursor", "after", "page_token")
LIMIT_NAMES = ("limit", "page_size", "per_page", "size")
OFFSET_NAMES = ("offset", "skip")
PAGE_NAMES = ("page",)
OPEN_RANGE_NAMES = {"from": "gte", "to": "lte", "since": "gte", "until": "lte", "after_date": "gt", "before": "lt"}
PREFIXES: tuple[tuple[str, str], ...] = (("min_", "gte"), ("max_", "lte"))
SUFFIXES: tuple[tuple[str, str], ...] = (
    ("_min", "gte"),
    ("_max", "lte"),
    ("_from", "gte"),
    ("_to", "lte"),
    ("_after", "gt"),
    ("_before", "lt"),
    ("_gte", "gte"),
    ("_lte", "lte"),
    ("_gt", "gt"),
    ("_lt", "lt"),
    ("__gte", "gte"),
    ("__lte", "lte"),
    ("__gt", "gt"),
    ("__lt", "lt"),
)
BRACKET = re.compile(r"^(?P<field>[A-Za-z_][A-Za-z0-9_.]*)\[(?P<op>eq|ne|in|gt|gte|lt|lte|contains)\]$")


@dataclass(frozen=True)
class Filter:
    param: str
    field: str
    op: str
    relation: str | None = None
    many: bool = False
    explicit: bool = False


@dataclass(frozen=True)
class Unmapped:
    param: str
    reason: str
    snippet: str


@dataclass(frozen=True)
class QueryMapping:
    filters: tuple[Filter, ...] = ()
    search_param: str | None = None
    search_fields: tuple[str, ...] = ()
    sort_param: str | None = None
    sort_fields: tuple[str, ...] = ()
    pagination: Literal["cursor", "offset", "page"] = "cursor"
    limit_param: str | None = None
    cursor_param: str | None = None
    offset_param: str | None = None
    unmapped: tuple[Unmapped, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.unmapped


@dataclass
class _Builder:
    entity_name: str
    entity: EntitySpec
    related: dict[str, EntitySpec]
    filters: list[Filter] = field(default_factory=list)
    unmapped: list[Unmapped] = field(default_factory=list)
    mapping: dict[str, Any] = field(default_factory=dict)

    def field_spec(self, name: str) -> FieldSpec | None:
        return self.entity.fields.get(name)

    def candidates(self, types: frozenset[str]) -> list[str]:
        return [n for n, f in self.entity.fields.items() if f.type in types]

    def miss(self, param: str, reason: str, snippet: str) -> None:
        self.unmapped.append(Unmapped(param, reason, snippet))


def _is_array(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def _relation_filter(b: _Builder, param: str, path: str, op: str, many: bool) -> bool:
    """`project.status`, `project__status`: a field of a to-one relation; a many-to-many relation's name: any-of."""
    relation, _, target = path.replace("__", ".").partition(".")
    spec = b.entity.relations.get(relation)
    if spec is None:
        return False
    other = b.related.get(spec.entity)
    if spec.kind == "many_to_many" and not target:
        b.filters.append(Filter(param, "id", "any" if op in ("eq", "in") else op, relation, many=True))
        return True
    if other is None or target not in other.fields:
        return False
    b.filters.append(Filter(param, target, op, relation, many=many))
    return True


def _explicit(b: _Builder, param: str, spec: dict[str, Any], schema: dict[str, Any]) -> None:
    if not isinstance(spec, dict):
        b.miss(param, "x-query must be an object", "x-query: {field: <field>, op: eq}")
        return
    if "search" in spec:
        fields = spec["search"] if isinstance(spec["search"], list) else []
        bad = [f for f in fields if f not in b.entity.fields]
        if not fields or bad:
            b.miss(param, f"x-query search names unknown fields {bad or '(none)'}", _search_snippet(b))
            return
        b.mapping.update(search_param=param, search_fields=tuple(fields))
        return
    if "sort" in spec:
        fields = spec["sort"] if isinstance(spec["sort"], list) else []
        bad = [f for f in fields if str(f).lstrip("-") not in b.entity.fields]
        if not fields or bad:
            b.miss(param, f"x-query sort names unknown fields {bad or '(none)'}", _sort_snippet(b))
            return
        b.mapping.update(sort_param=param, sort_fields=tuple(str(f).lstrip("-") for f in fields))
        return
    if "paginate" in spec:
        kind = spec["paginate"]
        key = {"cursor": "cursor_param", "offset": "offset_param", "page": "offset_param"}.get(str(kind))
        if key is None:
            b.miss(param, f"x-query paginate {kind!r} is not cursor, offset or page", "x-query: {paginate: offset}")
            return
        b.mapping[key] = param
        b.mapping["pagination"] = kind
        return
    op = str(spec.get("op", "in" if _is_array(schema) else "eq"))
    if op not in OPS:
        b.miss(param, f"x-query op {op!r} is not one of {', '.join(OPS)}", "x-query: {field: <field>, op: eq}")
        return
    target = str(spec.get("field", ""))
    relation = spec.get("relation")
    if relation is not None:
        path = f"{relation}.{target}" if target and target != "id" else str(relation)
        if not _relation_filter(b, param, path, op, _is_array(schema)):
            b.miss(param, f"x-query relation {relation!r} or its field {target!r} is unknown", _field_snippet(b))
        return
    if target not in b.entity.fields:
        b.miss(param, f"x-query field {target!r} is not a field of {b.entity_name}", _field_snippet(b))
        return
    b.filters.append(Filter(param, target, op, many=_is_array(schema), explicit=True))


def _field_snippet(b: _Builder) -> str:
    names = ", ".join(list(b.entity.fields)[:6])
    return f"x-query: {{field: <one of {names}>, op: eq}}"


def _search_snippet(b: _Builder) -> str:
    return f"x-query: {{search: [{', '.join(b.candidates(TEXT)[:4]) or '<text fields>'}]}}"


def _sort_snippet(b: _Builder) -> str:
    names = [n for n in b.candidates(COMPARABLE | {"enum"}) if not b.entity.fields[n].primary_key]
    return f"x-query: {{sort: [{', '.join(names[:4]) or '<fields>'}]}}"


def _range(b: _Builder, name: str) -> tuple[str, str] | None:
    for prefix, op in PREFIXES:
        if name.startswith(prefix) and b.field_spec(name[len(prefix) :]) is not None:
            return name[len(prefix) :], op
    for suffix, op in SUFFIXES:
        if name.endswith(suffix) and b.field_spec(name[: -len(suffix)]) is not None:
            return name[: -len(suffix)], op
    match = BRACKET.match(name)
    if match and b.field_spec(match["field"]) is not None:
        return match["field"], match["op"]
    return None


def _sort_whitelist(b: _Builder, schema: dict[str, Any]) -> tuple[str, ...] | None:
    values = schema.get("enum") or (schema.get("items") or {}).get("enum")
    if not values:
        return None
    fields = tuple(dict.fromkeys(str(v).lstrip("-+") for v in values))
    return fields if all(f in b.entity.fields for f in fields) else None


def _conventional(b: _Builder, param: str, schema: dict[str, Any]) -> None:
    many = _is_array(schema)
    lowered = param.lower()
    if lowered in CURSOR_NAMES:
        b.mapping.setdefault("cursor_param", param)
    elif lowered in LIMIT_NAMES:
        b.mapping.setdefault("limit_param", param)
    elif lowered in OFFSET_NAMES:
        b.mapping.update(offset_param=param, pagination="offset")
    elif lowered in PAGE_NAMES:
        b.mapping.update(offset_param=param, pagination="page")
    elif lowered in SEARCH_NAMES:
        fields = tuple(n for n in b.candidates(TEXT) if not b.entity.fields[n].pii)
        if not fields:
            b.miss(param, f"{b.entity_name} has no text fields to search", _search_snippet(b))
        else:
            b.mapping.update(search_param=param, search_fields=fields)
    elif lowered in SORT_NAMES:
        whitelist = _sort_whitelist(b, schema)
        if whitelist is None:
            b.miss(param, "a sort parameter needs a whitelist: an enum of field names, or x-query", _sort_snippet(b))
        else:
            b.mapping.update(sort_param=param, sort_fields=whitelist)
    elif param in b.entity.fields:
        b.filters.append(Filter(param, param, "in" if many else "eq", many=many))
    elif lowered in OPEN_RANGE_NAMES:
        dates = b.candidates(frozenset({"date", "datetime"}))
        b.miss(
            param,
            f"{param!r} bounds a range but does not say on which field",
            f"x-query: {{field: {dates[0] if dates else '<field>'}, op: {OPEN_RANGE_NAMES[lowered]}}}",
        )
    elif (ranged := _range(b, param)) is not None:
        b.filters.append(Filter(param, ranged[0], ranged[1]))
    elif not _relation_filter(b, param, param, "in" if many else "eq", many):
        b.miss(param, f"{param!r} is not a field or relation of {b.entity_name}", _field_snippet(b))


def map_query(
    api: ApiContract, op: Operation, entity_name: str, entity: EntitySpec, entities: dict[str, EntitySpec]
) -> QueryMapping:
    b = _Builder(entity_name, entity, entities)
    for raw in op.parameters:
        param = api.resolve(raw)
        if not isinstance(param, dict) or param.get("in") != "query":
            continue
        name = str(param.get("name", ""))
        schema = api.resolve_deep(param.get("schema") or {})
        schema = schema if isinstance(schema, dict) else {}
        if "x-query" in param:
            _explicit(b, name, param["x-query"], schema)
        else:
            _conventional(b, name, schema)
    return QueryMapping(filters=tuple(b.filters), unmapped=tuple(b.unmapped), **b.mapping)
