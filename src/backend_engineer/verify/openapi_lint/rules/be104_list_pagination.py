"""BE104: list operations use cursor plus a bounded limit and never return a top-level array."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE104"
SEVERITY = Severity.MAJOR
TITLE = "list operation without cursor pagination"


def check(ctx: LintContext) -> Iterator[Finding]:
    for op in ctx.contract.operations:
        if not ctx.is_list(op):
            continue
        problems = []
        if op.parameter("cursor", "query") is None:
            problems.append("no cursor query parameter")
        limit = op.parameter("limit", "query")
        schema = ctx.contract.resolve(limit.get("schema")) if limit else None
        if limit is None:
            problems.append("no limit query parameter")
        elif not isinstance(schema, dict) or "maximum" not in schema:
            problems.append("limit has no maximum")
        body = ctx.contract.resolve(ctx.contract.response_schema(op, "200"))
        if isinstance(body, dict) and body.get("type") == "array":
            problems.append("the response is a top-level array")
        if problems:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{op.operation_id}: {TITLE}",
                op.pointer,
                "; ".join(problems),
                "take `cursor` and `limit` (minimum 1, maximum N) and return {items, next_cursor}",
            )
