"""BE324: a login or token route without a rate limit (brute force and credential stuffing)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext
from backend_engineer.review.rules._routes import file_routes

CODE = "BE324"
SEVERITY = Severity.MAJOR
TITLE = "authentication route without a rate limit"
CATEGORY = "rate-limit"
LOGIN = re.compile(r"login|log_in|signin|sign_in|token|authenticate", re.I)
LIMIT = re.compile(r"limit|throttl|ratelimit|rate_limit|brute|lockout|failures", re.I)


def check(ctx: FileContext) -> Iterator[Finding]:
    facts = ctx.project.facts
    if facts.rate_limited_globally:
        return
    for route, _flow in file_routes(ctx):
        if not route.methods & {"post", "put"} or not (LOGIN.search(route.name) or LOGIN.search(route.path)):
            continue
        body = ast.unparse(route.func)
        if "password" not in body or re.search(r"register|signup|sign_up|create", route.name, re.I):
            continue
        decorators = " ".join(ast.unparse(d) for d in route.func.decorator_list)
        if LIMIT.search(decorators) or LIMIT.search(body):
            continue
        yield ctx.finding(
            CODE,
            SEVERITY,
            f"{TITLE}: {route.name}",
            route.func,
            "limit attempts per account and per client (slowapi/flask-limiter/DRF throttles) and slow down "
            "repeated failures",
            CATEGORY,
        )
