"""BE103: every 4xx and 5xx response uses the error envelope {"error": {code, message, correlation_id}}."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE103"
SEVERITY = Severity.MAJOR
TITLE = "error response without the error envelope"
REQUIRED = {"code", "message", "correlation_id"}


def is_envelope(ctx: LintContext, schema: Any) -> bool:
    schema = ctx.contract.resolve(schema)
    if not isinstance(schema, dict):
        return False
    error = ctx.contract.resolve((schema.get("properties") or {}).get("error"))
    return (
        "error" in (schema.get("required") or [])
        and isinstance(error, dict)
        and set(error.get("required") or []) >= REQUIRED
    )


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        for status, response in (op.raw.get("responses") or {}).items():
            code = str(status)
            if not (code.startswith(("4", "5")) or code in ("4XX", "5XX")):
                continue
            resolved = ctx.contract.resolve(response)
            media = (resolved.get("content") or {}).get("application/json") if isinstance(resolved, dict) else None
            schema = media.get("schema") if isinstance(media, dict) else None
            if not is_envelope(ctx, schema):
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{op.operation_id} {code}: {TITLE}",
                    (*op.pointer, "responses", status),
                    f"response {code} of {op.operation_id} has no application/json error envelope",
                    "reference a shared Error schema: {error: {code, message, correlation_id, details}}",
                )
