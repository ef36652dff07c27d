"""The query mapping: conventions and x-query for every form, and a clear snippet for what does not map."""

from __future__ import annotations

from typing import Any

import pytest

from backend_engineer.spec.models import EntitySpec
from backend_engineer.spec.openapi import build_contract
from backend_engineer.spec.queries import Filter, QueryMapping, map_query
from backend_engineer.spec.yamlio import LineIndex

PRODUCT = EntitySpec.model_validate(
    {
        "table": "products",
        "relations": {
            "vendor": {"entity": "Vendor", "field": "vendor_id"},
            "tags": {"entity": "Tag", "kind": "many_to_many", "through": "product_tags"},
        },
        "fields": {
            "id": {"type": "uuid", "primary_key": True},
            "name": {"type": "string", "max_length": 100},
            "notes": {"type": "text", "pii": "free_text"},
            "price": {"type": "decimal"},
            "active": {"type": "boolean"},
            "released_on": {"type": "date"},
            "status": {"type": "enum", "values": ["draft", "live"]},
            "created_at": {"type": "datetime"},
        },
    }
)
ENTITIES = {
    "Product": PRODUCT,
    "Vendor": EntitySpec.model_validate(
        {"table": "vendors", "fields": {"id": {"type": "uuid"}, "country": {"type": "string"}}}
    ),
    "Tag": EntitySpec.model_validate({"table": "tags", "fields": {"id": {"type": "uuid"}, "name": {"type": "string"}}}),
}


def mapping(*params: dict[str, Any]) -> QueryMapping:
    doc = {
        "openapi": "3.1.0",
        "paths": {"/products": {"get": {"operationId": "listProducts", "parameters": list(params), "responses": {}}}},
    }
    api = build_contract(doc, LineIndex())
    return map_query(api, api.operations[0], "Product", PRODUCT, ENTITIES)


def q(name: str, schema: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"name": name, "in": "query", "schema": schema or {"type": "string"}, **extra}


ARRAY = {"type": "array", "items": {"type": "string"}}


@pytest.mark.parametrize(
    ("param", "expected"),
    [
        (q("active", {"type": "boolean"}), Filter("active", "active", "eq")),
        (q("status", ARRAY), Filter("status", "status", "in", many=True)),
        (q("min_price", {"type": "number"}), Filter("min_price", "price", "gte")),
        (q("max_price", {"type": "number"}), Filter("max_price", "price", "lte")),
        (q("released_on_from"), Filter("released_on_from", "released_on", "gte")),
        (q("released_on_to"), Filter("released_on_to", "released_on", "lte")),
        (q("price[gte]"), Filter("price[gte]", "price", "gte")),
        (q("created_at__lt"), Filter("created_at__lt", "created_at", "lt")),
        (q("vendor.country"), Filter("vendor.country", "country", "eq", "vendor")),
        (q("vendor__country"), Filter("vendor__country", "country", "eq", "vendor")),
        (q("tags", ARRAY), Filter("tags", "id", "any", "tags", many=True)),
        (
            q("from", {"type": "string", "format": "date"}, **{"x-query": {"field": "released_on", "op": "gte"}}),
            Filter("from", "released_on", "gte", explicit=True),
        ),
        (
            q("linked", ARRAY, **{"x-query": {"relation": "tags", "op": "all"}}),
            Filter("linked", "id", "all", "tags", many=True),
        ),
    ],
)
def test_each_filter_form_maps(param: dict[str, Any], expected: Filter) -> None:
    result = mapping(param)
    assert result.unmapped == () and result.filters == (expected,)


def test_search_sort_and_pagination() -> None:
    result = mapping(
        q("q"),
        q("sort", {"type": "string", "enum": ["name", "-name", "price", "-price"]}),
        q("offset", {"type": "integer"}),
        q("limit", {"type": "integer"}),
    )
    assert result.ok
    assert result.search_param == "q" and result.search_fields == ("name",), "PII text is never searched"
    assert result.sort_param == "sort" and result.sort_fields == ("name", "price")
    assert (result.pagination, result.offset_param, result.limit_param) == ("offset", "offset", "limit")
    explicit = mapping(q("term", **{"x-query": {"search": ["name", "notes"]}}))
    assert explicit.search_fields == ("name", "notes")


def test_cursor_pagination_is_the_default() -> None:
    result = mapping(q("cursor"), q("limit", {"type": "integer"}))
    assert (result.pagination, result.cursor_param) == ("cursor", "cursor")


@pytest.mark.parametrize(
    ("param", "reason", "snippet"),
    [
        (q("from", {"type": "string", "format": "date"}), "does not say on which field", "field: released_on, op: gte"),
        (q("sort"), "needs a whitelist", "x-query: {sort: [name, price"),
        (q("colour"), "not a field or relation of Product", "x-query: {field: <one of"),
        (q("x", **{"x-query": {"field": "nope"}}), "'nope' is not a field of Product", "x-query"),
        (q("x", **{"x-query": {"field": "price", "op": "between"}}), "is not one of", "op: eq"),
        (q("x", **{"x-query": {"relation": "owner"}}), "relation 'owner'", "x-query"),
    ],
)
def test_what_does_not_map_says_why_and_how(param: dict[str, Any], reason: str, snippet: str) -> None:
    result = mapping(param)
    assert len(result.unmapped) == 1 and not result.filters
    assert reason in result.unmapped[0].reason and snippet in result.unmapped[0].snippet
