"""The APIContract: an OpenAPI document with its local ``$ref`` resolved and operations listed.

Refs are resolved lazily through :meth:`ApiContract.resolve`; a dangling ``$ref`` is reported by
:func:`find_dangling_refs` as a value so callers can show it with the YAML line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from backend_engineer.spec.yamlio import LineIndex, PathKey

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
MUTATING_METHODS = frozenset({"post", "put", "patch", "delete"})


class RefError(Exception):
    def __init__(self, ref: str, path: PathKey) -> None:
        super().__init__(f"dangling $ref {ref!r}")
        self.ref = ref
        self.path = path


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str
    pointer: PathKey
    raw: dict[str, Any]
    parameters: tuple[dict[str, Any], ...]
    security: tuple[dict[str, Any], ...] | None
    extensions: dict[str, Any] = field(default_factory=dict)

    @property
    def is_mutation(self) -> bool:
        return self.method in MUTATING_METHODS

    def parameter(self, name: str, location: str | None = None) -> dict[str, Any] | None:
        for p in self.parameters:
            if p.get("name", "").lower() == name.lower() and (location is None or p.get("in") == location):
                return p
        return None

    @property
    def path_params(self) -> list[str]:
        return [p["name"] for p in self.parameters if p.get("in") == "path"]


@dataclass
class ApiContract:
    doc: dict[str, Any]
    lines: LineIndex
    operations: list[Operation] = field(default_factory=list)

    @property
    def version(self) -> str:
        return str(self.doc.get("openapi", ""))

    def operation(self, operation_id: str) -> Operation | None:
        return next((o for o in self.operations if o.operation_id == operation_id), None)

    def resolve(self, node: Any, path: PathKey = (), depth: int = 0) -> Any:
        """Follow ``$ref`` chains on one node (not recursively into children)."""
        while isinstance(node, dict) and "$ref" in node and depth < 50:
            node = self.deref(node["$ref"], path)
            depth += 1
        return node

    def deref(self, ref: str, path: PathKey = ()) -> Any:
        if not isinstance(ref, str) or not ref.startswith("#/"):
            raise RefError(str(ref), path)
        node: Any = self.doc
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and part in node:
                node = node[part]
            else:
                raise RefError(ref, path)
        return node

    def resolve_deep(self, node: Any, _seen: frozenset[str] = frozenset()) -> Any:
        """Return a copy with every local ``$ref`` inlined (recursive refs are left as refs)."""
        if isinstance(node, dict):
            if "$ref" in node and isinstance(node["$ref"], str):
                ref = node["$ref"]
                if ref in _seen:
                    return dict(node)
                return self.resolve_deep(self.deref(ref), _seen | {ref})
            return {k: self.resolve_deep(v, _seen) for k, v in node.items()}
        if isinstance(node, list):
            return [self.resolve_deep(v, _seen) for v in node]
        return node

    def ref_name(self, node: Any) -> str | None:
        if isinstance(node, dict) and isinstance(node.get("$ref"), str):
            return str(node["$ref"]).rsplit("/", 1)[-1]
        return None

    def request_schema(self, op: Operation) -> Any:
        body = self.resolve(op.raw.get("requestBody"))
        if not isinstance(body, dict):
            return None
        media = (body.get("content") or {}).get("application/json")
        return media.get("schema") if isinstance(media, dict) else None

    def response_schema(self, op: Operation, status: str) -> Any:
        resp = self.resolve((op.raw.get("responses") or {}).get(status))
        if not isinstance(resp, dict):
            return None
        media = (resp.get("content") or {}).get("application/json")
        return media.get("schema") if isinstance(media, dict) else None

    def line_of(self, path: PathKey) -> int:
        return self.lines.line_of(path)


def find_dangling_refs(doc: Any) -> list[tuple[str, PathKey]]:
    """Every ``$ref`` that does not point at an existing local node, with where it is."""
    contract = ApiContract(doc=doc if isinstance(doc, dict) else {}, lines=LineIndex())
    out: list[tuple[str, PathKey]] = []

    def walk(node: Any, path: PathKey) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if ref is not None:
                try:
                    contract.deref(ref, path)
                except RefError:
                    out.append((str(ref), (*path, "$ref")))
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(doc, ())
    return out


def iter_operations(contract: ApiContract) -> Iterator[Operation]:
    doc = contract.doc
    global_security = doc.get("security")
    for url, item in (doc.get("paths") or {}).items():
        item = contract.resolve(item, ("paths", url))
        if not isinstance(item, dict):
            continue
        shared = [contract.resolve(p) for p in item.get("parameters") or []]
        for method in HTTP_METHODS:
            raw = item.get(method)
            if not isinstance(raw, dict):
                continue
            own = [contract.resolve(p) for p in raw.get("parameters") or []]
            merged: dict[tuple[str, str], dict[str, Any]] = {}
            for p in [*shared, *own]:
                if isinstance(p, dict):
                    merged[(str(p.get("name")), str(p.get("in")))] = p
            security = raw.get("security", global_security)
            op_id = raw.get("operationId") or _synth_operation_id(method, url)
            yield Operation(
                operation_id=str(op_id),
                method=method,
                path=str(url),
                pointer=("paths", url, method),
                raw=raw,
                parameters=tuple(merged.values()),
                security=tuple(security) if isinstance(security, list) else None,
                extensions={k: v for k, v in raw.items() if isinstance(k, str) and k.startswith("x-")},
            )


def _synth_operation_id(method: str, url: str) -> str:
    parts = [p.strip("{}") for p in url.strip("/").split("/") if p]
    return method + "".join(p[:1].upper() + p[1:] for p in parts)


def build_contract(doc: dict[str, Any], lines: LineIndex) -> ApiContract:
    contract = ApiContract(doc=doc, lines=lines)
    contract.operations = list(iter_operations(contract))
    return contract
