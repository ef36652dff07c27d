"""Contract conformance: every operation exercised with a valid request, every response checked against the contract.

For each operation (creates first, so later calls find real ids; deletes last) one valid request is built from the
contract: path ids from the seeded resources, required query parameters, the declared headers and a schema-valid
body, with a token for a role that holds the operation's permission. The response must have a documented status
(BE440), a documented media type (BE441), a body valid against the documented schema (BE442) and every header the
contract marks required (BE443). An operation the check cannot exercise is reported (BE444). A declared
"needs business logic" stub (501 NOT_IMPLEMENTED) is a deviation of its own kind (BE445, info), not a failure.

The handoff's API deviations come from these findings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.spec.openapi import ApiContract, Operation
from backend_engineer.verify.probe import Prober, _item_param, _seed
from backend_engineer.verify.samples import sample
from backend_engineer.verify.service import RunningService, ServiceError, run_service
from backend_engineer.verify.stubs import is_stub_answer

ORDER = {"post": 0, "get": 1, "put": 2, "patch": 3, "head": 4, "options": 5, "delete": 9}


class ConformanceError(Exception):
    pass


@dataclass
class Result:
    findings: list[Finding] = field(default_factory=list)
    stats: dict[str, Any] = field(
        default_factory=lambda: {"operations": 0, "exercised": 0, "conforming": 0, "stubs": [], "responses": {}}
    )


def _media(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def _documented(op: Operation, status: int) -> tuple[str, dict[str, Any]] | None:
    responses: dict[str, Any] = op.raw.get("responses") or {}
    for key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
        if key in responses:
            return key, responses[key]
    return None


def _schema_errors(api: ApiContract, schema: Any, body: Any) -> list[str]:
    """Validation errors of a body against an OpenAPI 3.1 schema; its $refs resolve inside the contract."""
    from jsonschema import Draft202012Validator

    root = {**(schema if isinstance(schema, dict) else {}), "components": api.doc.get("components") or {}}
    validator = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return [
        f"{'/'.join(str(p) for p in error.absolute_path) or '(root)'}: {error.message}"[:300]
        for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    ][:5]


def _roles_for(svc: RunningService, op: Operation) -> list[str]:
    authz = svc.bundle.security.authorization if svc.bundle.security else None
    if authz is None:
        return []
    needed = authz.operations.get(op.operation_id)
    if needed is None:
        return svc.admin_roles()
    holders = sorted(role for role, perms in authz.roles.items() if needed in perms)
    return holders[:1] or svc.admin_roles()


def _query(api: ApiContract, op: Operation) -> dict[str, str]:
    params: dict[str, str] = {}
    for raw in op.parameters:
        param = api.resolve(raw)
        if not isinstance(param, dict) or param.get("in") != "query" or not param.get("required"):
            continue
        schema = api.resolve(param.get("schema")) or {}
        value = param.get("example", schema.get("default", schema.get("example", sample(api, schema, param["name"]))))
        params[param["name"]] = str(value).lower() if isinstance(value, bool) else str(value)
    return params


def _headers(api: ApiContract, op: Operation, prober: Prober, tenant: str, roles: list[str]) -> dict[str, str]:
    headers = prober.headers(tenant, roles, key=False) if op.security != () else {}
    for raw in op.parameters:
        param = api.resolve(raw)
        if not isinstance(param, dict) or param.get("in") != "header":
            continue
        name = str(param["name"])
        if name.lower() == "idempotency-key":
            headers[name] = f"conformance-{uuid.uuid4().hex}"
        elif param.get("required") and name.lower() != "authorization":
            headers[name] = str(sample(api, param.get("schema"), name) or "conformance")
    return headers


def _check(api: ApiContract, op: Operation, response: httpx.Response, result: Result) -> None:
    where = api.line_of(op.pointer)
    label = f"{op.method.upper()} {op.path}"

    def add(code: str, severity: Severity, title: str, evidence: str) -> None:
        result.findings.append(
            Finding(
                code,
                severity,
                f"{label} ({op.operation_id}): {title}",
                "openapi.yaml",
                where,
                evidence=evidence[:600],
                category="contract",
                source="conformance",
                recommendation="make the service answer as the contract says, or document the response",
            )
        )

    result.stats["responses"][op.operation_id] = response.status_code
    media = _media(response.headers.get("content-type"))
    if is_stub_answer(response):
        result.stats["stubs"].append(op.operation_id)
        add("BE445", Severity.INFO, "needs business logic: answers 501 until it is implemented", response.text[:200])
        return
    documented = _documented(op, response.status_code)
    if documented is None:
        codes = sorted(str(c) for c in (op.raw.get("responses") or {}))
        add(
            "BE440",
            Severity.MAJOR,
            f"status {response.status_code} is not documented (documented: {codes})",
            response.text[:300],
        )
        return
    before = len(result.findings)
    key, spec = documented
    spec = api.resolve(spec) or {}
    for name, header in (spec.get("headers") or {}).items():
        header = api.resolve(header) or {}
        if header.get("required") and name.lower() not in response.headers:
            add("BE443", Severity.MAJOR, f"the required header {name} is missing from the {key} response", "")
    content: dict[str, Any] = spec.get("content") or {}
    if not content:
        if response.content and response.status_code != 204:
            add(
                "BE441",
                Severity.MINOR,
                f"a body ({media or 'no media type'}) where the contract documents none",
                response.text[:200],
            )
    else:
        allowed = {_media(m) for m in content}
        if media not in allowed and not any(a.endswith("/*") and media.startswith(a[:-1]) for a in allowed):
            add(
                "BE441",
                Severity.MAJOR,
                f"media type {media or '(none)'} is not documented ({sorted(allowed)})",
                response.text[:200],
            )
        elif media == "application/json" or media.endswith("+json"):
            schema = (api.resolve(content.get(media) or content.get(next(iter(content)))) or {}).get("schema")
            if schema is not None:
                try:
                    body = response.json()
                except ValueError:
                    add("BE442", Severity.MAJOR, "the body is not valid JSON", response.text[:200])
                else:
                    errors = _schema_errors(api, schema, body)
                    if errors:
                        add(
                            "BE442", Severity.MAJOR, f"the body breaks the {key} schema: {errors[0]}", "; ".join(errors)
                        )
    if len(result.findings) == before:
        result.stats["conforming"] += 1


def check_running(svc: RunningService) -> Result:
    api = svc.bundle.api
    if api is None:
        raise ConformanceError("the service's bundle has no openapi.yaml")
    result = Result()
    tenant = f"conformance-{uuid.uuid4().hex[:6]}"
    with httpx.Client(base_url=svc.base_url, timeout=15) as client:
        prober = Prober(svc, api, client)
        ids = _seed(prober, tenant)
        rank = {param: i for i, param in enumerate(ids)}
        operations = sorted(api.operations, key=lambda op: _order(op, rank))
        result.stats["operations"] = len(operations)
        for op in operations:
            if any(name not in ids for name in op.path_params):
                missing = [n for n in op.path_params if n not in ids]
                result.findings.append(
                    Finding(
                        "BE444",
                        Severity.MINOR,
                        f"{op.method.upper()} {op.path} ({op.operation_id}): not exercised, no resource for {missing}",
                        "openapi.yaml",
                        api.line_of(op.pointer),
                        category="contract",
                        source="conformance",
                        recommendation="declare a create operation for the resource, or an example id",
                    )
                )
                continue
            roles = _roles_for(svc, op)
            body = prober.body(op) if op.method in ("post", "put", "patch") else None
            response = prober.client.request(
                op.method.upper(),
                _path(op, ids),
                json=body,
                params=_query(api, op),
                headers=_headers(api, op, prober, tenant, roles),
            )
            result.stats["exercised"] += 1
            _check(api, op, response, result)
            if op.method == "post" and response.status_code == 201 and (param := _item_param(api, op.path)):
                created = response.json() if _media(response.headers.get("content-type")) == "application/json" else {}
                if isinstance(created, dict) and created.get("id") is not None:
                    ids.setdefault(param, str(created["id"]))
    result.findings = sort_findings(result.findings)
    return result


def _order(op: Operation, rank: dict[str, int]) -> tuple[int, int, str]:
    """Creates first, parents before children; deletes last, children (created later) before parents."""
    if op.method == "delete" and op.path_params:
        return ORDER["delete"], -rank.get(op.path_params[-1], -1), op.path
    return ORDER.get(op.method, 8), op.path.count("/"), op.path


def _path(op: Operation, ids: dict[str, str]) -> str:
    path = op.path
    for name in op.path_params:
        path = path.replace("{" + name + "}", ids[name])
    return path


def run_conformance(service: Path, *, database_url: str | None = None) -> tuple[list[Finding], dict[str, Any]]:
    try:
        with run_service(service, database_url=database_url) as svc:
            result = check_running(svc)
    except ServiceError as exc:
        raise ConformanceError(str(exc)) from exc
    return result.findings, result.stats
