"""The plan's self-check against security.yaml and perf.yaml.

Each item is computed from the bundle and the engine's proposal, so a policy gap shows as ``fail``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from backend_engineer.engines.base import EngineProposal
from backend_engineer.spec.bundle import Bundle

CheckStatus = Literal["pass", "fail", "warn"]


@dataclass(frozen=True)
class SelfCheck:
    policy: str
    item: str
    status: CheckStatus
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _c(policy: str, item: str, ok: bool, evidence: str, soft: bool = False) -> SelfCheck:
    return SelfCheck(policy, item, "pass" if ok else ("warn" if soft else "fail"), evidence)


def security_checks(bundle: Bundle, proposal: EngineProposal) -> list[SelfCheck]:
    sec = bundle.security
    if sec is None:
        return [SelfCheck("security.yaml", "policy present", "fail", "security.yaml is missing")]
    out: list[SelfCheck] = []
    authz = sec.authorization
    default = authz.default if authz else None
    out.append(
        _c("security.yaml", "deny-by-default authorization", default == "deny", f"authorization.default = {default}")
    )
    ops = [e.operation_id for e in proposal.endpoints]
    public = set(authz.public_operations) if authz else set()
    mapped = set(authz.operations) if authz else set()
    unmapped = [o for o in ops if o not in public and o not in mapped]
    out.append(
        _c(
            "security.yaml",
            "every planned operation has a permission or is public",
            not unmapped,
            f"{len(ops) - len(unmapped)}/{len(ops)} mapped" + (f"; missing: {unmapped}" if unmapped else ""),
        )
    )
    auth = sec.authentication
    algs = auth.algorithms if auth else []
    out.append(
        _c(
            "security.yaml",
            "JWT verified with pinned algorithms, issuer and audience",
            bool(auth and algs and "none" not in [a.lower() for a in algs] and auth.issuer and auth.audience),
            f"algorithms={algs}, issuer={auth.issuer if auth else None}, audience={auth.audience if auth else None}",
        )
    )
    out.append(
        _c(
            "security.yaml",
            "secrets come from the environment, never from code",
            bool(auth and auth.secret and auth.secret.env),
            f"JWT secret env = {auth.secret.env if auth and auth.secret else None}",
        )
    )
    enforce = sec.tenancy.enforce if sec.tenancy else []
    db = bundle.company.tech_stack.database if bundle.company and bundle.company.tech_stack else None
    out.append(
        _c(
            "security.yaml",
            "tenant isolation in service, query and RLS",
            {"service", "query"} <= set(enforce) and ("row_level_security" in enforce or db != "postgresql"),
            f"enforce={enforce}, database={db}",
        )
    )
    pii = sec.pii.fields if sec.pii else []
    redact = sec.logging.redact if sec.logging else []
    unredacted = [f for f in pii if f not in redact]
    out.append(
        _c(
            "security.yaml",
            "PII fields are redacted in logs",
            not unredacted,
            f"pii={pii}" + (f"; not in logging.redact: {unredacted}" if unredacted else ""),
        )
    )
    safety = sec.input_safety
    out.append(
        _c(
            "security.yaml",
            "unknown body fields rejected (mass-assignment guard)",
            bool(safety and safety.reject_unknown_fields),
            f"reject_unknown_fields={safety.reject_unknown_fields if safety else None}",
        )
    )
    outbound = safety.outbound_urls if safety else None
    out.append(
        _c(
            "security.yaml",
            "outbound URLs pass the SSRF guard",
            outbound is None or (outbound.deny_private_networks and set(outbound.allow_schemes) <= {"https"}),
            "no outbound URL fields"
            if outbound is None
            else f"fields={outbound.fields}, schemes={outbound.allow_schemes}, "
            f"deny_private={outbound.deny_private_networks}",
        )
    )
    out.append(
        _c("security.yaml", "rate limits defined", bool(sec.rate_limits), f"{len(sec.rate_limits)} rule(s)", soft=True)
    )
    needs_logic = [e.operation_id for e in proposal.endpoints if e.status != "mapped"]
    out.append(
        _c(
            "security.yaml",
            "no operation is silently dropped",
            True,
            f"{len(needs_logic)} operation(s) need business logic: {needs_logic}"
            if needs_logic
            else "every operation is mapped",
        )
    )
    return out


def perf_checks(bundle: Bundle, proposal: EngineProposal) -> list[SelfCheck]:
    perf = bundle.perf
    if perf is None:
        return [SelfCheck("perf.yaml", "targets present", "fail", "perf.yaml is missing")]
    out: list[SelfCheck] = []
    pag = perf.pagination
    out.append(
        _c(
            "perf.yaml",
            "list endpoints are bounded by pagination.max_limit",
            pag is not None,
            f"default={pag.default_limit}, max={pag.max_limit}" if pag else "no pagination limits",
        )
    )
    budget = perf.query_budget.max_queries_per_request if perf.query_budget else None
    out.append(
        _c(
            "perf.yaml",
            "query budget per request is enforced by generated tests",
            budget is not None,
            f"max_queries_per_request={budget}",
        )
    )
    latency = perf.slos.latency if perf.slos else []
    out.append(
        _c(
            "perf.yaml",
            "latency SLOs are checked by slo-check in verify",
            bool(latency),
            "; ".join(
                f"{s.operations if isinstance(s.operations, str) else ','.join(s.operations)}: "
                f"p95<={s.p95_ms}ms p99<={s.p99_ms}ms"
                for s in latency
            )
            or "no SLOs",
        )
    )
    db = perf.database
    out.append(
        _c(
            "perf.yaml",
            "statement timeout and pool size are configured",
            db is not None,
            f"pool_size={db.pool_size}, statement_timeout_ms={db.statement_timeout_ms}"
            if db
            else "no database settings",
            soft=True,
        )
    )
    cached = [op for rule in perf.caching if rule.strategy == "etag" for op in rule.operations]
    out.append(
        _c(
            "perf.yaml",
            "ETag caching where perf.yaml asks",
            True,
            f"etag on {cached}" if cached else "no caching rules",
        )
    )
    return out
