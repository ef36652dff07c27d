"""Security probes against a running service, derived from its bundle (BE410-BE417).

Leaks (another tenant's data, a role that gets more than security.yaml grants, a bad token that
passes, an injection that crashes, an outbound URL to a private address) are blockers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.spec.bundle import Bundle
from backend_engineer.spec.openapi import ApiContract, Operation
from backend_engineer.verify.samples import body_for
from backend_engineer.verify.service import RunningService, ServiceError, run_service
from backend_engineer.verify.stubs import declared_stubs, is_stub_answer

SQLI = ("' OR '1'='1", "1; DROP TABLE users; --", '" OR ""="', "') UNION SELECT NULL--", "nul\x00byte")
SSRF = (
    "http://127.0.0.1/hook",
    "https://169.254.169.254/latest/meta-data",
    "https://10.0.0.5/x",
    "https://localhost/x",
    "https://[::1]/x",
    "file:///etc/passwd",
)
DB_ERRORS = re.compile(r"(syntax error|sqlite3\.|psycopg|OperationalError|ProgrammingError|Traceback)", re.I)


class ProbeError(Exception):
    pass


@dataclass
class Resources:
    ids: dict[str, str] = field(default_factory=dict)


@dataclass
class Prober:
    svc: RunningService
    api: ApiContract
    client: httpx.Client
    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    stubs: set[str] = field(default_factory=set)

    def add(self, code: str, severity: Severity, title: str, op: Operation, evidence: str, fix: str) -> None:
        self.findings.append(
            Finding(
                code,
                severity,
                title,
                op.path,
                self.api.line_of(op.pointer),
                evidence=evidence,
                recommendation=fix,
                category="security",
                source="probe",
            )
        )

    def headers(self, tenant: str, roles: list[str] | None = None, key: bool = True, **claims: Any) -> dict[str, str]:
        out = {
            "Authorization": f"Bearer {self.svc.token(tenant, roles if roles is not None else self.svc.admin_roles(), **claims)}"
        }
        if key:
            out["Idempotency-Key"] = f"probe-{uuid.uuid4().hex}"
        return out

    def call(
        self,
        op: Operation,
        ids: dict[str, str],
        headers: dict[str, str],
        body: Any = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        path = op.path
        for name in op.path_params:
            path = path.replace("{" + name + "}", ids.get(name, str(uuid.uuid4())))
        self.stats["requests"] = self.stats.get("requests", 0) + 1
        return self.client.request(op.method.upper(), path, json=body, headers=headers, params=params)

    def body(self, op: Operation, unique: str = "") -> Any:
        schema = self.api.request_schema(op)
        return body_for(self.api, schema, unique or uuid.uuid4().hex[:8]) if schema is not None else None


def _item_param(api: ApiContract, collection: str) -> str | None:
    """The path parameter that names one item of a collection: /v1/x/{x_id}, or /v1/tasks/{task_id} for a
    nested /v1/projects/{project_id}/tasks."""
    last = collection.rstrip("/").rsplit("/", 1)[-1]
    for op in api.operations:
        rest = op.path[len(collection) :]
        if op.path.startswith(collection + "/{") and rest.count("/") == 1 and rest.endswith("}"):
            return rest[2:-1]
    for op in api.operations:
        parts = op.path.strip("/").split("/")
        if len(parts) >= 2 and parts[-2] == last and parts[-1].startswith("{") and parts[-1].endswith("}"):
            return parts[-1][1:-1]
    return None


def _seed(p: Prober, tenant: str) -> dict[str, str]:
    """Create one resource per create operation (parents first) and remember their ids by path parameter."""
    ids: dict[str, str] = {}
    creates = [op for op in p.api.operations if op.method == "post" and not op.path.endswith("}")]
    for _ in range(3):
        for op in creates:
            param = _item_param(p.api, op.path)
            if param is None or param in ids or any(n not in ids for n in op.path_params):
                continue
            response = p.call(op, ids, p.headers(tenant), p.body(op))
            if response.status_code == 201:
                ids[param] = str(response.json().get("id"))
    return ids


def _expected(bundle: Bundle) -> tuple[dict[str, str], dict[str, list[str]], set[str]]:
    authz = bundle.security.authorization if bundle.security else None
    if authz is None:
        return {}, {}, set()
    return dict(authz.operations), {r: list(p) for r, p in authz.roles.items()}, set(authz.public_operations)


def _foreign_ids_listed(p: Prober, ids: dict[str, str], public: set[str]) -> None:
    """Collections without path parameters, listed by another tenant, must not show the owner's ids."""
    owned = set(ids.values())
    for op in p.api.operations:
        if op.method != "get" or op.path_params or op.operation_id in public or op.path.endswith("}"):
            continue
        response = p.call(op, ids, p.headers("probe-intruder"))
        p.stats["cross_tenant"] = p.stats.get("cross_tenant", 0) + 1
        try:
            body = response.json()
        except ValueError:
            continue
        items = body.get("items") if isinstance(body, dict) else body
        leaked = sorted(
            str(item.get("id")) for item in items or [] if isinstance(item, dict) and str(item.get("id")) in owned
        )
        if leaked:
            p.add(
                "BE410",
                Severity.BLOCKER,
                f"{op.operation_id}: another tenant's list shows {len(leaked)} foreign item(s)",
                op,
                ", ".join(leaked[:5]),
                "filter list queries by the caller's tenant (and enforce it with row-level security)",
            )


