"""Refine an existing contract: one proposed change per BE1xx finding, shown as a unified diff.

Nothing is written until the user accepts the whole proposal or parts of it (by rule code such as
``BE104`` or by change id such as ``BE104-2``). The file is loaded in round-trip mode, so the untouched
parts keep their comments and style, and each change is applied to a fresh copy: any subset of the
changes can be accepted on its own.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedSeq

from backend_engineer.design.draft import STATUS, _error_response, _error_schema, limit_parameter
from backend_engineer.design.emit import dump, load_roundtrip, to_commented
from backend_engineer.design.fields import DEFAULT_MAX_LENGTH, MAX_ARRAY_ITEMS, value_schema
from backend_engineer.design.samples import sample
from backend_engineer.spec.bundle import Bundle
from backend_engineer.spec.openapi import ApiContract, Operation, build_contract
from backend_engineer.spec.yamlio import PathKey, loads
from backend_engineer.verify.openapi_lint.context import LintContext
from backend_engineer.verify.openapi_lint.rules import by_code
from backend_engineer.verify.openapi_lint.rules.be103_error_envelope import is_envelope
from backend_engineer.verify.openapi_lint.rules.be109_mass_assignment import SERVER_MANAGED

Apply = Callable[[Any], None]
NAME_BY_STATUS = {v: k for k, v in STATUS.items()}
HOUSE_RULES = {"EXAMPLE": "house rule: every request and response carries an example (no BE1xx rule checks it)"}
BOUNDED_FORMATS = {"uuid", "date", "date-time", "time", "ipv4", "ipv6", "email"}


@dataclass(frozen=True)
class Change:
    id: str
    code: str
    operation: str
    title: str
    apply: Apply

    @property
    def fixes(self) -> str:
        """The finding this change clears, with the rule's own title."""
        if self.code in HOUSE_RULES:
            return f"{self.code} {HOUSE_RULES[self.code]}"
        return f"{self.code} {by_code()[self.code].TITLE}"

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "code": self.code, "fixes": self.fixes, "operation": self.operation, "title": self.title}


class AcceptError(ValueError):
    pass


# --- document helpers (work on ruamel nodes and plain dicts alike) ---------------------------------


def node_at(doc: Any, pointer: Iterable[Any]) -> Any:
    node = doc
    for part in pointer:
        node = node[part]
    return node


def _resolve(doc: Any, node: Any) -> Any:
    seen = 0
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and node["$ref"].startswith("#/") and seen < 20:
        node = node_at(doc, node["$ref"][2:].split("/"))
        seen += 1
    return node


def _components(doc: Any, kind: str) -> Any:
    components = doc.setdefault("components", to_commented({}))
    if kind not in components:
        components[kind] = to_commented({})
    return components[kind]


def _ensure(doc: Any, kind: str, name: str, value: dict[str, Any]) -> dict[str, str]:
    target = _components(doc, kind)
    if name not in target:
        target[name] = to_commented(value)
    return {"$ref": f"#/components/{kind}/{name}"}


def _ref(kind: str, name: str) -> Any:
    return to_commented({"$ref": f"#/components/{kind}/{name}"})


def _error_ref(doc: Any, status: str) -> Any:
    _ensure(doc, "schemas", "Error", _error_schema())
    name = NAME_BY_STATUS.get(status)
    if name is None:
        name = f"Error{status}"
        _ensure(
            doc,
            "responses",
            name,
            {
                "description": f"Error {status}.",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
            },
        )
    else:
        _ensure(doc, "responses", name, _error_response(name))
    return _ref("responses", name)


def _op_params(doc: Any, pointer: PathKey) -> Any:
    op = node_at(doc, pointer)
    if "parameters" not in op:
        op["parameters"] = CommentedSeq()
    return op["parameters"]


def _has_param(doc: Any, params: Any, name: str, where: str) -> bool:
    for p in params:
        p = _resolve(doc, p)
        if isinstance(p, dict) and p.get("name") == name and p.get("in") == where:
            return True
    return False


