"""app/spec_config.py: every bundle-derived constant the static platform code reads."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.render.pyliteral import literal
from backend_engineer.spec.bundle import MissingInput
from backend_engineer.spec.models import OpsGuides, PerfTargets, SecurityPolicy, TechSpec
from backend_engineer.spec.openapi import ApiContract

HEADER_SENSITIVE = (
    "authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "jwt_secret",
    "password",
    "secret",
    "token",
    "webhook_signing_secret",
)


def _kpi_events(kpis: list[str], events: list[str]) -> dict[str, str]:
    """Map KPI counters to events: tasks_created_total <- task.created."""
    out = {}
    for kpi in kpis:
        stem = kpi.removesuffix("_total")
        for event in events:
            entity, _, verb = event.partition(".")
            if stem in (f"{entity}s_{verb}", f"{entity}_{verb}", f"{entity}es_{verb}"):
                out[event] = kpi
    return out


def _webhook_job(ir: ServiceIR) -> dict[str, Any]:
    spec = ir.bundle.techspec
    job = next((j for j in spec.jobs if j.action == "webhook-delivery"), None) if spec else None
    endpoint = None
    for ent in ir.entities.values():
        url = next((f for f, s in ent.fields.items() if s.type == "url" and s.outbound), None)
        if url:
            events = next((f for f, s in ent.fields.items() if s.type == "array"), None)
            active = next((f for f, s in ent.fields.items() if s.type == "boolean"), None)
            endpoint = (ent.table, url, events, active)
            break
    retry = job.retry if job and job.retry else None
    return {
        "enabled": job is not None and endpoint is not None,
        "signature_header": job.signing.header if job and job.signing else "X-Signature",
        "timeout_seconds": job.timeout_seconds if job and job.timeout_seconds else 5,
        "retry": {
            "max_attempts": retry.max_attempts if retry else 5,
            "backoff": retry.backoff if retry else "exponential",
            "base_seconds": retry.base_seconds if retry else 2,
            "max_seconds": retry.max_seconds if retry else 300,
        },
        "dead_letter": bool(job.dead_letter) if job else True,
        "endpoint_table": endpoint[0] if endpoint else None,
        "url_field": endpoint[1] if endpoint else None,
        "events_field": endpoint[2] if endpoint else None,
        "active_field": endpoint[3] if endpoint else None,
    }


Value = tuple[str, str, Any]
"""One constant of app/spec_config.py: name, annotation, value."""


@dataclass(frozen=True)
class _Inputs:
    """The bundle files spec_config needs, checked present once."""

    ir: ServiceIR
    sec: SecurityPolicy
    perf: PerfTargets
    ops: OpsGuides
    ts: TechSpec
    api: ApiContract


def _inputs(ir: ServiceIR) -> _Inputs:
    b = ir.bundle
    sec, perf, ops, ts = b.security, b.perf, b.ops, b.techspec
    if sec is None or sec.authentication is None or sec.authorization is None:
        raise MissingInput(b.root, "security.yaml (authentication, authorization)")
    if perf is None or ops is None or ts is None or b.api is None:
        missing = [n for n, v in (("perf.yaml", perf), ("ops.yaml", ops), ("techspec.yaml", ts)) if v is None]
        raise MissingInput(b.root, *(missing or ["openapi.yaml"]))
    return _Inputs(ir, sec, perf, ops, ts, b.api)


def _identity(x: _Inputs) -> list[Value]:
    ts = x.ts
    return [
        ("SERVICE", "str", ts.service or "service"),
        ("SERVICE_TITLE", "str", ts.title or ts.service or "Service"),
        ("SERVICE_VERSION", "str", str(x.api.doc.get("info", {}).get("version", "0.1.0"))),
        ("PORT_ENV", "str", ts.port.env if ts.port and ts.port.env else "API_PORT"),
        ("DEFAULT_PORT", "int", ts.port.default if ts.port and ts.port.default else 8000),
    ]


def _security(x: _Inputs) -> list[Value]:
    sec = x.sec
    auth, authz = sec.authentication, sec.authorization
    if auth is None or authz is None:
        raise MissingInput(x.ir.bundle.root, "security.yaml (authentication, authorization)")
    claims = auth.claims
    tenant_claim = (
        claims.tenant
        if claims and claims.tenant
        else (sec.tenancy.claim if sec.tenancy and sec.tenancy.claim else "tenant_id")
    )
    return [
        (
            "JWT",
            "dict[str, Any]",
            {
                "algorithms": tuple(auth.algorithms),
                "issuer": auth.issuer,
                "audience": auth.audience,
                "leeway_seconds": auth.leeway_seconds,
                "secret_env": auth.secret.env if auth.secret else "JWT_SECRET",
                "claims": {
                    "subject": claims.subject if claims else "sub",
                    "tenant": tenant_claim,
                    "roles": claims.roles if claims and claims.roles else "roles",
                },
            },
        ),
        ("ROLES", "dict[str, frozenset[str]]", {r: frozenset(p) for r, p in authz.roles.items()}),
        ("OPERATION_PERMISSIONS", "dict[str, str]", dict(authz.operations)),
        ("PUBLIC_OPERATIONS", "frozenset[str]", frozenset(authz.public_operations)),
        ("RATE_LIMITS", "tuple[RateLimitRule, ...]", None),
    ]


def _input_safety(x: _Inputs) -> list[Value]:
    sec, perf = x.sec, x.perf
    redact = {h.lower() for h in HEADER_SENSITIVE}
    for item in sec.logging.redact if sec.logging else []:
        redact.add(item.split(".")[-1].lower())
    for item in sec.pii.fields if sec.pii else []:
        redact.add(item.split(".")[-1].lower())
    outbound = sec.input_safety.outbound_urls if sec.input_safety else None
    return [
        (
            "PAGINATION",
            "tuple[int, int]",
            (perf.pagination.default_limit, perf.pagination.max_limit) if perf.pagination else (50, 200),
        ),
        ("MAX_BODY_BYTES", "int", sec.input_safety.max_body_bytes if sec.input_safety else 1048576),
        ("CORRELATION_HEADER", "str", sec.logging.correlation_id_header if sec.logging else "X-Correlation-ID"),
        ("REDACT_KEYS", "frozenset[str]", frozenset(redact)),
        ("PII_FIELDS", "frozenset[str]", frozenset(sec.pii.fields if sec.pii else [])),
        (
            "OUTBOUND",
            "dict[str, Any]",
            {
                "schemes": tuple(outbound.allow_schemes) if outbound else ("https",),
                "deny_private": outbound.deny_private_networks if outbound else True,
                "fields": tuple(outbound.fields) if outbound else (),
            },
        ),
    ]


def _jobs(x: _Inputs) -> list[Value]:
    ts, ops = x.ts, x.ops
    job = next((j for j in ts.jobs if j.action == "webhook-delivery"), None)
    purge = next((j for j in ts.jobs if j.action == "retention-purge"), None)
    retention = [
        {"table": ent.table, "field": ent.spec.retention.field, "after_days": ent.spec.retention.after_days}
        for ent in x.ir.entities.values()
        if ent.spec.retention and ent.spec.retention.policy == "delete" and ent.spec.retention.field
    ]
    events = [{"name": e.name, "entity": e.entity, "on": e.on, "when": e.when or {}} for e in ts.events]
    return [
        ("EVENTS", "tuple[dict[str, Any], ...]", tuple(events)),
        ("WEBHOOK_JOB", "dict[str, Any]", _webhook_job(x.ir)),
        ("WEBHOOK_SIGNING_ENV", "str", job.signing.secret.env if job and job.signing else "WEBHOOK_SIGNING_SECRET"),
        ("RETENTION", "tuple[dict[str, Any], ...]", tuple(retention)),
        ("PURGE_BATCH_SIZE", "int", purge.batch_size if purge and purge.batch_size else 500),
        ("FEATURE_FLAGS", "dict[str, bool]", {f.name: f.default for f in ts.feature_flags}),
        ("SHUTDOWN_GRACE_SECONDS", "float", float(ops.shutdown.grace_seconds) if ops.shutdown else 20.0),
        ("CORS_ORIGINS", "tuple[str, ...]", tuple(x.sec.cors.allow_origins) if x.sec.cors else ()),
    ]


def _operations(x: _Inputs) -> list[Value]:
    perf, ops, ts = x.perf, x.ops, x.ts
    kpis = list(ops.metrics.domain_kpis) if ops.metrics else []
    etag_ops = {op for rule in perf.caching if rule.strategy == "etag" for op in rule.operations}
    return [
        ("POOL_SIZE", "int", perf.database.pool_size if perf.database else 10),
        ("STATEMENT_TIMEOUT_MS", "int", perf.database.statement_timeout_ms if perf.database else 5000),
        ("QUERY_BUDGET", "int", perf.query_budget.max_queries_per_request if perf.query_budget else 4),
        ("DOMAIN_KPIS", "tuple[str, ...]", tuple(kpis)),
        ("KPI_EVENTS", "dict[str, str]", _kpi_events(kpis, [e.name for e in ts.events])),
        ("ETAG_OPERATIONS", "frozenset[str]", frozenset(etag_ops)),
        (
            "HEALTH",
            "dict[str, str]",
            {
                "liveness": ops.health.liveness if ops.health else "/healthz",
                "readiness": ops.health.readiness if ops.health else "/readyz",
            },
        ),
        ("METRICS_PATH", "str", ops.metrics.endpoint if ops.metrics else "/metrics"),
    ]


SECTIONS: tuple[Callable[[_Inputs], list[Value]], ...] = (_identity, _security, _input_safety, _jobs, _operations)
"""The constants of app/spec_config.py, section by section, in file order."""


def render_spec_config(ir: ServiceIR) -> str:
    x = _inputs(ir)
    sec = x.sec
    values = [value for section in SECTIONS for value in section(x)]
    lines = [
        '"""Constants derived from the spec bundle. Regenerated on every build; do not edit."""',
        "",
        "from __future__ import annotations",
        "",
        "from dataclasses import dataclass",
        "from typing import Any",
        "",
        "",
        "@dataclass(frozen=True)",
        "class RateLimitRule:",
        "    name: str",
        "    scope: str",
        "    applies_to: str",
        "    limit: int",
        "    window_seconds: int",
        "",
        "",
    ]
    for name, annotation, value in values:
        if name == "RATE_LIMITS":
            rules = ", ".join(
                f"RateLimitRule({r.name!r}, {r.scope!r}, {r.applies_to!r}, {r.limit}, {r.window_seconds})"
                for r in sec.rate_limits
            )
            rendered = f"({rules},)" if sec.rate_limits else "()"
            if len(rendered) > 100:
                rendered = (
                    "(\n"
                    + "".join(
                        f"    RateLimitRule({r.name!r}, {r.scope!r}, {r.applies_to!r}, {r.limit}, {r.window_seconds}),\n"
                        for r in sec.rate_limits
                    )
                    + ")"
                )
            lines.append(f"{name}: {annotation} = {rendered}")
            continue
        lines.append(f"{name}: {annotation} = {literal(value)}")
    return "\n".join(lines) + "\n"
