"""BE310: a POST route that does not handle an Idempotency-Key."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, routes

CODE = "BE310"
SEVERITY = Severity.MAJOR
TITLE = "POST without Idempotency-Key handling"
CATEGORY = "reliability"


def check(ctx: FileContext) -> Iterator[Finding]:
    for route in routes(ctx):
        if "post" not in route.methods:
            continue
        text = ctx.segment(route.func).lower()
        if "idempotency" not in text and "idempotent" not in text:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {route.func.name}",
                route.func,
                "accept an Idempotency-Key header, store the first response and replay it on retries",
                CATEGORY,
            )
