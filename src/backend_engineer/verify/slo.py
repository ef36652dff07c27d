"""slo-check: a bounded load on loopback against perf.yaml's SLOs (BE420 p95, BE421 p99, BE422 queries).

A latency measured on a shared machine says as much about the machine as about the code. So every group is
measured interleaved with a calibration route of the same service (``/healthz``: the same server, middleware
and connection handling, no authentication and no database). Both are reported; the verdict rests on the code's
share, ``p95(group) - p95(calibration)``. When only the total is over the target, BE424 says that the machine,
not the code, is the cause.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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
    r"\{([^}]*)\} ([0-9.eE+]+)",
    re.M,
)
OPERATION = re.compile(r'(?:^|,)operation="([^"]+)"')
CALIBRATION_PATH = "/healthz"
SLICES = 5


class SloError(Exception):
    pass


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


@dataclass(frozen=True)
class Group:
    name: str
    operations: list[Operation]
    p95_target: float
    p99_target: float


@dataclass
class Sample:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0

    def p(self, q: float) -> float:
        return percentile(self.latencies, q)


def _counters(client: httpx.Client) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    for name, labels, value in METRIC.findall(client.get("/metrics").text):
        if match := OPERATION.search(labels):
            key = (name, match.group(1))
            out[key] = out.get(key, 0) + int(float(value))
    return out


def _groups(svc: RunningService, stubs: frozenset[str] | set[str] = frozenset()) -> list[Group]:
    """The SLO groups of perf.yaml, without deletes and without declared stubs (they answer 501 by design)."""
    perf = svc.bundle.perf
    api = svc.bundle.api
    if perf is None or perf.slos is None or api is None:
        raise SloError("perf.yaml has no SLOs to check")
    out = []
    for slo in perf.slos.latency:
        if isinstance(slo.operations, list):
            ids = list(slo.operations)
            name = ",".join(ids) if len(ids) <= 3 else f"{ids[0]}+{len(ids) - 1}"
        else:
            ids = [
                o.operation_id
                for o in api.operations
                if (slo.operations == "mutations") == o.is_mutation or slo.operations == "all"
            ]
            name = slo.operations
        ops = [
            o for o in api.operations if o.operation_id in ids and o.method != "delete" and o.operation_id not in stubs
        ]
        if ops:
            out.append(Group(name, ops, slo.p95_ms, slo.p99_ms))
    return out


def _fill(prober: Prober, ids: dict[str, str], tenant: str, copies: int = 5) -> None:
    """A few more rows under the seeded parents, so an N+1 list shows up in the query counts."""
    for op in prober.api.operations:
        if op.method == "post" and not op.path.endswith("}") and all(p in ids for p in op.path_params):
            for _ in range(copies):
                prober.call(op, ids, prober.headers(tenant), prober.body(op))


def _calibration_path(svc: RunningService) -> str:
    ops = svc.bundle.ops
    return ops.health.liveness if ops and ops.health and ops.health.liveness else CALIBRATION_PATH


def _timed(send: Callable[[], httpx.Response]) -> tuple[float, int]:
    started = time.perf_counter()
    status = send().status_code
    return (time.perf_counter() - started) * 1000, status


def _interleaved(
    group_call: Callable[[int], tuple[float, int]],
    calibration_call: Callable[[int], tuple[float, int]],
    requests: int,
    concurrency: int,
) -> tuple[Sample, Sample]:
    """The group's requests and the calibration's, in alternating slices, so both see the same machine."""
    group, calibration = Sample(), Sample()
    per_slice = max(1, requests // SLICES)
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        done = 0
        while done < requests:
            count = min(per_slice, requests - done)
            for sample, call in ((group, group_call), (calibration, calibration_call)):
                for ms, status in pool.map(call, range(done, done + count)):
                    sample.latencies.append(ms)
                    sample.errors += status >= 500
            done += count
    return group, calibration


def _latency_findings(
    group: Group, measured: Sample, calibration: Sample, where: int, concurrency: int, noop: str
) -> list[Finding]:
    findings: list[Finding] = []
    p95, p99, noop95 = measured.p(95), measured.p(99), calibration.p(95)
    share95, share99 = max(0.0, p95 - noop95), max(0.0, p99 - calibration.p(99))
    evidence = (
        f"{len(measured.latencies)} requests at concurrency {concurrency} on loopback, interleaved with "
        f"{len(calibration.latencies)} to the no-op {noop} (p95 {noop95:.1f} ms); "
        f"line {where} of openapi.yaml"
    )
    if share95 > group.p95_target:
        findings.append(
            Finding(
                "BE420",
                Severity.MAJOR,
                f"{group.name}: the code's share of p95 is {share95:.1f} ms, above the {group.p95_target} ms SLO "
                f"(total {p95:.1f} ms)",
                "perf.yaml",
                0,
                evidence=evidence,
                category="performance",
                source="slo-check",
            )
        )
    elif p95 > group.p95_target:
        findings.append(
            Finding(
                "BE424",
                Severity.MINOR,
                f"{group.name}: p95 {p95:.1f} ms is above the {group.p95_target} ms SLO, but the code's share is "
                f"{share95:.1f} ms: the machine, not the code, is the cause",
                "perf.yaml",
                0,
                evidence=evidence,
                category="performance",
                source="slo-check",
                recommendation="re-run on a quieter machine to measure the absolute latency",
            )
        )
    if share99 > group.p99_target:
        findings.append(
            Finding(
                "BE421",
                Severity.MINOR,
                f"{group.name}: the code's share of p99 is {share99:.1f} ms, above the {group.p99_target} ms SLO",
                "perf.yaml",
                0,
                evidence=evidence,
                category="performance",
                source="slo-check",
            )
        )
    if measured.errors:
        findings.append(
            Finding(
                "BE423",
                Severity.MAJOR,
                f"{group.name}: {measured.errors} server error(s) under load",
                "perf.yaml",
                0,
                category="performance",
                source="slo-check",
            )
        )
    return findings


def _group_stats(group: Group, measured: Sample, calibration: Sample) -> dict[str, Any]:
    return {
        "requests": len(measured.latencies),
        "errors": measured.errors,
        "p95_ms": round(measured.p(95), 2),
        "p99_ms": round(measured.p(99), 2),
        "calibration_p95_ms": round(calibration.p(95), 2),
        "calibration_p99_ms": round(calibration.p(99), 2),
        "code_p95_ms": round(max(0.0, measured.p(95) - calibration.p(95)), 2),
        "code_p99_ms": round(max(0.0, measured.p(99) - calibration.p(99)), 2),
        "p95_target_ms": group.p95_target,
        "p99_target_ms": group.p99_target,
    }


def _query_findings(
    before: dict[tuple[str, str], int],
    after: dict[tuple[str, str], int],
    budget: int | None,
    stats: dict[str, Any],
    contract: set[str],
) -> list[Finding]:
    """Queries per request of the contract's operations, the calibration route left out."""
    findings: list[Finding] = []

    def delta(metric: str, op: str) -> int:
        return after.get((metric, op), 0) - before.get((metric, op), 0)

    for metric, op in after:
        count = delta(metric, op)
        if metric != "http_requests_total" or count <= 0 or op not in contract:
            continue
        per = delta("http_request_db_queries_total", op) / count
        stats["queries_per_request"][op] = round(per, 2)
        stats["statements_per_request"][op] = round(delta("http_request_db_statements_total", op) / count, 2)
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
    return findings


