"""BE106: arrays carry maxItems and strings carry maxLength (inputs: minor; responses: info)."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE106"
SEVERITY = Severity.MINOR
TITLE = "unbounded array or string"
BOUNDED_FORMATS = {"uuid", "date", "date-time", "time", "ipv4", "ipv6", "email"}


def check(ctx: LintContext) -> Iterator[Finding]:
    seen: set[tuple[str, ...]] = set()
    for pointer, schema, role in ctx.schemas():
        types = schema.get("type")
        types = set(types) if isinstance(types, list) else {types}
        key = tuple(str(p) for p in pointer)
        if key in seen:
            continue
        seen.add(key)
        severity = SEVERITY if role in ("request", "parameter") else Severity.INFO
        if "array" in types and "maxItems" not in schema:
            yield ctx.finding(
                CODE, severity, f"{TITLE}: array without maxItems", pointer, f"{'/'.join(key)} ({role})", "add maxItems"
            )
        if (
            "string" in types
            and "maxLength" not in schema
            and "enum" not in schema
            and schema.get("format") not in BOUNDED_FORMATS
        ):
            yield ctx.finding(
                CODE,
                severity,
                f"{TITLE}: string without maxLength",
                pointer,
                f"{'/'.join(key)} ({role})",
                "add maxLength",
            )
