"""Whole-program facts gathered before the rules run: routes of every framework, how each route
authenticates, which values come from the request (a small taint pass), which values identify the
principal, and which models have an owner.

Rules read these facts instead of re-deriving them, so one route found here (a Flask MethodView,
a Django url, an aiohttp handler, a connexion operationId) is checked by every rule.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from backend_engineer.review.context import AUTH_HINT, call_name, depends_calls, is_auth_dependency, routes, walk

if TYPE_CHECKING:
    from backend_engineer.review.context import FileContext

Func = ast.FunctionDef | ast.AsyncFunctionDef
HTTP_VERBS = {"get", "post", "put", "patch", "delete", "head", "options"}
VIEWSET_ACTIONS = {
    "list": "get",
    "retrieve": "get",
    "create": "post",
    "update": "put",
    "partial_update": "patch",
    "destroy": "delete",
}
VIEW_BASES = re.compile(r"MethodView|Resource|^View$|APIView|ViewSet|GenericAPIView|HTTPEndpoint")
SOURCE_ATTRS = {
    "args",
    "form",
    "json",
    "values",
    "data",
    "files",
    "cookies",
    "headers",
    "query_params",
    "GET",
    "POST",
    "FILES",
    "COOKIES",
    "META",
    "body",
    "match_info",
    "query",
    "path_params",
    "rel_url",
    "url",
    "view_args",
}
SOURCE_CALLS = {"get_json", "get_data", "post", "json", "text", "read", "form", "body"}
REQUEST_NAMES = {"request", "req", "self.request", "flask.request"}
PRINCIPAL_PARAMS = {"user", "current_user", "principal", "identity", "auth_user"}
"""Handler parameters a decorator or dependency fills with the caller (crAPI's @jwt_auth_required user=)."""
NOT_PARAMS = PRINCIPAL_PARAMS | {
    "self",
    "cls",
    "request",
    "req",
    "db",
    "session",
    "conn",
    "background_tasks",
    "response",
    "args",
    "kwargs",
}
AUTH_CALL = re.compile(
    r"auth|token|jwt|verify|current_user|get_user|identity|principal|login_required|permission|"
    r"check_access|require|get_session|credential|api_key|apikey",
    re.I,
)
PRINCIPAL_EXPR = re.compile(
    r"\b(current_user|current_identity|g\.user|g\.current_user|g\.session|request\.user|request\.auth|"
    r"get_jwt_identity|get_current_user|auth_user|get_auth_user|session\[)",
)
PUBLIC_ENDPOINT = re.compile(
    r"login|log_in|signin|sign_in|register|signup|sign_up|logout|token|password_reset|reset_password|"
    r"forgot|health|ready|live|ping|index|home|root|docs|sitemap|static|favicon|about|captcha|otp|verify_email",
    re.I,
)
RELATION = re.compile(r"(^|\.)(ForeignKey|OneToOneField|relationship)$")
OWNER_FIELDS = re.compile(
    r"^(user|user_id|owner|owner_id|author|author_id|created_by|customer|customer_id|account|account_id|"
    r"profile_id|uploaded_by|member_id)$"
)
USERLIKE_FIELDS = {"password", "pwd_hash", "password_hash", "hashed_password", "passwd"}


@dataclass
class Step:
    """One hop of a source-to-sink path: where it is and what happens there."""

    line: int
    note: str


@dataclass
class FunctionFlow:
    """Taint and principal facts of one function: names bound to request data and to the caller's identity."""

    tainted: dict[str, list[Step]] = field(default_factory=dict)
    influenced: set[str] = field(default_factory=set)
    principal: set[str] = field(default_factory=set)

    def path(self, expr: ast.AST, params: set[str]) -> list[Step] | None:
        """The source-to-here path when ``expr`` carries request data, else None."""
        for node in walk(expr):
            if isinstance(node, ast.Name) and node.id in self.tainted:
                return self.tainted[node.id]
            if isinstance(node, ast.Name) and node.id in params:
                return [Step(getattr(node, "lineno", 0), f"parameter `{node.id}` (request data)")]
            if is_source(node):
                return [Step(getattr(node, "lineno", 0), f"request data `{ast.unparse(node)[:60]}`")]
        return None

    def uses_principal(self, expr: ast.AST) -> bool:
        text = ast.unparse(expr)
        if PRINCIPAL_EXPR.search(text):
            return True
        return any(isinstance(n, ast.Name) and n.id in self.principal for n in walk(expr))


@dataclass
class RouteFact:
    ctx: FileContext
    func: Func
    methods: frozenset[str]
    framework: str
    params: set[str]
    auth: str
    path: str = ""
    admin_only: bool = False

    @property
    def name(self) -> str:
        return self.func.name

    @property
    def takes_credentials(self) -> bool:
        """The route reads a password from the request: a login, register or key-exchange endpoint."""
        return bool(re.search(r"""['"](password|passwd|pwd)['"]""", ast.unparse(self.func)))

    @property
    def public_endpoint(self) -> bool:
        return bool(PUBLIC_ENDPOINT.search(self.func.name) or PUBLIC_ENDPOINT.search(self.path))


@dataclass
class Facts:
    routes: list[RouteFact] = field(default_factory=list)
    owned_models: set[str] = field(default_factory=set)
    userlike_models: set[str] = field(default_factory=set)
    sensitive_producers: set[str] = field(default_factory=set)
    flows: dict[int, FunctionFlow] = field(default_factory=dict)
    csrf_protected: bool = False
    rate_limited_globally: bool = False
    default_auth: bool = False
    project_text: str = ""
    flags: dict[str, bool] = field(default_factory=dict)
    _by_func: dict[int, RouteFact] = field(default_factory=dict)
    param_taint: dict[int, set[str]] = field(default_factory=dict)
    """Parameters of helper functions that some caller passes request data to (a one-level-per-round call graph)."""

    def route_of(self, func: ast.AST) -> RouteFact | None:
        if len(self._by_func) != len(self.routes):
            self._by_func = {id(r.func): r for r in self.routes}
        return self._by_func.get(id(func))

    def flow(self, func: Func, params: set[str] | None = None) -> FunctionFlow:
        key = id(func)
        if key not in self.flows:
            self.flows[key] = taint(func, (params or set()) | self.param_taint.get(key, set()))
        return self.flows[key]


def is_request(node: ast.AST) -> bool:
    return ast.unparse(node) in REQUEST_NAMES


def is_source(node: ast.AST) -> bool:
    if isinstance(node, ast.Attribute) and node.attr in SOURCE_ATTRS and is_request(node.value):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in SOURCE_CALLS and is_request(node.func.value)
    return False


def _targets(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Assign):
        targets: list[ast.AST] = list(node.targets)
    elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr | ast.For | ast.AsyncFor):
        targets = [node.target]
    elif isinstance(node, ast.With | ast.AsyncWith):
        targets = [i.optional_vars for i in node.items if i.optional_vars is not None]
    else:
        return []
    names = []
    for target in targets:
        for sub in walk(target):
            if isinstance(sub, ast.Name):
                names.append(sub.id)
    return names


