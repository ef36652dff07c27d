"""BE313: broken authentication: JWTs decoded without verification or with "none" allowed, auth
dependencies that fall through (return None), unsigned session cookies, session ids not rotated at login,
and credentials matched as patterns."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name, depends_calls, walk
from backend_engineer.review.rules._routes import functions_flows, kwarg, steps

CODE = "BE313"
SEVERITY = Severity.BLOCKER
TITLE = "broken authentication"
CATEGORY = "broken-auth"
SIGNING = re.compile(r"sign|hmac|itsdangerous|Serializer|jwt\.encode|encrypt|Fernet|dumps_signed|secure_cookie", re.I)
ROTATE = re.compile(r"new_session|invalidate|\.clear\(\)|cycle_key|regenerate|rotate|session\.pop|\blogin\(request,")
PATTERN_CALLS = {"glob", "rglob", "fnmatch", "match", "search", "fullmatch", "iglob"}


def _jwt(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        if not name.endswith("decode") or "jwt" not in name.lower():
            continue
        verify = kwarg(node, "verify")
        options = kwarg(node, "options")
        algorithms = kwarg(node, "algorithms")
        why = ""
        if isinstance(verify, ast.Constant) and verify.value is False:
            why = "jwt.decode(verify=False) accepts any token"
        elif options is not None and re.search(r"verify_signature['\"]\s*:\s*False", ast.unparse(options)):
            why = "signature verification switched off"
        elif algorithms is not None and re.search(r"['\"]none['\"]", ast.unparse(algorithms), re.I):
            why = "the 'none' algorithm is allowed"
        if why:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {why}",
                node,
                "decode with the signing key, algorithms=['HS256'] (or the one you sign with) and signature "
                "verification on",
                CATEGORY,
            )


def _fallthrough(ctx: FileContext) -> Iterator[Finding]:
    deps = {
        ast.unparse(d.args[0]).split(".")[-1]
        for d in depends_calls(ctx.tree)
        if d.args and isinstance(d.args[0], ast.Name | ast.Attribute)
    }
    for func in ctx.functions():
        if func.name not in deps or not re.search(r"user|auth|principal|token|current", func.name, re.I):
            continue
        for node in walk(func):
            if isinstance(node, ast.Return) and (
                node.value is None or (isinstance(node.value, ast.Constant) and node.value.value is None)
            ):
                yield ctx.finding(
                    CODE,
                    SEVERITY,
                    f"{TITLE}: auth dependency {func.name} can return None instead of rejecting",
                    node,
                    "raise HTTPException(401) when the credentials are missing or invalid",
                    CATEGORY,
                )
                break


def _cookies_and_sessions(ctx: FileContext) -> Iterator[Finding]:
    for func, flow, params in functions_flows(ctx):
        text = ast.unparse(func)
        for node in walk(func):
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node)
            if name.endswith("set_cookie") and len(node.args) >= 2:
                cookie = ast.unparse(node.args[0])
                if re.search(r"session|auth|user|token", cookie, re.I) and not SIGNING.search(text):
                    value = ast.unparse(node.args[1])
                    built = re.search(r"b64encode|json\.dumps|dumps|str\(|format|\+", text) or "username" in value
                    if built and not (isinstance(node.args[1], ast.Constant)):
                        yield ctx.finding(
                            CODE,
                            SEVERITY,
                            f"{TITLE}: unsigned session cookie {cookie} can be forged",
                            node,
                            "use a signed session (Flask session, itsdangerous) or a server-side session id",
                            CATEGORY,
                        )
            if name.split(".")[-1] in PATTERN_CALLS and re.search(r"auth|key|token|login", func.name, re.I):
                pattern = next(iter(node.args), None)
                path = flow.path(pattern, params) if pattern is not None else None
                if path:
                    yield ctx.finding(
                        CODE,
                        SEVERITY,
                        f"{TITLE}: credential used as a match pattern in {func.name}",
                        node,
                        "compare credentials exactly (hmac.compare_digest), never as a glob or regex",
                        CATEGORY,
                        steps(path, node.lineno, f"{name}() pattern built from the credential"),
                    )
        if "get_session(" in text and not ROTATE.search(text) and re.search(r"password", text):
            for node in walk(func):
                if (
                    isinstance(node, ast.Assign)
                    and isinstance(node.targets[0], ast.Subscript)
                    and re.search(r"session\[['\"]\w*user", ast.unparse(node.targets[0]))
                ):
                    yield ctx.finding(
                        CODE,
                        SEVERITY,
                        f"{TITLE}: session id not rotated at login (session fixation)",
                        node,
                        "start a new session at login and logout (aiohttp_session.new_session, cycle_key)",
                        CATEGORY,
                    )


def check(ctx: FileContext) -> Iterator[Finding]:
    yield from _jwt(ctx)
    yield from _fallthrough(ctx)
    yield from _cookies_and_sessions(ctx)
