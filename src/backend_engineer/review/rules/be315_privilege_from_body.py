"""BE315: a privilege field (admin flag, role, staff/superuser) set from request data outside an admin-only
route: self-service privilege escalation."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, walk
from backend_engineer.review.rules._routes import functions_flows, steps

CODE = "BE315"
SEVERITY = Severity.BLOCKER
TITLE = "privilege field taken from the request"
CATEGORY = "mass-assignment"
PRIVILEGE = re.compile(
    r"^(admin|is_admin|isadmin|role|roles|is_staff|is_superuser|superuser|permissions|privileges?|"
    r"account_type|user_type|is_verified|groups)$",
    re.I,
)


def check(ctx: FileContext) -> Iterator[Finding]:
    facts = ctx.project.facts
    for func, flow, params in functions_flows(ctx):
        route = facts.route_of(func)
        if route is not None and route.admin_only:
            continue
        for node in walk(func):
            pairs: list[tuple[str, ast.AST]] = []
            if isinstance(node, ast.Call):
                pairs = [(k.arg, k.value) for k in node.keywords if k.arg]
            elif isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Attribute):
                pairs = [(node.targets[0].attr, node.value)]
            for field, value in pairs:
                if not PRIVILEGE.match(field):
                    continue
                path = flow.path(value, params)
                influenced = any(isinstance(n, ast.Name) and n.id in flow.influenced for n in walk(value))
                if path is None and not influenced:
                    continue
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: {field}",
                    node,
                    "never take privilege fields from the request; set them server-side or in an admin-only route",
                    CATEGORY,
                    steps(path, getattr(node, "lineno", 0), f"{field} set from the request"),
                )
