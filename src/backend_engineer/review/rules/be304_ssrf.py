"""BE304: a user-supplied URL reaches outbound HTTP without validation; outbound calls without a timeout."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk

CODE = "BE304"
SEVERITY = Severity.BLOCKER
TITLE = "user-supplied URL reaches outbound HTTP"
CATEGORY = "ssrf"
HTTP = {"requests", "httpx", "urllib.request", "aiohttp", "client", "session"}
VERBS = {"get", "post", "put", "patch", "delete", "head", "request", "urlopen", "stream"}
VALIDATORS = ("check_url", "validate_url", "is_safe_url", "safe_url", "allowlist", "allowed_host", "ssrf")
USER_SOURCES = ("request.", "body.", "payload.", "data[", "args.get", "json[", "form[", "params[", ".url")


def _is_http_call(node: ast.Call) -> bool:
    name = call_name(node)
    parts = name.split(".")
    if parts[-1] not in VERBS:
        return False
    return parts[0] in HTTP or "urlopen" in name or (len(parts) >= 2 and parts[-2] in {"client", "session", "http"})


def check(ctx: FileContext) -> Iterator[Finding]:
    facts = ctx.project.facts
    for func in ctx.functions():
        route = facts.route_of(func)
        flow = facts.flow(func, route.params if route else set())
        text = ctx.segment(func)
        validated = any(v in text for v in VALIDATORS)
        params = {a.arg for a in func.args.args + func.args.kwonlyargs}
        for node in walk(func):
            if not isinstance(node, ast.Call) or not _is_http_call(node):
                continue
            url = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "url"), None)
            url_text = ctx.segment(url) if url is not None else ""
            from_user = url is not None and (
                (isinstance(url, ast.Name) and url.id in params - {"self"})
                or any(s in url_text for s in USER_SOURCES)
                or flow.path(url, set()) is not None
            )
            if from_user and not validated:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE} in {func.name}",
                    node,
                    "validate the URL first: https only, resolve the host and refuse private, loopback "
                    "and link-local addresses",
                    CATEGORY,
                )
            if call_name(node).split(".")[0] == "requests" and not any(k.arg == "timeout" for k in node.keywords):
                yield ctx.finding(
                    CODE,
                    Severity.MINOR,
                    f"outbound HTTP without a timeout in {func.name}",
                    node,
                    "pass timeout=... (requests waits forever by default)",
                    "reliability",
                )