def _cross_tenant(p: Prober, ids: dict[str, str], public: set[str]) -> None:
    _foreign_ids_listed(p, ids, public)
    for op in p.api.operations:
        if not op.path_params or op.operation_id in public:
            continue
        response = p.call(op, ids, p.headers("probe-intruder"), p.body(op))
        p.stats["cross_tenant"] = p.stats.get("cross_tenant", 0) + 1
        if response.status_code < 400 or response.status_code >= 500:
            stub = op.operation_id in p.stubs and is_stub_answer(response)
            p.add(
                "BE410",
                Severity.BLOCKER,
                f"{op.operation_id}: another tenant's id answered {response.status_code}"
                + (
                    " (a needs-business-logic stub must check tenancy on its path ids before it answers 501)"
                    if stub
                    else ""
                ),
                op,
                response.text[:300],
                "filter every query by the caller's tenant and answer 404 for foreign ids",
            )


def _roles(
    p: Prober,
    ids: dict[str, str],
    permissions: dict[str, str],
    roles: dict[str, list[str]],
    public: set[str],
    tenant: str,
) -> None:
    for op in p.api.operations:
        if op.operation_id in public:
            continue
        needed = permissions.get(op.operation_id)
        for role, granted in [*sorted(roles.items()), ("", [])]:
            if op.method == "delete":
                ids = {**ids, **_seed(p, tenant)}
            response = p.call(op, ids, p.headers(tenant, [role] if role else []), p.body(op))
            p.stats["role_matrix"] = p.stats.get("role_matrix", 0) + 1
            allowed = needed is not None and needed in granted
            if not allowed and response.status_code != 403:
                p.add(
                    "BE411",
                    Severity.BLOCKER,
                    f"{op.operation_id}: {f'role `{role}`' if role else 'a token without roles'} lacks `{needed}` "
                    f"but got {response.status_code}",
                    op,
                    response.text[:300],
                    "deny by default: check the permission before doing anything",
                )
            if allowed and response.status_code in (401, 403):
                p.add(
                    "BE412",
                    Severity.MAJOR,
                    f"{op.operation_id}: role `{role}` holds `{needed}` but got {response.status_code}",
                    op,
                    response.text[:300],
                    "grant what security.yaml grants",
                )


def _tokens(p: Prober, ids: dict[str, str], public: set[str], tenant: str) -> None:
    auth = p.svc.bundle.security.authentication if p.svc.bundle.security else None
    if auth is None:
        return
    import time

    import jwt

    now = int(time.time())
    none_token = jwt.encode(
        {
            "sub": "x",
            "tenant_id": tenant,
            "roles": p.svc.admin_roles(),
            "iss": auth.issuer,
            "aud": auth.audience,
            "iat": now,
            "exp": now + 600,
        },
        "",
        algorithm="none",
    )
    bad = {
        "missing": {},
        "expired": p.headers(tenant, exp=now - 3600, iat=now - 7200),
        "wrong audience": p.headers(tenant, aud="another-api"),
        "wrong issuer": p.headers(tenant, iss="https://evil.example/"),
        "alg=none": {"Authorization": f"Bearer {none_token}"},
    }
    for op in p.api.operations:
        if op.operation_id in public:
            continue
        for label, headers in bad.items():
            response = p.call(op, ids, {**headers, "Idempotency-Key": f"probe-{uuid.uuid4().hex}"}, p.body(op))
            p.stats["tokens"] = p.stats.get("tokens", 0) + 1
            if response.status_code != 401:
                p.add(
                    "BE413",
                    Severity.BLOCKER,
                    f"{op.operation_id}: {label} token got {response.status_code}",
                    op,
                    response.text[:300],
                    "verify signature, algorithm, issuer, audience and expiry on every call",
                )


