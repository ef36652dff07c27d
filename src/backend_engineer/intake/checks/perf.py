"""PerfTargets: SLOs, budgets and caching rules that name real operations."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import item
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

F = "perf.yaml"


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    perf = bundle.perf
    if perf is None:
        return
    op_ids = {o.operation_id for o in bundle.api.operations} if bundle.api else set()
    if perf.slos is None or not perf.slos.latency:
        yield item(
            bundle,
            F,
            ("slos",),
            "missing",
            "no latency SLO is set",
            ["add `slos: {latency: [{operations: all, p95_ms: 200, p99_ms: 500}]}`"],
        )
    else:
        for i, slo in enumerate(perf.slos.latency):
            if slo.p95_ms > slo.p99_ms:
                yield item(
                    bundle,
                    F,
                    ("slos", "latency", i),
                    "contradictory",
                    f"p95 {slo.p95_ms} ms is above p99 {slo.p99_ms} ms",
                    ["make p95 <= p99"],
                )
            if isinstance(slo.operations, list):
                for j, op in enumerate(slo.operations):
                    if op_ids and op not in op_ids:
                        yield item(
                            bundle,
                            F,
                            ("slos", "latency", i, "operations", j),
                            "contradictory",
                            f"SLO names `{op}`, which openapi.yaml does not define",
                            ["use an operationId from openapi.yaml"],
                        )
    if perf.pagination is None:
        yield item(
            bundle,
            F,
            ("pagination",),
            "missing",
            "no pagination limits are set",
            ["add `pagination: {default_limit: 50, max_limit: 200}`"],
        )
    elif perf.pagination.default_limit > perf.pagination.max_limit:
        yield item(
            bundle,
            F,
            ("pagination",),
            "contradictory",
            "default_limit is above max_limit",
            ["make default_limit <= max_limit"],
        )
    if perf.query_budget is None:
        yield item(
            bundle,
            F,
            ("query_budget",),
            "missing",
            "no query budget per request is set",
            ["add `query_budget: {max_queries_per_request: 4}`"],
        )
    for i, rule in enumerate(perf.caching):
        for j, op in enumerate(rule.operations):
            if op_ids and op not in op_ids:
                yield item(
                    bundle,
                    F,
                    ("caching", i, "operations", j),
                    "contradictory",
                    f"caching rule names `{op}`, which openapi.yaml does not define",
                    ["use an operationId from openapi.yaml"],
                )