# --- one fixer per rule ----------------------------------------------------------------------------


class Proposer:
    def __init__(self, text: str, bundle: Bundle | None, public: frozenset[str]) -> None:
        doc, lines = loads(text)
        self.doc: dict[str, Any] = doc
        self.contract: ApiContract = build_contract(doc, lines)
        self.ctx = LintContext("openapi.yaml", self.contract, public)
        self.bundle = bundle
        self.changes: list[Change] = []
        self.counts: dict[str, int] = {}

    def add(self, code: str, op: str, title: str, apply: Apply) -> None:
        self.counts[code] = self.counts.get(code, 0) + 1
        self.changes.append(Change(f"{code}-{self.counts[code]}", code, op, title, apply))

    def scheme(self) -> str:
        schemes = (self.doc.get("components") or {}).get("securitySchemes") or {}
        return next(iter(schemes), "bearerAuth")

    def be101(self) -> None:
        for op in self.contract.operations:
            if self.ctx.is_public(op) or (op.security and all(op.security)):
                continue
            scheme = self.scheme()

            def apply(doc: Any, pointer: PathKey = op.pointer, scheme: str = scheme) -> None:
                _ensure(doc, "securitySchemes", scheme, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
                node_at(doc, pointer)["security"] = to_commented([{scheme: []}])

            self.add("BE101", op.operation_id, f"require `{scheme}` authentication", apply)

    def be102(self) -> None:
        for op in self.contract.operations:
            if not op.is_mutation or op.parameter("Idempotency-Key", "header") is not None:
                continue

            def apply(doc: Any, pointer: PathKey = op.pointer) -> None:
                ref = _ensure(
                    doc,
                    "parameters",
                    "IdempotencyKey",
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": True,
                        "description": "A client-chosen key; a retry with the same key and body returns the first "
                        "response.",
                        "schema": {"type": "string", "minLength": 8, "maxLength": 128},
                        "example": "4f1c2b7a-retry-key-0001",
                    },
                )
                params = _op_params(doc, pointer)
                if not _has_param(doc, params, "Idempotency-Key", "header"):
                    params.append(to_commented(ref))

            self.add("BE102", op.operation_id, "take a required Idempotency-Key header", apply)

    def be103(self) -> None:
        for op in self.contract.operations:
            for status, response in (op.raw.get("responses") or {}).items():
                code = str(status)
                if not code.startswith(("4", "5")):
                    continue
                resolved = self.contract.resolve(response)
                media = (resolved.get("content") or {}).get("application/json") if isinstance(resolved, dict) else None
                if is_envelope(self.ctx, media.get("schema") if isinstance(media, dict) else None):
                    continue

                def apply(doc: Any, pointer: PathKey = op.pointer, status: Any = status, code: str = code) -> None:
                    node_at(doc, pointer)["responses"][status] = _error_ref(doc, code)

                self.add("BE103", op.operation_id, f"answer {code} with the standard error envelope", apply)

    def be104(self) -> None:
        for op in self.contract.operations:
            if not self.ctx.is_list(op):
                continue
            limit = op.parameter("limit", "query")
            limit_schema = self.contract.resolve(limit.get("schema")) if limit else None
            body = self.contract.resolve(self.contract.response_schema(op, "200"))
            array = isinstance(body, dict) and body.get("type") == "array"
            if (
                op.parameter("cursor", "query") is not None
                and isinstance(limit_schema, dict)
                and "maximum" in limit_schema
                and not array
            ):
                continue
            self.add(
                "BE104", op.operation_id, "paginate: cursor, bounded limit, {items, next_cursor}", self._paginate(op)
            )

    def _max_limit(self) -> int:
        pagination = self.bundle.perf.pagination if self.bundle and self.bundle.perf else None
        return pagination.max_limit if pagination else 200

    def _paginate(self, op: Operation) -> Apply:
        max_limit = self._max_limit()
        entity = self._entity_of(op)

        def apply(doc: Any) -> None:
            params = _op_params(doc, op.pointer)
            if not _has_param(doc, params, "cursor", "query"):
                params.append(
                    to_commented(
                        _ensure(
                            doc,
                            "parameters",
                            "Cursor",
                            {
                                "name": "cursor",
                                "in": "query",
                                "description": "Opaque cursor from a previous page's next_cursor.",
                                "schema": {"type": "string", "maxLength": 512},
                            },
                        )
                    )
                )
            limit_param = next(
                (
                    _resolve(doc, p)
                    for p in params
                    if _resolve(doc, p).get("name") == "limit" and _resolve(doc, p).get("in") == "query"
                ),
                None,
            )
            if limit_param is None:
                params.append(
                    to_commented(
                        _ensure(
                            doc,
                            "parameters",
                            "Limit",
                            limit_parameter(max_limit, min(50, max_limit)),
                        )
                    )
                )
            else:
                schema = _resolve(doc, limit_param.setdefault("schema", to_commented({"type": "integer"})))
                schema.setdefault("minimum", 1)
                schema["maximum"] = max_limit
            media = node_at(doc, op.pointer)["responses"]
            ok = _resolve(doc, media.get("200") or media.get(200))
            content = ok.get("content", {}).get("application/json") if isinstance(ok, dict) else None
            if isinstance(content, dict):
                body = _resolve(doc, content.get("schema"))
                if isinstance(body, dict) and body.get("type") == "array":
                    items = body.get("items", {})
                    name = f"{entity or 'Item'}Page"
                    page = {
                        "type": "object",
                        "required": ["items", "next_cursor"],
                        "properties": {
                            "items": {"type": "array", "maxItems": max_limit, "items": dict(items)},
                            "next_cursor": {"type": ["string", "null"], "maxLength": 512},
                        },
                    }
                    content["schema"] = to_commented(_ensure(doc, "schemas", name, page))
                    if "example" in content and isinstance(content["example"], list):
                        content["example"] = to_commented({"items": list(content["example"]), "next_cursor": None})

        return apply

    def _entity_of(self, op: Operation) -> str | None:
        x = op.extensions.get("x-entity")
        if isinstance(x, str):
            return x
        schema = self.contract.response_schema(op, "200")
        resolved = self.contract.resolve(schema)
        if isinstance(resolved, dict) and isinstance(resolved.get("items"), dict):
            name = self.contract.ref_name(resolved["items"])
            if name:
                return name
        return None

    def be105(self) -> None:
        for op in self.contract.operations:
            if self.ctx.is_public(op) or (not op.security and not self._will_be_secured(op)):
                continue
            responses = {str(k): v for k, v in (op.raw.get("responses") or {}).items()}
            missing = [c for c in ("401", "403", "429") if c not in responses]
            retry = "429" in responses and not self._retry_after(responses["429"])
            if not missing and not retry:
                continue

            def apply(doc: Any, pointer: PathKey = op.pointer, missing: list[str] = missing) -> None:
                node = node_at(doc, pointer)["responses"]
                for status in missing:
                    node[status] = _error_ref(doc, status)
                target = _resolve(doc, node["429"])
                headers = target.setdefault("headers", to_commented({}))
                if not any(str(k).lower() == "retry-after" for k in headers):
                    headers["Retry-After"] = to_commented(
                        {"description": "Seconds to wait.", "schema": {"type": "integer", "minimum": 0}}
                    )

            what = f"document {', '.join(missing)}" if missing else "add Retry-After to 429"
            self.add("BE105", op.operation_id, what, apply)

    def _will_be_secured(self, op: Operation) -> bool:
        return bool(self.doc.get("security")) or any(
            c.code == "BE101" and c.operation == op.operation_id for c in self.changes
        )

    def _retry_after(self, response: Any) -> bool:
        resolved = self.contract.resolve(response)
        return isinstance(resolved, dict) and any(
            str(k).lower() == "retry-after" for k in (resolved.get("headers") or {})
        )

    def be106(self) -> None:
        fields = self._datamodel_fields()
        for pointer, schema, role in self.ctx.schemas():
            types = schema.get("type")
            types = set(types) if isinstance(types, list) else {types}
            prop = str(pointer[-1]) if len(pointer) >= 2 and pointer[-2] == "properties" else None
            known = fields.get(prop) if prop else None
            bounds: dict[str, Any] = {}
            if "array" in types and "maxItems" not in schema:
                bounds["maxItems"] = known.get("maxItems", MAX_ARRAY_ITEMS) if known else MAX_ARRAY_ITEMS
            if (
                "string" in types
                and "maxLength" not in schema
                and "enum" not in schema
                and schema.get("format") not in BOUNDED_FORMATS
            ):
                if known and "maxLength" in known:
                    bounds["maxLength"] = known["maxLength"]
                elif role != "response":
                    bounds["maxLength"] = DEFAULT_MAX_LENGTH["string"]
            if not bounds or not self._addresses(pointer, schema):
                continue
            where = "/".join(str(p) for p in pointer)

            def apply(doc: Any, pointer: PathKey = pointer, bounds: dict[str, Any] = bounds) -> None:
                node = node_at(doc, pointer)
                if "$ref" in node:
                    return
                for key, value in bounds.items():
                    node.setdefault(key, value)

            self.add("BE106", where, "bound it: " + ", ".join(f"{k}: {v}" for k, v in bounds.items()), apply)
        self._dedupe("BE106")

    def _addresses(self, pointer: PathKey, schema: Any) -> bool:
        """The pointer leads to this very node (merged path-level parameters shift the indexes)."""
        try:
            return node_at(self.doc, pointer) is schema
        except (KeyError, IndexError, TypeError):
            return False

    def _dedupe(self, code: str) -> None:
        seen: set[str] = set()
        kept = []
        for c in self.changes:
            if c.code == code:
                if c.operation in seen:
                    continue
                seen.add(c.operation)
            kept.append(c)
        self.changes = kept

    def _datamodel_fields(self) -> dict[str, dict[str, Any]]:
        """Field name → bounds from datamodel.yaml (only names whose bounds agree across entities)."""
        out: dict[str, dict[str, Any]] = {}
        clash: set[str] = set()
        if self.bundle is None or self.bundle.datamodel is None:
            return out
        for entity in self.bundle.datamodel.entities.values():
            for name, spec in entity.fields.items():
                schema = value_schema(spec)
                bounds: dict[str, Any] = {k: schema[k] for k in ("maxLength", "maxItems") if k in schema}
                if name in out and out[name] != bounds:
                    clash.add(name)
                out[name] = bounds
        return {k: v for k, v in out.items() if k not in clash}

    def be107(self) -> None:
        for op in self.contract.operations:
            schema = self.contract.resolve(self.contract.request_schema(op))
            if not isinstance(schema, dict) or schema.get("type", "object") != "object":
                continue
            if schema.get("additionalProperties") is False:
                continue

            def apply(doc: Any, pointer: PathKey = op.pointer) -> None:
                body = _resolve(doc, node_at(doc, pointer)["requestBody"])
                target = _resolve(doc, body["content"]["application/json"]["schema"])
                target["additionalProperties"] = False

            self.add("BE107", op.operation_id, "close the request body (additionalProperties: false)", apply)

    def be108(self) -> None:
        for op in self.contract.operations:
            if not op.path_params or self.ctx.is_public(op):
                continue
            if "404" in {str(k) for k in (op.raw.get("responses") or {})}:
                continue

            def apply(doc: Any, pointer: PathKey = op.pointer) -> None:
                node_at(doc, pointer)["responses"]["404"] = _error_ref(doc, "404")

            self.add("BE108", op.operation_id, "document 404 for ids outside the caller's tenant", apply)

    def be109(self) -> None:
        for op in self.contract.operations:
            schema = self.contract.resolve(self.contract.request_schema(op))
            if not isinstance(schema, dict):
                continue
            for name, prop in (schema.get("properties") or {}).items():
                resolved = self.contract.resolve(prop)
                if not (name in SERVER_MANAGED or (isinstance(resolved, dict) and resolved.get("readOnly"))):
                    continue

                def apply(doc: Any, pointer: PathKey = op.pointer, name: str = name) -> None:
                    body = _resolve(doc, node_at(doc, pointer)["requestBody"])
                    target = _resolve(doc, body["content"]["application/json"]["schema"])
                    target.get("properties", {}).pop(name, None)
                    if name in (target.get("required") or []):
                        target["required"].remove(name)

                self.add("BE109", op.operation_id, f"remove the server-managed field `{name}` from the body", apply)

    def examples(self) -> None:
        """Media types without an example get one built from their schema; shared responses once."""
        done: set[str] = set()
        for op in self.contract.operations:
            targets: list[tuple[PathKey, Any, str]] = []
            body = op.raw.get("requestBody")
            if isinstance(body, dict) and "$ref" not in body:
                for media, content in (body.get("content") or {}).items():
                    targets.append(((*op.pointer, "requestBody", "content", media), content, "request body"))
            for status, response in (op.raw.get("responses") or {}).items():
                base: PathKey = (*op.pointer, "responses", status)
                if isinstance(response, dict) and isinstance(response.get("$ref"), str):
                    ref = response["$ref"]
                    if ref in done:
                        continue
                    done.add(ref)
                    base = tuple(ref[2:].split("/"))
                    response = self.contract.resolve(response)
                for media, content in ((response or {}).get("content") or {}).items():
                    targets.append(((*base, "content", media), content, f"response {status}"))
            for pointer, content, what in targets:
                if not isinstance(content, dict) or "example" in content or "examples" in content:
                    continue
                if "schema" not in content or not self._addresses(pointer, content):
                    continue
                if sample(self.contract.resolve, content["schema"]) is None:
                    continue

                def apply(doc: Any, pointer: PathKey = pointer) -> None:
                    node = node_at(doc, pointer)
                    if "example" not in node and "examples" not in node:
                        value = sample(lambda n: _resolve(doc, n), node["schema"])
                        node["example"] = to_commented(json.loads(json.dumps(value)))

                self.add(
                    "EXAMPLE",
                    op.operation_id,
                    f"add an example to the {what} ({'/'.join(map(str, pointer[-2:]))})",
                    apply,
                )

    def propose(self) -> list[Change]:
        for fixer in (
            self.be101,
            self.be102,
            self.be103,
            self.be104,
            self.be105,
            self.be106,
            self.be107,
            self.be108,
            self.be109,
            self.examples,
        ):
            fixer()
        return self.changes


