"""BE325: broken function-level authorization: permission classes that grant unsafe methods without looking
at the user, and admin decisions taken from a client-supplied header or field."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, walk

CODE = "BE325"
SEVERITY = Severity.BLOCKER
TITLE = "authorization decided without the authenticated user"
CATEGORY = "function-auth"
CLIENT_ROLE = re.compile(
    r"(META|headers|cookies|COOKIES)\W+.*['\"](HTTP_)?(X[-_])?(IS_?ADMIN|ADMIN|ROLE|IS_?STAFF|SUPERUSER)['\"]",
    re.I,
)


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if isinstance(node, ast.ClassDef) and any("Permission" in ast.unparse(b) for b in node.bases):
            for method in node.body:
                if not isinstance(method, ast.FunctionDef) or not method.name.startswith("has_"):
                    continue
                if re.search(r"request\.user|request\.auth|obj\.(user|owner|author)", ast.unparse(method)):
                    continue
                for sub in walk(method):
                    if (
                        isinstance(sub, ast.If)
                        and re.search(r"method\s*(==|in)\s*.*(DELETE|POST|PUT|PATCH)", ast.unparse(sub.test))
                        and any(
                            isinstance(r, ast.Return) and isinstance(r.value, ast.Constant) and r.value.value is True
                            for r in sub.body
                        )
                    ):
                        yield ctx.finding(
                            CODE,
                            SEVERITY,
                            f"{TITLE}: {node.name}.{method.name} grants an unsafe method to anyone",
                            sub,
                            "grant unsafe methods only after checking request.user (owner, staff, role)",
                            CATEGORY,
                        )
        elif isinstance(node, ast.If) and CLIENT_ROLE.search(ast.unparse(node.test)):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: admin decision from a client-supplied value",
                node,
                "take roles from the authenticated principal, never from a header or the body",
                CATEGORY,
            )
