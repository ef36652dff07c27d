"""Building the plan from a bundle and an engine proposal, and hashing it for approvals."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from backend_engineer.engines.base import ChangeGroup, EndpointMapping, EngineProposal, PlannedFile
from backend_engineer.planning.selfcheck import SelfCheck, perf_checks, security_checks
from backend_engineer.spec.bundle import Bundle

PLAN_SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Change:
    index: int
    key: str
    title: str
    commit_message: str
    files: tuple[PlannedFile, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "key": self.key,
            "title": self.title,
            "commit_message": self.commit_message,
            "files": [f.to_dict() for f in self.files],
        }


@dataclass
class Plan:
    service: str
    bundle: str
    bundle_digest: str
    engine: str
    persona: str | None
    checklist: list[str]
    endpoints: list[EndpointMapping]
    changes: list[Change]
    self_check: list[SelfCheck]
    max_files_per_change: int
    notes: list[str] = field(default_factory=list)

    @property
    def needs_business_logic(self) -> list[str]:
        return [e.operation_id for e in self.endpoints if e.status == "needs business logic"]

    @property
    def files(self) -> list[PlannedFile]:
        return [f for c in self.changes for f in c.files]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema_version": PLAN_SCHEMA_VERSION,
            "service": self.service,
            "bundle": self.bundle,
            "bundle_digest": self.bundle_digest,
            "engine": self.engine,
            "persona": self.persona,
            "checklist": list(self.checklist),
            "endpoints": [e.to_dict() for e in self.endpoints],
            "needs_business_logic": self.needs_business_logic,
            "changes": [c.to_dict() for c in self.changes],
            "self_check": [s.to_dict() for s in self.self_check],
            "max_files_per_change": self.max_files_per_change,
            "notes": list(self.notes),
        }

    def digest(self) -> str:
        """The hash approvals are tied to: every field but the bundle's location."""
        data = self.to_dict()
        data.pop("bundle")
        canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()

    def to_markdown(self) -> str:
        out = [f"# Plan: {self.service}", ""]
        if self.persona:
            out += [f"Prepared by {self.persona}.", ""]
        out += [
            f"Plan hash: `{self.digest()}`  ",
            f"Engine: {self.engine}  ",
            f"Changes: {len(self.changes)} (at most {self.max_files_per_change} files each)",
            "",
            "## Checklist",
            "",
        ]
        out += [f"- [ ] {c}" for c in self.checklist]
        out += [
            "",
            "## Endpoint → service → data change",
            "",
            "| operation | method | path | service | data change | status |",
            "|---|---|---|---|---|---|",
        ]
        for e in self.endpoints:
            status = e.status + (" (inferred)" if e.inferred else "")
            out.append(
                f"| {e.operation_id} | {e.method.upper()} | `{e.path}` | {e.service} | {e.data_change} | {status} |"
            )
        out += ["", "## Changes (migrations first)", ""]
        for c in self.changes:
            out.append(f"### {c.index}. {c.commit_message} ({len(c.files)} files)")
            out += [f"- {f.action} `{f.path}` ({f.kind})" for f in c.files]
            out.append("")
        out += [
            "## Self-check against security.yaml and perf.yaml",
            "",
            "| policy | item | status | evidence |",
            "|---|---|---|---|",
        ]
        out += [f"| {s.policy} | {s.item} | [{s.status.upper()}] | {s.evidence} |" for s in self.self_check]
        if self.notes:
            out += ["", "## Notes", ""] + [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"


def _ordered_groups(groups: list[ChangeGroup]) -> list[ChangeGroup]:
    migrations = [g for g in groups if any(f.kind == "migration" for f in g.files)]
    return migrations + [g for g in groups if g not in migrations]


def split_changes(groups: list[ChangeGroup], max_files: int, conventional: bool = True) -> list[Change]:
    """Turn groups into changes of at most ``max_files`` files, migrations first."""
    changes: list[Change] = []
    for group in _ordered_groups(groups):
        files = sorted(group.files, key=lambda f: (f.kind != "migration", f.path))
        chunks = [tuple(files[i : i + max_files]) for i in range(0, len(files), max_files)] or [()]
        for n, chunk in enumerate(chunks, start=1):
            if not chunk:
                continue
            title = group.title if len(chunks) == 1 else f"{group.title} (part {n}/{len(chunks)})"
            message = f"{group.commit_type}({group.scope}): {title}" if conventional else title
            changes.append(
                Change(index=len(changes) + 1, key=group.key, title=title, commit_message=message, files=chunk)
            )
    return changes


def _checklist(bundle: Bundle, proposal: EngineProposal, changes: list[Change]) -> list[str]:
    dm = bundle.datamodel
    tables = [e.table for e in dm.entities.values()] if dm else []
    migrations = [f for c in changes for f in c.files if f.kind == "migration"]
    ops = proposal.endpoints
    needs = [e.operation_id for e in ops if e.status != "mapped"]
    services = sorted({e.service.split(".")[0] for e in ops if e.status == "mapped"})
    sec = bundle.security
    roles = len(sec.authorization.roles) if sec and sec.authorization else 0
    events = len(bundle.techspec.events) if bundle.techspec else 0
    items = [
        f"Apply {len(migrations)} migration file(s) first: "
        + (
            proposal.schema_changes
            or f"{len(tables)} new table(s) ({', '.join(tables)}) with indexes, constraints and tenant RLS"
        )
        + "; each with a tested downgrade",
        f"Implement {len(ops) - len(needs)} operation(s) in {len(services)} service(s) behind ports"
        + (f"; {len(needs)} need business logic ({', '.join(needs)}) and get port stubs" if needs else ""),
        f"Enforce JWT auth, deny-by-default permissions for {roles} role(s) and tenant isolation",
        "Add Idempotency-Key, the error envelope, cursor pagination and rate limits to the API",
    ]
    if events:
        items.append(
            f"Publish {events} event(s) through a transactional outbox with a retrying worker, "
            "dead-letter queue and replay"
        )
    items.append("Verify: tests, lint, OpenAPI lint, migration round trip, fuzzing, security probes, SLO check")
    items.append(f"Commit {len(changes)} atomic change(s) and hand off with migration notes and commit refs")
    return items[:7]


def build_plan(bundle: Bundle, proposal: EngineProposal, engine_name: str) -> Plan:
    max_files = bundle.max_files_per_change
    style = bundle.company.conventions.commit_style if bundle.company and bundle.company.conventions else None
    changes = split_changes(proposal.groups, max_files, conventional=style in (None, "conventional"))
    checks = security_checks(bundle, proposal) + perf_checks(bundle, proposal)
    return Plan(
        service=bundle.service_name,
        bundle=str(bundle.root),
        bundle_digest=bundle.digest(),
        engine=engine_name,
        persona=bundle.persona,
        checklist=_checklist(bundle, proposal, changes),
        endpoints=list(proposal.endpoints),
        changes=changes,
        self_check=checks,
        max_files_per_change=max_files,
        notes=list(proposal.notes),
    )
