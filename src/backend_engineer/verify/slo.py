"""slo-check: a bounded load on loopback against perf.yaml's SLOs (BE420 p95, BE421 p99, BE422 queries)."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.spec.openapi import Operation
from backend_engineer.verify.probe import Prober, _seed
from backend_engineer.verify.service import RunningService, ServiceError, run_service
from backend_engineer.verify.stubs import declared_stubs

METRIC = re.compile(
    r"^(http_requests_total|http_request_db_queries_total|http_request_db_statements_total)"
    r'\{operation="([^"]+)"[^}]*\} (\d+)',
    re.M,
)


class SloError(Exception):
    pass


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def _counters(client: httpx.Client) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for name, op, value in METRIC.findall(client.get("/metrics").text):
        out[(name, op)] = out.get((name, op), 0) + int(value)
    return out


def _groups(svc: RunningService) -> list[tuple[str, list[str], float, float]]:
    perf = svc.bundle.perf
    api = svc.bundle.api
    if perf is None or perf.slos is None or api is None:
        raise SloError("perf.yaml has no SLOs to check")
    out = []
    for slo in perf.slos.latency:
        if isinstance(slo.operations, list):
            ops = list(slo.operations)
            name = ",".join(ops) if len(ops) <= 3 else f"{ops[0]}+{len(ops) - 1}"
        else:
            ops = [
                o.operation_id
                for o in api.operations
                if (slo.operations == "mutations") == o.is_mutation or slo.operations == "all"
            ]
            name = slo.operations
        out.append((name, ops, slo.p95_ms, slo.p99_ms))
    return out


def _fill(prober: Prober, ids: dict[str, str], tenant: str, copies: int = 5) -> None:
    """A few more rows under the seeded parents, so an N+1 list shows up in the query counts."""
    api = prober.api
    for op in api.operations:
        if op.method == "post" and not op.path.endswith("}") and all(p in ids for p in op.path_params):
            for _ in range(copies):
                prober.call(op, ids, prober.headers(tenant), prober.body(op))


def _load(svc: RunningService, requests: int, concurrency: int) -> tuple[list[Finding], dict[str, Any]]:
    api = svc.bundle.api
    assert api is not None
    budget = (
        svc.bundle.perf.query_budget.max_queries_per_request
        if svc.bundle.perf and svc.bundle.perf.query_budget
        else None
    )
    findings: list[Finding] = []
    stats: dict[str, Any] = {"groups": {}, "queries_per_request": {}, "statements_per_request": {}}
    with httpx.Client(base_url=svc.base_url, timeout=10) as client:
        prober = Prober(svc, api, client)
        tenant = f"slo-{uuid.uuid4().hex[:6]}"
        ids = _seed(prober, tenant)
        _fill(prober, ids, tenant)
        before = _counters(client)
        headers_tpl = prober.headers(tenant, key=False)
        stubs = declared_stubs(svc.root)
        stats["excluded_stubs"] = sorted(stubs)
        for name, op_ids, p95_target, p99_target in _groups(svc):
            ops = [
                o
                for o in api.operations
                if o.operation_id in op_ids and o.method != "delete" and o.operation_id not in stubs
            ]
            if not ops:
                continue
            latencies: list[float] = []
            errors = 0

            def one(i: int, ops: list[Operation] = ops) -> tuple[float, int]:
                op = ops[i % len(ops)]
                headers = {**headers_tpl, "Idempotency-Key": f"slo-{uuid.uuid4().hex}"}
                path = op.path
                for param in op.path_params:
                    path = path.replace("{" + param + "}", ids.get(param, str(uuid.uuid4())))
                body = prober.body(op)
                started = time.perf_counter()
                response = shared.request(op.method.upper(), path, headers=headers, json=body)
                return (time.perf_counter() - started) * 1000, response.status_code

            limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
            with httpx.Client(base_url=svc.base_url, timeout=10, limits=limits) as shared:
                for _ in range(min(20, requests)):
                    one(_)
                with ThreadPoolExecutor(max_workers=concurrency) as pool:
                    for ms, status in pool.map(one, range(requests)):
                        latencies.append(ms)
                        errors += status >= 500
            p95, p99 = percentile(latencies, 95), percentile(latencies, 99)
            stats["groups"][name] = {
                "requests": len(latencies),
                "errors": errors,
                "p95_ms": round(p95, 2),
                "p99_ms": round(p99, 2),
                "p95_target_ms": p95_target,
                "p99_target_ms": p99_target,
            }
            where = api.line_of(ops[0].pointer)
            if p95 > p95_target:
                findings.append(
                    Finding(
                        "BE420",
                        Severity.MAJOR,
                        f"{name}: p95 {p95:.1f} ms is above the {p95_target} ms SLO",
                        "perf.yaml",
                        0,
                        evidence=f"{len(latencies)} requests at concurrency "
                        f"{concurrency} on loopback (line {where} of openapi.yaml)",
                        category="performance",
                        source="slo-check",
                    )
                )
            if p99 > p99_target:
                findings.append(
                    Finding(
                        "BE421",
                        Severity.MINOR,
                        f"{name}: p99 {p99:.1f} ms is above the {p99_target} ms SLO",
                        "perf.yaml",
                        0,
                        category="performance",
                        source="slo-check",
                    )
                )
            if errors:
                findings.append(
                    Finding(
                        "BE423",
                        Severity.MAJOR,
                        f"{name}: {errors} server error(s) under load",
                        "perf.yaml",
                        0,
                        category="performance",
                        source="slo-check",
                    )
                )
        after = _counters(client)
    for (metric, op), total in after.items():
        if metric != "http_requests_total":
            continue
        count = total - before.get((metric, op), 0)
        queries = after.get(("http_request_db_queries_total", op), 0) - before.get(
            ("http_request_db_queries_total", op), 0
        )
        statements = after.get(("http_request_db_statements_total", op), 0) - before.get(
            ("http_request_db_statements_total", op), 0
        )
        if count > 0 and op not in ("unmatched", "metrics"):
            per = queries / count
            stats["queries_per_request"][op] = round(per, 2)
            stats["statements_per_request"][op] = round(statements / count, 2)
            if budget is not None and per > budget:
                findings.append(
                    Finding(
                        "BE422",
                        Severity.MAJOR,
                        f"{op}: {per:.1f} queries per request, above the budget of {budget}",
                        "perf.yaml",
                        0,
                        category="performance",
                        source="slo-check",
                        recommendation="remove N+1 queries; batch lookups",
                    )
                )
    return sort_findings(findings), stats


def run_slo(service: Path, *, requests: int = 300, concurrency: int = 4) -> tuple[list[Finding], dict[str, Any]]:
    try:
        with run_service(service) as svc:
            return _load(svc, requests, concurrency)
    except ServiceError as exc:
        raise SloError(str(exc)) from exc
