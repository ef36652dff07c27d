"""BE109 (OWASP API3/API6, mass assignment): request bodies expose server-managed fields."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE109"
SEVERITY = Severity.MAJOR
TITLE = "request body accepts a server-managed field"
SERVER_MANAGED = {
    "id",
    "tenant_id",
    "owner_id",
    "created_at",
    "updated_at",
    "version",
    "role",
    "roles",
    "is_admin",
    "permissions",
    "author_id",
}


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        schema = ctx.contract.resolve(ctx.contract.request_schema(op))
        if not isinstance(schema, dict):
            continue
        props = schema.get("properties") or {}
        for name, prop in props.items():
            resolved = ctx.contract.resolve(prop)
            if name in SERVER_MANAGED or (isinstance(resolved, dict) and resolved.get("readOnly")):
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{op.operation_id}: {TITLE} `{name}`",
                    (*op.pointer, "requestBody"),
                    f"`{name}` is writable by the client",
                    f"remove `{name}` from the request schema; the server sets it",
                )
