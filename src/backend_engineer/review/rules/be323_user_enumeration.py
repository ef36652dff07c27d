"""BE323: user enumeration: a login answers differently for an unknown user and for a wrong password."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, walk
from backend_engineer.review.rules._routes import file_routes

CODE = "BE323"
SEVERITY = Severity.MAJOR
TITLE = "login tells unknown users from wrong passwords"
CATEGORY = "user-enumeration"
NO_USER = re.compile(
    r"(user(name)?|account|email)\s*(does not|doesn't|not)\s*(exist|found)|no such user|unknown user", re.I
)
BAD_PASSWORD = re.compile(r"(password|passwd)\s*(is\s*)?(not correct|incorrect|wrong|invalid|does not match)", re.I)


def check(ctx: FileContext) -> Iterator[Finding]:
    for route, _flow in file_routes(ctx):
        if "password" not in ast.unparse(route.func):
            continue
        missing = wrong = None
        for node in walk(route.func):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                if NO_USER.search(node.value) and not BAD_PASSWORD.search(node.value):
                    missing = missing or node
                elif BAD_PASSWORD.search(node.value) and not NO_USER.search(node.value):
                    wrong = wrong or node
        if missing is not None and wrong is not None:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {route.name}",
                wrong,
                "answer every failed login with the same message and status, in the same time",
                CATEGORY,
                [(missing.lineno, "unknown user answered one way"), (wrong.lineno, "wrong password another")],
            )
