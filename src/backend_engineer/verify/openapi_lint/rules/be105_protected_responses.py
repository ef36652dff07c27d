"""BE105: every protected operation documents 401, 403 and 429, and 429 carries Retry-After."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE105"
SEVERITY = Severity.MINOR
TITLE = "protected operation does not document 401, 403 and 429"


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        if ctx.is_public(op) or not op.security:
            continue
        responses = {str(k): v for k, v in (op.raw.get("responses") or {}).items()}
        missing = [c for c in ("401", "403", "429") if c not in responses]
        if missing:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{op.operation_id}: {TITLE}",
                (*op.pointer, "responses"),
                f"missing responses: {', '.join(missing)}",
                "document 401, 403 and 429 with the envelope",
            )
        elif "429" in responses:
            resolved = ctx.contract.resolve(responses["429"])
            headers = (
                {k.lower() for k in ((resolved or {}).get("headers") or {})} if isinstance(resolved, dict) else set()
            )
            if "retry-after" not in headers:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{op.operation_id}: 429 without Retry-After",
                    (*op.pointer, "responses", "429"),
                    "the 429 response declares no Retry-After header",
                    "add `headers: {Retry-After: {schema: {type: integer}}}` to the 429 response",
                )