def _value(node: ast.AST) -> ast.AST | None:
    if isinstance(node, ast.Assign | ast.AugAssign | ast.NamedExpr):
        return node.value
    if isinstance(node, ast.AnnAssign):
        return node.value
    if isinstance(node, ast.For | ast.AsyncFor):
        return node.iter
    if isinstance(node, ast.With | ast.AsyncWith):
        return node.items[0].context_expr if node.items else None
    return None


def taint(func: Func, params: set[str]) -> FunctionFlow:
    """Forward, flow-insensitive taint over one function body (two passes reach a fixed point for loops)."""
    flow = FunctionFlow()
    flow.principal |= {a.arg for a in [*func.args.args, *func.args.kwonlyargs] if a.arg in PRINCIPAL_PARAMS}
    for name in sorted(params):
        flow.tainted[name] = [Step(func.lineno, f"parameter `{name}` (request data)")]
    nodes = sorted(
        (n for n in walk(func) if isinstance(n, ast.stmt | ast.NamedExpr) and n is not func),
        key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)),
    )
    for _ in range(2):
        for node in nodes:
            value = _value(node)
            if isinstance(node, ast.If | ast.While) and flow.path(node.test, params):
                for inner in walk(node):
                    flow.influenced.update(_targets(inner))
            if value is None:
                continue
            names = _targets(node)
            if not names:
                continue
            if flow.uses_principal(value) or (
                isinstance(value, ast.Call | ast.Await) and AUTH_CALL.search(call_name(_unawait(value)))
            ):
                flow.principal.update(names)
            path = flow.path(value, params)
            if path is not None:
                step = Step(node.lineno, f"`{', '.join(names)}` = {ast.unparse(value)[:60]}")
                for name in names:
                    if name not in flow.tainted:
                        flow.tainted[name] = [*path, step]
    return flow


