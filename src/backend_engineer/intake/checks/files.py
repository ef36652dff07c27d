"""Every one of the seven inputs must be present."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import BUNDLE_FILES, INPUT_TITLES, Bundle

OPTIONS = {
    "company.config.yaml": ("copy examples/projects-saas/company.config.yaml and edit company and tech_stack",),
    "techspec.yaml": (
        "add techspec.yaml with service, port {env: API_PORT, default: 8000} and error_handling {envelope: standard}",
    ),
    "openapi.yaml": ("add the OpenAPI 3.1 contract as openapi.yaml",),
    "datamodel.yaml": ("add datamodel.yaml with one entry per entity, its fields, indexes and retention",),
    "security.yaml": (
        "add security.yaml with authentication (jwt-bearer), authorization {default: deny, "
        "roles, operations} and tenancy",
    ),
    "perf.yaml": (
        "add perf.yaml with conservative targets: slos.latency [{operations: all, p95_ms: 200, p99_ms: 500}], "
        "pagination {default_limit: 50, max_limit: 200}, query_budget {max_queries_per_request: 4}",
        "tell me the real p95/p99 targets and peak load and I will write perf.yaml",
    ),
    "ops.yaml": (
        "add ops.yaml with health {liveness: /healthz, readiness: /readyz}, metrics {endpoint: /metrics}, "
        "shutdown {grace_seconds: 20}, rollback {migrations: downgrade-one-revision} and your runbooks",
        "tell me your on-call runbooks and alert thresholds and I will write ops.yaml",
    ),
}


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    for name in BUNDLE_FILES:
        if name not in bundle.present:
            yield IntakeItem(
                input=INPUT_TITLES[name],
                file=name,
                path="",
                kind="missing",
                message=f"{INPUT_TITLES[name]}: the whole input is missing (no {name})",
                options=OPTIONS[name],
            )
