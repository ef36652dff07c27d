"""BE316: cross-site scripting and server-side template injection: templates rendered from strings built at
run time, Markup/mark_safe of request data, HTML answered from strings, autoescape switched off.
Template files (|safe, autoescape false) are checked by review.templates under the same code."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.rules._routes import functions_flows, kwarg, steps

CODE = "BE316"
SEVERITY = Severity.MAJOR
TITLE = "cross-site scripting"
CATEGORY = "xss"
TEMPLATE_FROM_STRING = {"render_template_string", "from_string", "Template"}
SAFE_MARKERS = {"Markup", "mark_safe", "SafeString", "format_html"}
HTML_RESPONSES = {"HTMLResponse", "HttpResponse", "make_response", "Response"}


def _dynamic(value: ast.AST) -> bool:
    return isinstance(value, ast.JoinedStr | ast.BinOp) or (
        isinstance(value, ast.Call) and call_name(value).endswith("format")
    )


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if isinstance(node, ast.Call):
            flag = kwarg(node, "autoescape")
            if isinstance(flag, ast.Constant) and flag.value is False:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: template autoescape switched off",
                    node,
                    "keep autoescape on (select_autoescape()) and mark only sanitised HTML safe",
                    CATEGORY,
                )
    for func, flow, params in functions_flows(ctx):
        dynamic = {
            t.id
            for n in walk(func)
            if isinstance(n, ast.Assign) and _dynamic(n.value)
            for t in n.targets
            if isinstance(t, ast.Name)
        }
        for node in walk(func):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = call_name(node).split(".")[-1]
            first = node.args[0]
            path = flow.path(first, params)
            if name in TEMPLATE_FROM_STRING and (
                _dynamic(first) or (isinstance(first, ast.Name) and first.id in dynamic) or path
            ):
                yield ctx.finding(
                    CODE,
                    Severity.BLOCKER,
                    "server-side template injection: template built from a run-time string",
                    node,
                    "render a fixed template file and pass values as context variables",
                    "ssti",
                    steps(path, node.lineno, f"{name}() compiles the string as a template"),
                )
            elif name in SAFE_MARKERS and path:
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: request data marked safe with {name}()",
                    node,
                    "escape the value, or sanitise it with an allow-list sanitiser before marking it safe",
                    CATEGORY,
                    steps(path, node.lineno, f"{name}() disables escaping"),
                )
            elif name in HTML_RESPONSES and path and (_dynamic(first) and re.search(r"<\w", ast.unparse(first))):
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: HTML built from request data",
                    node,
                    "render a template with autoescape, or html.escape() each value",
                    CATEGORY,
                    steps(path, node.lineno, "HTML response built from the string"),
                )