def _load(svc: RunningService, requests: int, concurrency: int) -> tuple[list[Finding], dict[str, Any]]:
    api = svc.bundle.api
    if api is None:
        raise SloError("the service's bundle has no openapi.yaml")
    perf = svc.bundle.perf
    budget = perf.query_budget.max_queries_per_request if perf and perf.query_budget else None
    findings: list[Finding] = []
    stats: dict[str, Any] = {
        "groups": {},
        "queries_per_request": {},
        "statements_per_request": {},
        "calibration": CALIBRATION_PATH,
    }
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    with (
        httpx.Client(base_url=svc.base_url, timeout=10) as client,
        httpx.Client(base_url=svc.base_url, timeout=10, limits=limits) as shared,
    ):
        prober = Prober(svc, api, client)
        tenant = f"slo-{uuid.uuid4().hex[:6]}"
        ids = _seed(prober, tenant)
        _fill(prober, ids, tenant)
        before = _counters(client)
        headers_tpl = prober.headers(tenant, key=False)
        stubs = declared_stubs(svc.root)
        stats["excluded_stubs"] = sorted(stubs)

        noop = _calibration_path(svc)
        stats["calibration"] = noop

        def calibration_call(_: int) -> tuple[float, int]:
            return _timed(lambda: shared.get(noop))

        for group in _groups(svc, stubs):

            def group_call(i: int, ops: list[Operation] = group.operations) -> tuple[float, int]:
                op = ops[i % len(ops)]
                headers = {**headers_tpl, "Idempotency-Key": f"slo-{uuid.uuid4().hex}"}
                path = op.path
                for param in op.path_params:
                    path = path.replace("{" + param + "}", ids.get(param, str(uuid.uuid4())))
                body = prober.body(op)
                return _timed(lambda: shared.request(op.method.upper(), path, headers=headers, json=body))

            for i in range(min(20, requests)):
                group_call(i)
                calibration_call(i)
            measured, calibration = _interleaved(group_call, calibration_call, requests, concurrency)
            stats["groups"][group.name] = _group_stats(group, measured, calibration)
            where = api.line_of(group.operations[0].pointer)
            findings += _latency_findings(group, measured, calibration, where, concurrency, noop)
        after = _counters(client)
    contract = {o.operation_id for o in api.operations if o.path != noop}
    findings += _query_findings(before, after, budget, stats, contract)
    return sort_findings(findings), stats


def run_slo(service: Path, *, requests: int = 300, concurrency: int = 4) -> tuple[list[Finding], dict[str, Any]]:
    try:
        with run_service(service) as svc:
            return _load(svc, requests, concurrency)
    except ServiceError as exc:
        raise SloError(str(exc)) from exc
