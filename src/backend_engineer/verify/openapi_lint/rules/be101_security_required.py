"""BE101: the effective security of an operation is empty although it is not listed as public."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE101"
SEVERITY = Severity.BLOCKER
TITLE = "operation without authentication"


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        if ctx.is_public(op):
            continue
        if not op.security:
            why = "has no effective security requirement"
        elif any(not alternative for alternative in op.security):
            why = "lists an empty `{}` security alternative, so anonymous calls are accepted"
        else:
            continue
        yield ctx.finding(
            CODE,
            SEVERITY,
            f"{op.operation_id}: {TITLE}",
            op.pointer,
            f"{op.method.upper()} {op.path} {why}",
            "add a security requirement (or a global one), or list the operation as public "
            "(security.yaml public_operations, or x-public: true)",
        )