def _unawait(node: ast.AST) -> ast.AST:
    return node.value if isinstance(node, ast.Await) else node


def _decorator_auth(func: Func, route_decorator: ast.AST | None) -> str:
    for dec in func.decorator_list:
        if dec is route_decorator:
            continue
        name = call_name(dec) if isinstance(dec, ast.Call | ast.Attribute | ast.Name) else ""
        if name.endswith("permission_classes") and isinstance(dec, ast.Call):
            perms = ast.unparse(dec)
            if "AllowAny" not in perms:
                return "permission_classes"
            continue
        if AUTH_HINT.search(name) and not name.endswith(("route", "api_view")):
            return f"decorator @{name}"
    return ""


def _body_auth(func: Func) -> str:
    """An authentication check inside the handler: a call such as verify_jwt(), or a test of the principal."""
    for node in walk(func):
        if isinstance(node, ast.Call):
            name = call_name(node)
            if AUTH_CALL.search(name.split(".")[-1]) and not name.startswith(("jwt.encode", "jwt.decode")):
                return f"call {name}()"
        if isinstance(node, ast.Attribute | ast.Subscript | ast.Name) and PRINCIPAL_EXPR.search(ast.unparse(node)):
            return "principal used in body"
    return ""


def _params(func: Func) -> set[str]:
    names = {a.arg for a in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]}
    out = set()
    for arg in [*func.args.posonlyargs, *func.args.args, *func.args.kwonlyargs]:
        annotation = ast.unparse(arg.annotation) if arg.annotation else ""
        if arg.arg in NOT_PARAMS or re.search(r"Session|Request|Depends|User|Principal|Connection", annotation):
            continue
        out.add(arg.arg)
    defaults = [d for d in func.args.defaults + [d for d in func.args.kw_defaults if d is not None]]
    for default in defaults:
        if isinstance(default, ast.Call) and call_name(default).split(".")[-1] in {"Depends", "Security"}:
            out -= {n for n in names if n in ast.unparse(default)}
    return out


def _class_methods(ctx: FileContext) -> Iterator[tuple[ast.ClassDef, Func, str]]:
    for node in ctx.nodes:
        if not isinstance(node, ast.ClassDef):
            continue
        if not any(VIEW_BASES.search(ast.unparse(b).split(".")[-1]) for b in node.bases):
            continue
        for item in node.body:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                verb = item.name.lower() if item.name.lower() in HTTP_VERBS else VIEWSET_ACTIONS.get(item.name, "")
                if verb:
                    yield node, item, verb


def _class_auth(cls: ast.ClassDef) -> str:
    for item in cls.body:
        if isinstance(item, ast.Assign):
            target = " ".join(ast.unparse(t) for t in item.targets)
            value = ast.unparse(item.value)
            if target in {"permission_classes", "authentication_classes"} and "AllowAny" not in value and value != "[]":
                return target
            if target in {"decorators", "method_decorators"} and AUTH_HINT.search(value):
                return f"{target} {value[:40]}"
    for dec in cls.decorator_list:
        if AUTH_HINT.search(ast.unparse(dec)):
            return f"class decorator {ast.unparse(dec)[:40]}"
    return ""


