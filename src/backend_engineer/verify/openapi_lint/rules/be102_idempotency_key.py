"""BE102: POST, PUT, PATCH and DELETE must take an Idempotency-Key header."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE102"
SEVERITY = Severity.MAJOR
TITLE = "mutation without an Idempotency-Key header"


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        if op.is_mutation and op.parameter("Idempotency-Key", "header") is None:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{op.operation_id}: {TITLE}",
                op.pointer,
                f"{op.method.upper()} {op.path} takes no Idempotency-Key header",
                "add a required Idempotency-Key header parameter (string, 8-128 characters)",
            )
