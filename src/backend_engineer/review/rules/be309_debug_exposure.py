"""BE309: debug=True, or tracebacks and exception text sent back in responses."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk

CODE = "BE309"
SEVERITY = Severity.MAJOR
TITLE = "debug information exposed"
CATEGORY = "debug"
RESPONSE_WORDS = ("Response", "jsonify", "HTTPException", "JsonResponse", "make_response", "abort(")


LOOPBACK = re.compile(r"^(127\.\d+\.\d+\.\d+|localhost|::1)$")


def _harmless_debug(call: ast.Call) -> bool:
    """aiohttp's Application(debug=True) only turns on asyncio checks; a debugger bound to loopback is the
    local development loop, not an exposure."""
    if call_name(call).split(".")[-1] == "Application":
        return True
    host = next((k.value for k in call.keywords if k.arg == "host"), None)
    return isinstance(host, ast.Constant) and isinstance(host.value, str) and bool(LOOPBACK.match(host.value))


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if isinstance(node, ast.Call):
            for kw in node.keywords:
                if (
                    kw.arg == "debug"
                    and isinstance(kw.value, ast.Constant)
                    and kw.value.value is True
                    and not _harmless_debug(node)
                ):
                    yield ctx.finding(
                        CODE,
                        SEVERITY,
                        f"{TITLE}: debug=True in {call_name(node)}",
                        node,
                        "never enable debug mode outside local development",
                        CATEGORY,
                    )
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "DEBUG" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and node.value.value is True
        ):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: DEBUG = True",
                node,
                "read DEBUG from the environment, default False",
                CATEGORY,
            )
        if isinstance(node, ast.ExceptHandler):
            for sub in walk(ast.Module(body=node.body, type_ignores=[])):
                if isinstance(sub, ast.Return | ast.Raise) and sub is not None:
                    text = ctx.segment(sub)
                    responds = any(word in text for word in RESPONSE_WORDS) or (
                        isinstance(sub, ast.Return) and isinstance(sub.value, ast.Dict)
                    )
                    leaks = (
                        "format_exc" in text
                        or "print_exc" in text
                        or (
                            node.name is not None
                            and (
                                f"str({node.name})" in text
                                or f"{{{node.name}}}" in text
                                or f"repr({node.name})" in text
                            )
                        )
                    )
                    if responds and leaks:
                        yield ctx.finding(
                            CODE,
                            SEVERITY,
                            f"{TITLE}: exception details in a response",
                            sub,
                            "log the exception with a correlation id; answer a generic error envelope",
                            "data-exposure",
                        )