def propose_changes(text: str, bundle: Bundle | None, public: Iterable[str] = ()) -> list[Change]:
    return Proposer(text, bundle, frozenset(public)).propose()


def select(changes: list[Change], accept: Iterable[str]) -> list[Change]:
    """The accepted changes: ``all``, rule codes (BE104) or change ids (BE104-2); unknown names are an error."""
    wanted = [a.strip() for a in accept if a.strip()]
    if "all" in wanted:
        return list(changes)
    known = {c.id for c in changes} | {c.code for c in changes}
    unknown = [w for w in wanted if w not in known]
    if unknown:
        raise AcceptError(
            f"--accept {', '.join(unknown)}: no such change; choose from {', '.join(sorted(known)) or '(none)'} or all"
        )
    return [c for c in changes if c.id in wanted or c.code in wanted]


def apply_changes(text: str, changes: Iterable[Change]) -> str:
    doc = load_roundtrip(text)
    for change in changes:
        change.apply(doc)
    return dump(doc)


def unified(before: str, after: str, name: str = "openapi.yaml") -> str:
    return "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True), f"a/{name}", f"b/{name}"))


def change_diffs(text: str, changes: list[Change], name: str = "openapi.yaml") -> Iterator[tuple[Change, str]]:
    """Each change alone, as a diff against the untouched file (every change is independently acceptable)."""
    base = apply_changes(text, [])
    for change in changes:
        yield change, unified(base, apply_changes(text, [change]), name)
