"""DeterministicEngine: check_support → propose → render, over the intermediate model.

Generated files carry a header and are listed with their sha256 in ``.backend-engineer/manifest.json``;
files under ``app/custom/`` and ``tests/custom/`` are the user's: created once, never overwritten.
"""

from __future__ import annotations

from pathlib import Path

from backend_engineer.engines.base import ChangeGroup, EndpointMapping, EngineProposal, PlannedFile, Refusal
from backend_engineer.engines.deterministic.ir import ServiceIR, build_ir
from backend_engineer.engines.deterministic.render.deploy import DEPLOY_PATHS
from backend_engineer.engines.deterministic.tree import SCAFFOLD_PREFIXES, USER_OWNED_PREFIXES, render_tree
from backend_engineer.spec.bundle import Bundle

SUPPORTED = {
    ("tech_stack", "language"): {"python"},
    ("tech_stack", "framework"): {"fastapi"},
    ("tech_stack", "orm"): {"sqlalchemy"},
    ("tech_stack", "migrations"): {"alembic"},
    ("tech_stack", "database"): {"postgresql", "sqlite"},
}
GROUPS = (
    ("migrations", "db", "add the initial schema migration with tenant RLS", "migration"),
    ("platform", "platform", "add the platform: config, errors, auth, rate limits, logging, metrics", None),
    ("domain", "domain", "add the domain model, ports and pure services", None),
    ("adapters", "adapters", "add the SQL, webhook and in-memory adapters", None),
    ("api", "api", "add the HTTP API generated from the contract", None),
    ("jobs", "jobs", "add the outbox worker, replay CLI and retention purge", None),
    ("custom", "custom", "add the user-owned extension modules", None),
    ("tests", "tests", "add the generated test suite", None),
    ("deploy", "deploy", "add the container image, compose, CI workflow, Kubernetes manifests and topology", None),
    ("docs", "docs", "add the contract, runbooks, configuration docs and project files", None),
)


def group_of(path: str) -> str:
    if path.startswith("migrations/versions/"):
        return "migrations"
    if path.startswith(DEPLOY_PATHS):
        return "deploy"
    if path.startswith(("app/custom/", "tests/custom/")):
        return "custom"
    if path.startswith("tests/"):
        return "tests"
    if path.startswith(("app/platform/", "app/config.py", "app/spec_config.py")):
        return "platform"
    if path.startswith(("app/domain/", "app/service_layer/", "app/ports/")):
        return "domain"
    if path.startswith(("app/adapters/", "app/bootstrap.py")):
        return "adapters"
    if path.startswith(("app/entrypoints/worker", "app/entrypoints/purge")):
        return "jobs"
    if path.startswith("app/"):
        return "api"
    return "docs"


def kind_of(path: str) -> str:
    if path.startswith("migrations/versions/"):
        return "migration"
    if path.startswith("tests/"):
        return "test"
    if path.startswith("docs/") or path.endswith(".md"):
        return "doc"
    if path.endswith((".py", ".mako")):
        return "code"
    return "config"


class DeterministicEngine:
    name = "deterministic"

    def check_support(self, bundle: Bundle) -> list[Refusal]:
        refusals = []
        stack = bundle.company.tech_stack if bundle.company else None
        for (section, key), allowed in SUPPORTED.items():
            value = getattr(stack, key) if stack else None
            if value not in allowed:
                refusals.append(
                    Refusal(
                        "company.config.yaml",
                        f"{section}.{key}",
                        f"{value!r} is not supported by the deterministic engine",
                        f"use one of {sorted(allowed)}, or `--engine llm` for other stacks",
                    )
                )
        if bundle.api is None or bundle.datamodel is None:
            refusals.append(
                Refusal(
                    "openapi.yaml",
                    "",
                    "the contract or the data model is missing",
                    "add openapi.yaml and datamodel.yaml",
                )
            )
        return refusals

    def propose(self, bundle: Bundle, repo: Path | None) -> EngineProposal:
        ir = build_ir(bundle)
        files = render_tree(ir)
        mine = (*USER_OWNED_PREFIXES, *SCAFFOLD_PREFIXES)
        existing_user = {p for p in files if p.startswith(mine) and repo and (repo / p).exists()}
        by_group: dict[str, list[PlannedFile]] = {}
        for path in sorted(files):
            if path in existing_user:
                continue
            action = "modify" if repo is not None and (repo / path).exists() else "add"
            by_group.setdefault(group_of(path), []).append(PlannedFile(path, kind_of(path), action))  # type: ignore[arg-type]
        groups = [
            ChangeGroup(key, scope, title, tuple(by_group[key]), "feat")
            for key, scope, title, _ in GROUPS
            if by_group.get(key)
        ]
        notes = [
            f"{u.op.operation_id}: needs business logic ({u.reason}); a port stub is generated at "
            f"app/custom/operations/"
            for u in ir.unmapped
        ]
        return EngineProposal(groups=groups, endpoints=endpoint_map(ir), notes=notes)

    def render(self, bundle: Bundle, proposal: EngineProposal, repo: Path | None) -> dict[str, bytes]:
        files = render_tree(build_ir(bundle))
        return {f.path: files[f.path] for f in proposal.files}


def endpoint_map(ir: ServiceIR) -> list[EndpointMapping]:
    out = []
    changes = {
        "list": "SELECT {t}",
        "get": "SELECT {t}",
        "create": "INSERT {t}",
        "update": "UPDATE {t}",
        "delete": "DELETE {t}",
    }
    events = ir.bundle.techspec.events if ir.bundle.techspec else []
    for op in ir.health:
        out.append(
            EndpointMapping(
                op.operation_id,
                op.method,
                op.path,
                "Health.probe",
                "SELECT 1 (readiness)" if "ready" in op.path else "none",
            )
        )
    for o in ir.operations:
        ent = ir.entities[o.entity]
        data = changes[o.action].format(t=ent.table)
        emitted = [e.name for e in events if e.entity == o.entity and e.on == o.action]
        if emitted:
            data += f" (+ outbox {', '.join(emitted)})"
        out.append(
            EndpointMapping(
                o.op.operation_id, o.op.method, o.op.path, f"{o.entity}Service.{o.action}", data, "mapped", o.inferred
            )
        )
    for u in ir.unmapped:
        out.append(
            EndpointMapping(
                u.op.operation_id,
                u.op.method,
                u.op.path,
                f"custom.operations.{u.op.operation_id}",
                "defined by the business logic",
                "needs business logic",
            )
        )
    order = {op.operation_id: i for i, op in enumerate(ir.api.operations)}
    return sorted(out, key=lambda e: order.get(e.operation_id, 0))


def render_service(bundle: Bundle) -> dict[str, bytes]:
    """Every file of the generated service, for tests and benchmarks."""
    return render_tree(build_ir(bundle))
