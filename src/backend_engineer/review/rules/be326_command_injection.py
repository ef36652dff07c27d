"""BE326: command and code injection: request data reaches a shell, eval or exec."""

from __future__ import annotations

import ast
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, walk
from backend_engineer.review.rules._routes import functions_flows, kwarg, steps

CODE = "BE326"
SEVERITY = Severity.BLOCKER
TITLE = "request data reaches a shell or the interpreter"
CATEGORY = "command-injection"
SHELLS = {"os.system", "os.popen", "commands.getoutput", "subprocess.getoutput", "subprocess.getstatusoutput"}
SUBPROCESS = {
    "subprocess.run",
    "subprocess.call",
    "subprocess.check_output",
    "subprocess.check_call",
    "subprocess.Popen",
}
INTERPRETER = {"eval", "exec"}


def check(ctx: FileContext) -> Iterator[Finding]:
    for func, flow, params in functions_flows(ctx):
        for node in walk(func):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = call_name(node)
            shell = kwarg(node, "shell")
            risky = (
                name in SHELLS
                or name in INTERPRETER
                or (name in SUBPROCESS and isinstance(shell, ast.Constant) and shell.value is True)
            )
            if not risky:
                continue
            path = flow.path(node.args[0], params)
            if path is None:
                continue
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {name}()",
                node,
                "pass an argument list to subprocess.run without a shell, and check each value against an "
                "allow-list; never eval request data",
                CATEGORY,
                steps(path, node.lineno, f"{name}() runs it"),
            )
