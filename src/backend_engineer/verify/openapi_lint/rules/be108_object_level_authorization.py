"""BE108 (OWASP API1, broken object-level authorization): item operations document 404 for foreign ids."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE108"
SEVERITY = Severity.MINOR
TITLE = "item operation does not document 404"


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        if not op.path_params or ctx.is_public(op):
            continue
        if "404" not in {str(k) for k in (op.raw.get("responses") or {})}:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{op.operation_id}: {TITLE}",
                (*op.pointer, "responses"),
                f"{op.path} takes {', '.join(op.path_params)} but documents no 404",
                "answer 404 for ids outside the caller's tenant and document it",
            )
