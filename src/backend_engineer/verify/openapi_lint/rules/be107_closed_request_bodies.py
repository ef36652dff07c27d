"""BE107: request bodies set additionalProperties: false (the mass-assignment guard starts in the contract)."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE107"
SEVERITY = Severity.MAJOR
TITLE = "request body accepts unknown properties"


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        schema = ctx.contract.resolve(ctx.contract.request_schema(op))
        if (
            isinstance(schema, dict)
            and schema.get("type", "object") == "object"
            and schema.get("additionalProperties") is not False
        ):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{op.operation_id}: {TITLE}",
                (*op.pointer, "requestBody"),
                "the request schema does not set additionalProperties: false",
                "set additionalProperties: false on the request body schema",
            )