def _referenced_handlers(contexts: list[FileContext]) -> dict[str, str]:
    """Handlers named by Django urls (path/url/re_path) and aiohttp routers (add_get, web.post, add_route)."""
    found: dict[str, str] = {}
    for ctx in contexts:
        for node in ctx.nodes:
            if not isinstance(node, ast.Call):
                continue
            name = call_name(node)
            last = name.split(".")[-1]
            handler: ast.AST | None = None
            method = "get"
            path = ""
            if last in {"path", "url", "re_path"} and len(node.args) >= 2:
                handler, framework = node.args[1], "django"
            elif last.startswith("add_") and last[4:] in HTTP_VERBS and len(node.args) >= 2:
                handler, framework, method = node.args[1], "aiohttp", last[4:]
            elif last == "add_route" and len(node.args) >= 3:
                handler, framework = node.args[2], "aiohttp"
                method = str(getattr(node.args[0], "value", "get")).lower()
            elif name.startswith("web.") and last in HTTP_VERBS and len(node.args) >= 2:
                handler, framework, method = node.args[1], "aiohttp", last
            else:
                continue
            if node.args and isinstance(node.args[0], ast.Constant):
                path = str(node.args[0].value)
            if isinstance(handler, ast.Name | ast.Attribute):
                found[ast.unparse(handler).split(".")[-1]] = f"{framework}|{method}|{path}"
    return found


def _connexion_operations(root: Path) -> dict[str, str]:
    """operationId -> method|path from OpenAPI files next to the code (connexion routes)."""
    out: dict[str, str] = {}
    if not root.is_dir():
        return out
    for spec in [*root.rglob("*.yml"), *root.rglob("*.yaml")]:
        if any(p in {"node_modules", ".venv", ".git"} for p in spec.parts):
            continue
        try:
            data = yaml.safe_load(spec.read_text(encoding="utf-8", errors="replace"))
        except (yaml.YAMLError, OSError):
            continue
        if not isinstance(data, dict) or not isinstance(data.get("paths"), dict):
            continue
        for path, ops in data["paths"].items():
            if not isinstance(ops, dict):
                continue
            for method, op in ops.items():
                if isinstance(op, dict) and isinstance(op.get("operationId"), str):
                    secured = "secured" if op.get("security") or data.get("security") else ""
                    out[op["operationId"]] = f"{method}|{path}|{secured}"
    return out


def _before_request_guards(contexts: list[FileContext]) -> set[str]:
    """Files whose app or blueprint has a before_request hook that rejects unauthenticated requests."""
    guarded: set[str] = set()
    for ctx in contexts:
        for func in ctx.functions():
            if not any(ast.unparse(d).endswith(("before_request", "before_app_request")) for d in func.decorator_list):
                continue
            text = ast.unparse(func)
            if re.search(r"abort\(|401|403|redirect\(|raise ", text) and AUTH_CALL.search(text):
                guarded.add(ctx.rel)
    return guarded


def _models(contexts: list[FileContext]) -> tuple[set[str], set[str]]:
    """Models with an owner field, and models that point (ForeignKey, relationship) at an owned model or at a
    user: a service request owned through its vehicle is still someone's."""
    owned: set[str] = set()
    userlike: set[str] = set()
    links: dict[str, set[str]] = {}
    for ctx in contexts:
        for node in ctx.nodes:
            if not isinstance(node, ast.ClassDef):
                continue
            fields: set[str] = set()
            for stmt in node.body:
                if isinstance(stmt, ast.Assign | ast.AnnAssign):
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    fields |= {t.id for t in targets if isinstance(t, ast.Name)}
                    value = stmt.value
                    if isinstance(value, ast.Call) and RELATION.search(call_name(value)) and value.args:
                        target = value.args[0]
                        name = target.value if isinstance(target, ast.Constant) else ast.unparse(target)
                        links.setdefault(node.name, set()).add(str(name).split(".")[-1])
            if any(OWNER_FIELDS.match(f) for f in fields):
                owned.add(node.name)
            if fields & USERLIKE_FIELDS:
                userlike.add(node.name)
    for _ in range(3):
        owned |= {model for model, targets in links.items() if targets & (owned | userlike | {"User"})}
    return owned, userlike