def _idempotency(p: Prober, ids: dict[str, str], tenant: str) -> None:
    for op in p.api.operations:
        if op.method != "post" or op.parameter("Idempotency-Key", "header") is None:
            continue
        key = f"probe-{uuid.uuid4().hex}"
        headers = {**p.headers(tenant, key=False), "Idempotency-Key": key}
        body = p.body(op)
        first = p.call(op, ids, headers, body)
        again = p.call(op, ids, headers, body)
        p.stats["idempotency"] = p.stats.get("idempotency", 0) + 1
        if first.status_code < 300 and (again.status_code != first.status_code or again.text != first.text):
            p.add(
                "BE414",
                Severity.MAJOR,
                f"{op.operation_id}: a retry with the same Idempotency-Key was not replayed",
                op,
                f"{first.status_code} then {again.status_code}",
                "store the first response per key and replay it",
            )
        schema = p.api.resolve(p.api.request_schema(op)) or {}
        free_text = [
            k
            for k, v in (schema.get("properties") or {}).items()
            if isinstance(body, dict)
            and k in body
            and isinstance(body[k], str)
            and isinstance(p.api.resolve(v), dict)
            and "enum" not in p.api.resolve(v)
            and not p.api.resolve(v).get("format")
        ]
        if first.status_code < 300 and free_text:
            field_name = free_text[0]
            changed = {**body, field_name: body[field_name][:-1] + ("y" if body[field_name][-1:] != "y" else "z")}
            conflict = p.call(op, ids, headers, changed)
            if conflict.status_code != 409:
                p.add(
                    "BE414",
                    Severity.MAJOR,
                    f"{op.operation_id}: the same key with another body got {conflict.status_code}, not 409",
                    op,
                    conflict.text[:300],
                    "answer 409 on key reuse",
                )


def _free_text(api: ApiContract, schema: Any) -> bool:
    """A string a client may fill freely: no enum, format or pattern stands between it and the database."""
    s = api.resolve(schema)
    if not isinstance(s, dict) or any(k in s for k in ("enum", "format", "pattern", "const")):
        return False
    kind = s.get("type")
    return kind == "string" or (isinstance(kind, list) and "string" in kind)


def _injection(p: Prober, ids: dict[str, str], tenant: str, max_body: int) -> None:
    """SQL-injection payloads into every free-text body field, and into each free-text query parameter
    on its own (so a strict sibling such as ``limit`` cannot mask the one that reaches the database)."""
    for op in p.api.operations:
        schema = p.api.resolve(p.api.request_schema(op))
        string_fields = [k for k, v in ((schema or {}).get("properties") or {}).items() if _free_text(p.api, v)]
        queries = [q["name"] for q in op.parameters if q.get("in") == "query" and _free_text(p.api, q.get("schema"))]
        attempts: list[tuple[str, dict[str, str]]] = []
        for payload in SQLI:
            if string_fields:
                attempts.append((payload, {}))
            attempts.extend((payload, {q: payload}) for q in queries)
        for payload, params in attempts:
            body = p.body(op)
            if isinstance(body, dict) and not params:
                body.update({k: payload for k in string_fields})
            response = p.call(op, ids, p.headers(tenant), body, params)
            p.stats["injection"] = p.stats.get("injection", 0) + 1
            if op.operation_id in p.stubs and is_stub_answer(response):
                continue
            if response.status_code >= 500 or DB_ERRORS.search(response.text):
                where = f"query `{next(iter(params))}`" if params else "body"
                p.add(
                    "BE415",
                    Severity.BLOCKER,
                    f"{op.operation_id}: {'a NUL byte' if chr(0) in payload else 'an SQL-injection payload'} "
                    f"in the {where} caused {response.status_code}",
                    op,
                    f"{payload!r}: {response.text[:300]}",
                    "bind parameters; never build SQL from strings; never leak database errors",
                )
        if op.method in ("post", "put", "patch"):
            _oversized(p, op, ids, tenant, max_body)


