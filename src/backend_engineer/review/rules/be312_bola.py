"""BE312: broken object-level authorization (BOLA/IDOR): an owned object or an account is fetched by a
request-supplied id and then returned or changed, with no owner filter and no comparison with the principal."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.facts import FunctionFlow
from backend_engineer.review.rules._routes import file_routes, steps

CODE = "BE312"
SEVERITY = Severity.BLOCKER
TITLE = "object fetched by a request-supplied id without an ownership check"
CATEGORY = "bola"
FETCH = re.compile(
    r"^(?P<model>\w+)\.(query\.(get|get_or_404|filter_by|filter)|objects\.(get|filter)|get|get_by_id|find_one|"
    r"find_by_id|select|query)$"
)
AUTHZ_CALL = re.compile(r"check_object_permissions|has_object_permission|authori[sz]e|can_(access|view|edit)|is_owner")
CREDENTIAL_KEYS = re.compile(r"\b(password\w*|session_id|token|api_key)\s*=")
"""A lookup by password, session id or token authenticates the caller; it is not an object access."""
CREDENTIAL_SOURCE = re.compile(r"cookies|COOKIES|headers|META")
OWNER_ATTR = re.compile(
    r"\.(user|user_id|owner|owner_id|author|author_id|created_by|customer_id|account_id|username)\b"
)


def _model(call: ast.Call) -> str:
    name = call_name(call)
    match = FETCH.match(name)
    if match:
        return match.group("model")
    last = name.split(".")[-1]
    if last in {"get_object_or_404", "get_or_404", "get"} and call.args and isinstance(call.args[0], ast.Name):
        return call.args[0].id
    return ""


def _owner_comparison(node: ast.Compare, flow: FunctionFlow) -> bool:
    """`obj.owner_id != user.id`: one side is the principal, the other an owner attribute of something else."""
    sides = [node.left, *node.comparators]
    principal = [s for s in sides if flow.uses_principal(s)]
    owner = [s for s in sides if OWNER_ATTR.search(ast.unparse(s)) and not flow.uses_principal(s)]
    return bool(principal and owner)


def check(ctx: FileContext) -> Iterator[Finding]:
    facts = ctx.project.facts
    guarded = facts.owned_models | facts.userlike_models
    for route, flow in file_routes(ctx):
        if route.admin_only or route.public_endpoint or not route.auth:
            continue
        text = ast.unparse(route.func)
        if AUTHZ_CALL.search(text):
            continue
        compares_owner = any(isinstance(n, ast.Compare) and _owner_comparison(n, flow) for n in walk(route.func))
        if compares_owner:
            continue
        tests = {id(n) for t in walk(route.func) if isinstance(t, ast.If | ast.While) for n in walk(t.test)}
        for node in walk(route.func):
            if not isinstance(node, ast.Call) or id(node) in tests:
                continue
            model = _model(node)
            if not model or model not in guarded:
                continue
            values = [*node.args, *(k.value for k in node.keywords)]
            if model in {a.id for a in node.args[:1] if isinstance(a, ast.Name)}:
                values = values[1:]
            if any(flow.uses_principal(v) for v in values) or CREDENTIAL_KEYS.search(ast.unparse(node)):
                continue
            path = next((p for v in values if (p := flow.path(v, route.params))), None)
            if path is None or CREDENTIAL_SOURCE.search(path[0].note):
                continue
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {model} in {route.name}",
                node,
                "filter the query by the authenticated principal (owner/user id) or compare the object's owner "
                "with the caller before returning or changing it",
                CATEGORY,
                steps(path, node.lineno, f"{model} fetched with no owner filter"),
            )
            break