SENSITIVE_KEY = re.compile(
    r"^(password|passwd|pwd|pwd_hash|password_hash|hashed_password|ccn|cc_num|card_number|credit_card|cvv|ssn|"
    r"api_key|mfa_secret|otp_secret|secret_key|private_key)$",
    re.I,
)


def _sensitive_producers(contexts: list[FileContext]) -> set[str]:
    """Functions that build a dict or list carrying a password hash, card number or other secret field."""
    producers: set[str] = set()
    bodies: dict[str, list[Func]] = {}
    for ctx in contexts:
        for func in ctx.functions():
            bodies.setdefault(func.name, []).append(func)
            for node in walk(func):
                if isinstance(node, ast.Dict) and any(
                    isinstance(k, ast.Constant) and isinstance(k.value, str) and SENSITIVE_KEY.match(k.value)
                    for k in node.keys
                ):
                    producers.add(func.name)
    for _ in range(3):
        for name, funcs in bodies.items():
            if name in producers:
                continue
            for func in funcs:
                if any(
                    isinstance(n, ast.Call) and call_name(n).split(".")[-1] in producers
                    for r in walk(func)
                    if isinstance(r, ast.Return) and r.value is not None
                    for n in walk(r.value)
                ):
                    producers.add(name)
    return producers


PROJECT_FLAGS = {
    "cookie_session": re.compile(r"session\[|set_cookie\(|login_user\(|g\.session|get_session\("),
    "form_posts": re.compile(r"request\.form|await request\.post\(\)|request\.POST"),
    "flask_csrf": re.compile(r"CSRFProtect|CsrfProtect|SeaSurf|csrf\.protect|validate_csrf|csrf_token"),
}
"""Project-wide patterns searched once (rules run per file and must not rescan the whole project)."""


GRAPHQL_BASES = re.compile(r"graphene\.|ObjectType|Mutation|strawberry")
GRAPHQL_SKIP = {"self", "root", "info", "cls", "parent", "_", "obj"}


def _graphql_resolvers(ctx: FileContext) -> Iterator[tuple[ast.ClassDef, Func]]:
    for node in ctx.nodes:
        if isinstance(node, ast.ClassDef) and any(GRAPHQL_BASES.search(ast.unparse(b)) for b in node.bases):
            for item in node.body:
                if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    item.name.startswith("resolve_") or item.name == "mutate"
                ):
                    yield node, item


def _propagate(facts: Facts, contexts: list[FileContext]) -> None:
    """Mark the parameters of project functions that receive request data from a caller (three rounds)."""
    index: dict[str, list[Func]] = {}
    for ctx in contexts:
        for func in ctx.functions():
            index.setdefault(func.name, []).append(func)
    work: list[tuple[Func, set[str]]] = [(r.func, r.params) for r in facts.routes]
    for _ in range(3):
        following: list[tuple[Func, set[str]]] = []
        for func, params in work:
            flow = taint(func, params | facts.param_taint.get(id(func), set()))
            for call in walk(func):
                if not isinstance(call, ast.Call):
                    continue
                callees = index.get(call_name(call).split(".")[-1], [])
                if not callees or len(callees) > 3:
                    continue
                for callee in callees:
                    names = [a.arg for a in [*callee.args.posonlyargs, *callee.args.args]]
                    if names and names[0] in {"self", "cls"}:
                        names = names[1:]
                    hit = {names[i] for i, a in enumerate(call.args) if i < len(names) and flow.path(a, params)}
                    hit |= {k.arg for k in call.keywords if k.arg in names and flow.path(k.value, params)}
                    hit -= facts.param_taint.get(id(callee), set())
                    if hit and facts.route_of(callee) is None:
                        facts.param_taint.setdefault(id(callee), set()).update(hit)
                        following.append((callee, set()))
        work = following
    facts.flows.clear()