def _oversized(p: Prober, op: Operation, ids: dict[str, str], tenant: str, max_body: int) -> None:
    """A body above input_safety.max_body_bytes must be refused with 413 before it is parsed, both with a
    Content-Length and streamed in chunks (no length to trust)."""
    padding = "x" * (max_body + 1024)
    declared = p.call(op, ids, p.headers(tenant), {"padding": padding})

    def chunks() -> Iterator[bytes]:
        data = b'{"padding": "' + padding.encode() + b'"}'
        for start in range(0, len(data), 65536):
            yield data[start : start + 65536]

    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", ids.get(name, str(uuid.uuid4())))
    streamed = p.client.request(
        op.method.upper(),
        path,
        content=chunks(),
        headers={**p.headers(tenant), "Content-Type": "application/json"},
    )
    p.stats["oversized"] = p.stats.get("oversized", 0) + 2
    for how, response in (("with Content-Length", declared), ("streamed", streamed)):
        if response.status_code == 413:
            continue
        if how == "streamed" and op.operation_id in p.stubs and is_stub_answer(response):
            continue  # the stub answered without reading the body: nothing oversized was parsed
        # A 400 on the streamed body means the read was cut short but the framework reported it as a
        # parse error (FastAPI wraps receive() errors): the limit holds, only the status is wrong.
        cut_short = how == "streamed" and response.status_code == 400
        p.add(
            "BE416",
            Severity.MINOR if cut_short else Severity.MAJOR,
            f"{op.operation_id}: an oversized body ({how}) got {response.status_code}, not 413",
            op,
            response.text[:200],
            "reject bodies above input_safety.max_body_bytes with 413 before parsing them",
        )


def _ssrf(p: Prober, ids: dict[str, str], tenant: str) -> None:
    sec = p.svc.bundle.security
    outbound = sec.input_safety.outbound_urls if sec and sec.input_safety else None
    fields = {f.split(".")[-1] for f in (outbound.fields if outbound else [])}
    for op in p.api.operations:
        schema = p.api.resolve(p.api.request_schema(op))
        props = set((schema or {}).get("properties") or {})
        for name in fields & props:
            for url in SSRF:
                body = p.body(op)
                body[name] = url
                response = p.call(op, ids, p.headers(tenant), body)
                p.stats["ssrf"] = p.stats.get("ssrf", 0) + 1
                if response.status_code < 400:
                    p.add(
                        "BE417",
                        Severity.BLOCKER,
                        f"{op.operation_id}: outbound URL {url} was accepted",
                        op,
                        response.text[:200],
                        "validate outbound URLs: https only, no private/loopback targets",
                    )


def _stub_answers(p: Prober, ids: dict[str, str], tenant: str) -> dict[str, int]:
    """What each declared stub answers its own tenant with every role: 501 while it is still a stub."""
    answers = {}
    for op in p.api.operations:
        if op.operation_id in p.stubs:
            answers[op.operation_id] = p.call(op, ids, p.headers(tenant), p.body(op)).status_code
    return answers


def probe_running(svc: RunningService) -> tuple[list[Finding], dict[str, Any]]:
    api = svc.bundle.api
    if api is None:
        raise ProbeError("the bundle has no openapi.yaml")
    permissions, roles, public = _expected(svc.bundle)
    max_body = (
        svc.bundle.security.input_safety.max_body_bytes
        if svc.bundle.security and svc.bundle.security.input_safety
        else 1_048_576
    )
    with httpx.Client(base_url=svc.base_url, timeout=10) as client:
        p = Prober(svc, api, client, stubs=declared_stubs(svc.root))
        tenant = "probe-owner"
        ids = _seed(p, tenant)
        p.stats["seeded"] = len(ids)
        stubs = _stub_answers(p, ids, tenant)
        _cross_tenant(p, ids, public)
        _tokens(p, ids, public, tenant)
        _idempotency(p, ids, tenant)
        _injection(p, ids, tenant, max_body)
        _ssrf(p, ids, tenant)
        _roles(p, ids, permissions, roles, public, tenant)
    return sort_findings(p.findings), {**p.stats, "stubs": stubs}


def run_probe(service: Path, database_url: str | None = None) -> tuple[list[Finding], dict[str, Any]]:
    """Serve the service on loopback (SQLite, or the given empty database) and probe it."""
    try:
        with run_service(service, database_url=database_url) as svc:
            findings, stats = probe_running(svc)
            stats["database"] = "postgresql" if database_url and database_url.startswith("postgresql") else "sqlite"
            return findings, stats
    except ServiceError as exc:
        raise ProbeError(str(exc)) from exc
