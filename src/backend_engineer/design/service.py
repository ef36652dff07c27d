"""The design entry points used by the CLI and the MCP server: draft, refine, accept, write atomically."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_engineer.design.carry import carry_operations
from backend_engineer.design.draft import draft_contract
from backend_engineer.design.emit import dump
from backend_engineer.design.refine import Change, apply_changes, change_diffs, propose_changes, select, unified
from backend_engineer.findings import Finding, Severity
from backend_engineer.intake.breaking import breaking_items
from backend_engineer.spec.bundle import Bundle, load_bundle
from backend_engineer.spec.openapi import build_contract
from backend_engineer.spec.yamlio import loads
from backend_engineer.verify.openapi_lint.engine import lint_text


class DesignError(Exception):
    """Bad input: the message names the file, the field and the fix."""


@dataclass
class DesignResult:
    mode: str
    target: Path
    text: str
    before: str | None
    notes: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    lint: list[Finding] = field(default_factory=list)
    breaking: list[dict[str, Any]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    accepted: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def diff(self) -> str:
        return unified(self.before or "", self.text, self.target.name)

    @property
    def major_findings(self) -> list[Finding]:
        return [f for f in self.lint if f.severity >= Severity.MAJOR]

    def to_dict(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "target": str(self.target),
            "written": self.written,
            "notes": self.notes,
            "kept_operations": self.kept,
            "lint": [f.to_dict() for f in self.lint],
            "major_findings": len(self.major_findings),
            "breaking": self.breaking,
            "changes": [{**c.to_dict(), "diff": self.diffs.get(c.id, "")} for c in self.changes],
            "accepted": self.accepted,
            "diff": self.diff,
        }


def _load(bundle_dir: Path) -> Bundle:
    loaded = load_bundle(bundle_dir)
    if loaded.bundle is None:
        raise DesignError("; ".join(e.render() for e in loaded.errors))
    if loaded.bundle.datamodel is None:
        raise DesignError(f"{bundle_dir / 'datamodel.yaml'}: missing; design drafts the contract from the data model")
    return loaded.bundle


def _public(bundle: Bundle) -> list[str]:
    authz = bundle.security.authorization if bundle.security else None
    return list(authz.public_operations) if authz else []


def _breaking(bundle: Bundle, text: str, previous: Path | None) -> list[dict[str, Any]]:
    """Breaking changes of ``text`` against the previous contract, by intake's own rules and levels."""
    if previous is None:
        return []
    doc, lines = loads(text)
    candidate = dataclasses.replace(bundle, api=build_contract(doc, lines))
    return [
        {"level": i.level, "path": i.path, "message": i.message, "options": list(i.options)}
        for i in breaking_items(candidate, previous)
    ]


def _previous_dir(bundle_dir: Path, previous: Path | None) -> Path | None:
    if previous is not None:
        return previous
    return bundle_dir if (bundle_dir / "openapi.yaml").is_file() else None


def write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def design(
    bundle_dir: Path, out: Path | None = None, *, previous: Path | None = None, write: bool = True, force: bool = False
) -> DesignResult:
    """Draft a contract; keep hand-written operations the role matrix names; lint; flag breaking changes."""
    bundle = _load(bundle_dir)
    target = out or bundle_dir / "openapi.yaml"
    drafted = draft_contract(bundle)
    kept = carry_operations(bundle, drafted.doc, drafted.plan)
    if bundle.api is not None:
        version = bundle.api.doc.get("info", {}).get("version")
        if version:
            drafted.doc["info"]["version"] = str(version)
    text = dump(drafted.doc)
    notes = [n for n in drafted.notes if not any(n.startswith(f"{k}:") for k in kept)]
    notes += [f"{k}: kept from the existing contract (needs business logic)" for k in kept]
    if kept:
        fixes = propose_changes(text, bundle, _public(bundle))
        if fixes:
            text = apply_changes(text, fixes)
            notes += [f"{c.operation}: {c.title} ({c.id})" for c in fixes]
    before = target.read_text(encoding="utf-8") if target.is_file() else None
    result = DesignResult(
        "draft",
        target,
        text,
        before,
        notes=notes,
        kept=kept,
        lint=lint_text(text, str(target), _public(bundle)),
        breaking=_breaking(bundle, text, _previous_dir(bundle_dir, previous)),
    )
    if write:
        if before is not None and not force:
            raise DesignError(
                f"{target}: already exists; use `design --refine` to propose changes to it, "
                "`--out` for another file, or `--force` to replace it"
            )
        write_atomic(target, text)
        result.written = True
    return result


def refine(
    bundle_dir: Path, contract: Path | None = None, *, accept: Iterable[str] = (), previous: Path | None = None
) -> DesignResult:
    """Propose one change per BE1xx finding; write only the accepted ones, atomically."""
    bundle = _load(bundle_dir)
    target = contract or bundle_dir / "openapi.yaml"
    if not target.is_file():
        raise DesignError(f"{target}: no contract to refine; run `design` without --refine to draft one")
    before = target.read_text(encoding="utf-8")
    changes = propose_changes(before, bundle, _public(bundle))
    try:
        chosen = select(changes, accept)
    except ValueError as exc:
        raise DesignError(str(exc)) from exc
    text = apply_changes(before, chosen) if chosen else before
    full = apply_changes(before, changes) if changes else before
    result = DesignResult(
        "refine",
        target,
        text if chosen else full,
        before,
        changes=changes,
        diffs=dict((c.id, d) for c, d in change_diffs(before, changes, target.name)),
        accepted=[c.id for c in chosen],
        lint=lint_text(text if chosen else full, str(target), _public(bundle)),
    )
    result.breaking = _breaking(bundle, result.text, previous or target.parent)
    if chosen:
        write_atomic(target, text)
        result.written = True
    return result
