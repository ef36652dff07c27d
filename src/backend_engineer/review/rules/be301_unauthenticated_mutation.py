"""BE301: a mutating route with no auth dependency at the parameter, decorator, router or app level."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import (
    AUTH_HINT,
    FileContext,
    call_name,
    depends_calls,
    is_auth_dependency,
    routes,
)

CODE = "BE301"
SEVERITY = Severity.BLOCKER
TITLE = "mutating route without authentication"
CATEGORY = "function-auth"
AUTH_DECORATORS = AUTH_HINT


def _protected_owners(ctx: FileContext) -> set[str]:
    """Routers or apps created with an auth dependency: APIRouter(dependencies=[...]) or FastAPI(dependencies=...)."""
    owners: set[str] = set()
    for node in ctx.nodes:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            ctor = call_name(node.value).split(".")[-1]
            if ctor in {"APIRouter", "FastAPI"} and any(
                kw.arg == "dependencies" and any(is_auth_dependency(d) for d in depends_calls(kw.value))
                for kw in node.value.keywords
            ):
                owners |= {t.id for t in node.targets if isinstance(t, ast.Name)}
        if (
            isinstance(node, ast.Call)
            and call_name(node).endswith("include_router")
            and any(
                kw.arg == "dependencies" and any(is_auth_dependency(d) for d in depends_calls(kw.value))
                for kw in node.keywords
            )
            and node.args
            and isinstance(node.args[0], ast.Name)
        ):
            owners.add(node.args[0].id)
    return owners


def _authenticated_elsewhere(ctx: FileContext, func: ast.AST) -> bool:
    """Login, register and other credential routes are public by design; body checks (verify_jwt(),
    current_user, g.user, request.user) and before_request guards count as authentication."""
    fact = ctx.project.facts.route_of(func)
    return fact is not None and (bool(fact.auth) or fact.public_endpoint or fact.takes_credentials)


def check(ctx: FileContext) -> Iterator[Finding]:
    protected = _protected_owners(ctx)
    for route in routes(ctx):
        if not route.methods & {"post", "put", "patch", "delete"}:
            continue
        if route.owner.split(".")[0] in protected or _authenticated_elsewhere(ctx, route.func):
            continue
        decorator_deps = any(
            is_auth_dependency(d)
            for kw in route.decorator.keywords
            if kw.arg == "dependencies"
            for d in depends_calls(kw.value)
        )
        param_deps = any(is_auth_dependency(d) for d in depends_calls(route.func.args))
        other_decorators = [d for d in route.func.decorator_list if d is not route.decorator]
        decorated = any(
            AUTH_DECORATORS.search(call_name(d) if isinstance(d, ast.Call | ast.Attribute | ast.Name) else "")
            for d in other_decorators
        )
        if not (decorator_deps or param_deps or decorated):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {route.func.name}",
                route.func,
                "add an auth dependency (Depends(get_current_user)) to the route, its router or the app, "
                "or an auth decorator such as @login_required",
                CATEGORY,
            )
