"""BE317: cookie-session apps that accept form posts with no CSRF protection (Flask without CSRFProtect,
aiohttp without a CSRF middleware, Django without CsrfViewMiddleware)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name
from backend_engineer.review.rules._routes import kwarg

CODE = "BE317"
SEVERITY = Severity.MAJOR
TITLE = "no CSRF protection on a cookie-session app"
CATEGORY = "csrf"


def check(ctx: FileContext) -> Iterator[Finding]:
    flags = ctx.project.facts.flags
    if not (flags.get("cookie_session") and flags.get("form_posts")):
        return
    for node in ctx.nodes:
        if isinstance(node, ast.Call):
            name = call_name(node).split(".")[-1]
            if name == "Flask" and not flags.get("flask_csrf"):
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: Flask app",
                    node,
                    "enable flask_wtf.csrf.CSRFProtect(app) and put csrf_token() in every form",
                    CATEGORY,
                )
            elif name == "Application":
                middlewares = kwarg(node, "middlewares")
                if middlewares is not None and not re.search(r"csrf", ast.unparse(middlewares), re.I):
                    yield ctx.finding(
                        CODE,
                        SEVERITY,
                        f"{TITLE}: aiohttp app",
                        node,
                        "add a CSRF middleware (aiohttp-csrf) that checks a token on every unsafe request",
                        CATEGORY,
                    )
        elif (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id in {"MIDDLEWARE", "MIDDLEWARE_CLASSES"} for t in node.targets)
            and "CsrfViewMiddleware" not in ast.unparse(node.value)
        ):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: Django MIDDLEWARE lacks CsrfViewMiddleware",
                node,
                "add django.middleware.csrf.CsrfViewMiddleware",
                CATEGORY,
            )
