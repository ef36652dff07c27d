"""What every OpenAPI rule sees: the document, its line index, resolved operations and public ids."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from backend_engineer.findings import Finding, Severity
from backend_engineer.spec.openapi import ApiContract, Operation
from backend_engineer.spec.yamlio import PathKey


@dataclass
class LintContext:
    path: str
    contract: ApiContract
    public: frozenset[str] = field(default_factory=frozenset)

    @property
    def doc(self) -> dict[str, Any]:
        return self.contract.doc

    def line(self, pointer: PathKey) -> int:
        return self.contract.line_of(pointer)

    def finding(
        self, code: str, severity: Severity, title: str, pointer: PathKey, evidence: str, recommendation: str
    ) -> Finding:
        return Finding(
            code=code,
            severity=severity,
            title=title,
            path=self.path,
            line=self.line(pointer),
            evidence=evidence,
            recommendation=recommendation,
            category="api-contract",
            source="openapi-lint",
        )

    def is_public(self, op: Operation) -> bool:
        return op.operation_id in self.public or bool(op.raw.get("x-public"))

    def is_list(self, op: Operation) -> bool:
        if op.method != "get":
            return False
        if op.extensions.get("x-action") == "list":
            return True
        schema = self.contract.resolve(self.contract.response_schema(op, "200"))
        if not isinstance(schema, dict):
            return False
        if schema.get("type") == "array":
            return True
        items = self.contract.resolve((schema.get("properties") or {}).get("items"))
        return isinstance(items, dict) and items.get("type") == "array"

    def schemas(self) -> Iterator[tuple[PathKey, dict[str, Any], str]]:
        """Every schema node with its pointer and role: 'request', 'response' or 'parameter'."""
        seen: set[int] = set()

        def walk(node: Any, pointer: PathKey, role: str) -> Iterator[tuple[PathKey, dict[str, Any], str]]:
            if not isinstance(node, dict):
                return
            if "$ref" in node:
                target = self.contract.resolve(node)
                name = str(node["$ref"])
                key = hash((name, role))
                if key in seen or not isinstance(target, dict):
                    return
                seen.add(key)
                parts = tuple(name[2:].split("/"))
                yield from walk(target, parts, role)
                return
            yield pointer, node, role
            for prop, sub in (node.get("properties") or {}).items():
                yield from walk(sub, (*pointer, "properties", prop), role)
            if isinstance(node.get("items"), dict):
                yield from walk(node["items"], (*pointer, "items"), role)
            for combinator in ("allOf", "anyOf", "oneOf"):
                for i, sub in enumerate(node.get(combinator) or []):
                    yield from walk(sub, (*pointer, combinator, i), role)

        for op in self.contract.operations:
            body = self.contract.resolve(op.raw.get("requestBody"))
            if isinstance(body, dict):
                for media, content in (body.get("content") or {}).items():
                    if isinstance(content, dict):
                        yield from walk(
                            content.get("schema"), (*op.pointer, "requestBody", "content", media, "schema"), "request"
                        )
            for i, param in enumerate(op.parameters):
                yield from walk(param.get("schema"), (*op.pointer, "parameters", i, "schema"), "parameter")
            for status, resp in (op.raw.get("responses") or {}).items():
                resolved = self.contract.resolve(resp)
                if isinstance(resolved, dict):
                    for media, content in (resolved.get("content") or {}).items():
                        if isinstance(content, dict):
                            yield from walk(
                                content.get("schema"),
                                (*op.pointer, "responses", status, "content", media, "schema"),
                                "response",
                            )