def gather(contexts: list[FileContext], root: Path) -> Facts:
    facts = Facts()
    facts.owned_models, facts.userlike_models = _models(contexts)
    facts.sensitive_producers = _sensitive_producers(contexts)
    text = "\n".join(c.source for c in contexts)
    facts.project_text = text
    facts.flags = {name: bool(rx.search(text)) for name, rx in PROJECT_FLAGS.items()}
    facts.csrf_protected = bool(re.search(r"CSRFProtect|CsrfProtect|CsrfViewMiddleware|csrf_protect|SeaSurf", text))
    facts.rate_limited_globally = bool(
        re.search(r"default_limits\s*=|DEFAULT_THROTTLE_CLASSES|RateLimitMiddleware|SlowAPIMiddleware", text)
    )
    facts.default_auth = bool(re.search(r"DEFAULT_PERMISSION_CLASSES[^\]]*IsAuthenticated", text, re.S))
    handlers = _referenced_handlers(contexts)
    operations = _connexion_operations(root)
    guarded = _before_request_guards(contexts)
    seen: set[int] = set()

    def add(ctx: FileContext, func: Func, methods: set[str], framework: str, auth: str, path: str = "") -> None:
        if id(func) in seen:
            return
        seen.add(id(func))
        auth = auth or _body_auth(func) or ("before_request" if ctx.rel in guarded else "")
        admin = bool(re.search(r"IsAdmin|admin_required|staff_member_required|superuser", ast.unparse(func)[:400]))
        facts.routes.append(
            RouteFact(ctx, func, frozenset(methods), framework, _params(func), auth, path, admin_only=admin)
        )

    for ctx in contexts:
        for route in routes(ctx):
            deps = any(is_auth_dependency(d) for d in depends_calls(route.func.args)) or any(
                is_auth_dependency(d)
                for kw in route.decorator.keywords
                if kw.arg == "dependencies"
                for d in depends_calls(kw.value)
            )
            path = str(getattr(route.decorator.args[0], "value", "")) if route.decorator.args else ""
            add(
                ctx,
                route.func,
                set(route.methods),
                route.framework,
                "dependency" if deps else _decorator_auth(route.func, route.decorator),
                path,
            )
        for func in ctx.functions():
            for dec in func.decorator_list:
                if isinstance(dec, ast.Call) and call_name(dec).endswith("api_view"):
                    methods = {
                        str(e.value).lower()
                        for a in dec.args
                        if isinstance(a, ast.List | ast.Tuple)
                        for e in a.elts
                        if isinstance(e, ast.Constant)
                    } or {"get"}
                    auth = _decorator_auth(func, dec) or ("settings" if facts.default_auth else "")
                    add(ctx, func, methods, "drf", auth)
        for cls, method, verb in _class_methods(ctx):
            auth = _class_auth(cls) or _decorator_auth(method, None)
            if not auth and facts.default_auth and re.search(r"APIView|ViewSet", ast.unparse(cls.bases[0])):
                auth = "settings"
            add(ctx, method, {verb}, "class-view", auth)
        for _cls, resolver in _graphql_resolvers(ctx):
            params = {a.arg for a in [*resolver.args.args, *resolver.args.kwonlyargs]} - GRAPHQL_SKIP
            fact = RouteFact(ctx, resolver, frozenset({"post"}), "graphql", params, "", resolver.name)
            if id(resolver) not in seen:
                seen.add(id(resolver))
                fact.auth = _decorator_auth(resolver, None) or _body_auth(resolver)
                facts.routes.append(fact)
        module = ctx.rel.removesuffix(".py").replace("/", ".")
        for func in ctx.functions():
            if func.name in handlers and (ctx.rel.endswith("views.py") or "view" in ctx.rel or "handler" in ctx.rel):
                framework, verb, url = handlers[func.name].split("|", 2)
                add(ctx, func, {verb}, framework, _decorator_auth(func, None), url)
            for op, spec in operations.items():
                if op in {f"{module}.{func.name}", f"{module.split('.')[-1]}.{func.name}"}:
                    verb, url, secured = spec.split("|")
                    add(ctx, func, {verb.lower()}, "connexion", "openapi security" if secured else "", url)
    _propagate(facts, contexts)
    return facts
