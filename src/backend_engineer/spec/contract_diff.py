"""OpenAPI diff: breaking changes between the contract a service was built from and a new one.

Breaking (for existing clients, within the same major API version): an operation removed, a
response field removed or made optional, a request constraint narrowed (shorter maxLength, fewer enum
values, tighter bounds), a new required parameter or body field, or an optional one made required.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backend_engineer.spec.openapi import ApiContract, Operation
from backend_engineer.spec.yamlio import PathKey


@dataclass(frozen=True)
class BreakingChange:
    kind: str
    operation: str
    location: str
    detail: str
    pointer: PathKey = ()

    @property
    def id(self) -> str:
        return f"{self.kind}:{self.operation}:{self.location}"


def major(version: str) -> str:
    return version.strip().lstrip("v").split(".")[0]


def _key(op: Operation) -> tuple[str, str]:
    return (op.method, op.path)


def _schema_type(schema: dict[str, Any]) -> set[str]:
    t = schema.get("type")
    if isinstance(t, list):
        return {str(x) for x in t}
    return {str(t)} if t else set()


def _narrowed(old: dict[str, Any], new: dict[str, Any]) -> Iterator[str]:
    """Constraint changes that reject values the old schema accepted."""
    for key in ("maxLength", "maximum", "maxItems"):
        if key in new and (key not in old or new[key] < old[key]):
            yield f"{key} {old.get(key, 'unbounded')} -> {new[key]}"
    for key in ("minLength", "minimum", "minItems"):
        if key in new and (key not in old or new[key] > old[key]):
            yield f"{key} {old.get(key, 'unbounded')} -> {new[key]}"
    if "enum" in old and "enum" in new:
        removed = [v for v in old["enum"] if v not in new["enum"]]
        if removed:
            yield f"enum values removed: {removed}"
    elif "enum" in new and "enum" not in old:
        yield f"restricted to enum {new['enum']}"
    old_t, new_t = _schema_type(old), _schema_type(new)
    if old_t and new_t and not old_t <= new_t:
        yield f"type {sorted(old_t)} -> {sorted(new_t)}"
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        yield f"pattern {old.get('pattern')!r} -> {new['pattern']!r}"


def _compare_request(old: Any, new: Any, op: str, where: str) -> Iterator[BreakingChange]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    for detail in _narrowed(old, new):
        yield BreakingChange("request-narrowed", op, where or "body", detail)
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
    for name in sorted(new_req - old_req):
        yield BreakingChange(
            "request-field-required", op, f"{where}.{name}".lstrip("."), f"`{name}` is now required in the request body"
        )
    for name in sorted(set(old_props) - set(new_props)):
        if new.get("additionalProperties") is False:
            yield BreakingChange(
                "request-field-removed", op, f"{where}.{name}".lstrip("."), f"`{name}` was accepted and is now rejected"
            )
    for name in sorted(set(old_props) & set(new_props)):
        yield from _compare_request(old_props[name], new_props[name], op, f"{where}.{name}".lstrip("."))


def _compare_response(old: Any, new: Any, op: str, where: str) -> Iterator[BreakingChange]:
    if not isinstance(old, dict) or not isinstance(new, dict):
        return
    old_props, new_props = old.get("properties") or {}, new.get("properties") or {}
    old_req, new_req = set(old.get("required") or []), set(new.get("required") or [])
    for name in sorted(set(old_props) - set(new_props)):
        yield BreakingChange(
            "response-field-removed", op, f"{where}.{name}".lstrip("."), f"`{name}` is no longer returned"
        )
    for name in sorted((old_req - new_req) & set(new_props)):
        yield BreakingChange(
            "response-field-optional",
            op,
            f"{where}.{name}".lstrip("."),
            f"`{name}` is no longer guaranteed in the response",
        )
    for name in sorted(set(old_props) & set(new_props)):
        o, n = old_props[name], new_props[name]
        if isinstance(o, dict) and isinstance(n, dict):
            old_t, new_t = _schema_type(o), _schema_type(n)
            if old_t and new_t and not new_t <= old_t:
                yield BreakingChange(
                    "response-type-changed",
                    op,
                    f"{where}.{name}".lstrip("."),
                    f"type {sorted(old_t)} -> {sorted(new_t)}",
                )
            if "enum" in o and "enum" in n and [v for v in n["enum"] if v not in o["enum"]]:
                yield BreakingChange(
                    "response-enum-widened", op, f"{where}.{name}".lstrip("."), "new enum values clients may not handle"
                )
            yield from _compare_response(o, n, op, f"{where}.{name}".lstrip("."))
    if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
        yield from _compare_response(old["items"], new["items"], op, f"{where}[]")


def diff_contracts(old: ApiContract, new: ApiContract) -> list[BreakingChange]:
    changes: list[BreakingChange] = []
    new_ops = {_key(o): o for o in new.operations}
    for old_op in old.operations:
        op = new_ops.get(_key(old_op))
        name = old_op.operation_id
        if op is None:
            changes.append(
                BreakingChange(
                    "operation-removed",
                    name,
                    f"{old_op.method.upper()} {old_op.path}",
                    "the operation no longer exists",
                    ("paths",),
                )
            )
            continue
        pointer = op.pointer
        old_params = {(p.get("name"), p.get("in")): p for p in old_op.parameters}
        for p in op.parameters:
            key = (p.get("name"), p.get("in"))
            before = old_params.get(key)
            if p.get("required") and (before is None or not before.get("required")):
                kind = "parameter-added-required" if before is None else "parameter-made-required"
                changes.append(
                    BreakingChange(
                        kind, name, f"{p.get('in')}:{p.get('name')}", f"`{p.get('name')}` is now required", pointer
                    )
                )
            if before is not None:
                o = new.resolve_deep(old.resolve_deep(before.get("schema") or {}))
                n = new.resolve_deep(p.get("schema") or {})
                for detail in _narrowed(o, n):
                    changes.append(
                        BreakingChange("parameter-narrowed", name, f"{p.get('in')}:{p.get('name')}", detail, pointer)
                    )
        old_body = old.resolve_deep(old.request_schema(old_op))
        new_body = new.resolve_deep(new.request_schema(op))
        changes += [
            BreakingChange(c.kind, c.operation, c.location, c.detail, pointer)
            for c in _compare_request(old_body, new_body, name, "")
        ]
        for status in sorted(str(s) for s in (old_op.raw.get("responses") or {})):
            if not status.startswith("2"):
                continue
            old_resp = old.resolve_deep(old.response_schema(old_op, status))
            new_resp = new.resolve_deep(new.response_schema(op, status))
            if old_resp is not None and new_resp is None and status in (op.raw.get("responses") or {}):
                continue
            if str(status) not in {str(s) for s in (op.raw.get("responses") or {})}:
                changes.append(
                    BreakingChange(
                        "response-removed", name, status, f"response {status} is no longer documented", pointer
                    )
                )
                continue
            changes += [
                BreakingChange(c.kind, c.operation, c.location, c.detail, pointer)
                for c in _compare_response(old_resp, new_resp, name, status)
            ]
    return sorted(set(changes), key=lambda c: (c.operation, c.kind, c.location, c.detail))
