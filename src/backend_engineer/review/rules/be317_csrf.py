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
FLASK_PROTECTION = re.compile(r"CSRFProtect|CsrfProtect|SeaSurf|csrf\.protect|validate_csrf|csrf_token")
COOKIE_SESSION = re.compile(r"session\[|set_cookie\(|login_user\(|g\.session|get_session\(")
FORM_POSTS = re.compile(r"request\.form|await request\.post\(\)|request\.POST")


def check(ctx: FileContext) -> Iterator[Finding]:
    text = ctx.project.facts.project_text
    if not (COOKIE_SESSION.search(text) and FORM_POSTS.search(text)):
        return
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Call):
            name = call_name(node).split(".")[-1]
            if name == "Flask" and not FLASK_PROTECTION.search(text):
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
