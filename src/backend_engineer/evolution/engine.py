"""EvolutionEngine: regenerate an existing service from a new bundle without clobbering anything.

It wraps the deterministic engine. Given a repo with ``.backend-engineer/manifest.json`` and the
bundle lock, it:

- refuses (``ConflictError``) when a generated file was edited by hand (its hash differs from the
  manifest), naming the files, so nothing is silently overwritten;
- keeps every existing migration as it is and adds the next revision for the data-model diff, in a
  change of its own that comes first;
- rewrites only generated files whose content changes, adds new ones, and never touches user-owned
  files (``app/custom/``, ``tests/custom/``) that already exist.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

from backend_engineer.engines.base import ChangeGroup, EngineConflict, EngineProposal, PlannedFile, Refusal
from backend_engineer.engines.deterministic.engine import GROUPS, DeterministicEngine, group_of, kind_of
from backend_engineer.engines.deterministic.ir import build_ir
from backend_engineer.engines.deterministic.tree import (
    MANIFEST,
    SCAFFOLD_PREFIXES,
    USER_OWNED_PREFIXES,
    format_python,
    render_tree,
)
from backend_engineer.evolution.diff import diff_datamodels
from backend_engineer.evolution.migration import new_tables, render_evolution
from backend_engineer.evolution.scaffold import conflict_notes, reconcile
from backend_engineer.spec.bundle import Bundle, load_bundle

LOCK = Path(".backend-engineer") / "bundle"
VERSIONS = "migrations/versions/"


class ConflictError(EngineConflict):
    def __init__(self, files: list[str]) -> None:
        super().__init__(
            "generated files were edited by hand and would be overwritten: "
            + ", ".join(files)
            + "; move the changes to app/custom/ (or revert them) and build again"
        )
        self.files = files


class LegacyCustomCode(ConflictError):
    """User-owned code written for the untyped extension API, which the typed service no longer calls."""

    def __init__(self, files: list[str]) -> None:
        Exception.__init__(
            self,
            "user-owned code uses the untyped extension API this generator no longer calls: "
            + ", ".join(files)
            + "; move rules to typed hooks in app/custom/hooks.py and give handlers the typed `handle` signature"
            " (both in the service's EXTENSIONS.md; delete an unchanged stub to get a new one), then build again",
        )
        self.files = files


LEGACY_RULES_STUB = re.sub(
    r"\s+",
    "",
    '''"""Your business rules. This file is yours: the generator creates it once and never overwrites it.

Each hook gets the entity name and the record; return the (possibly changed) record, or raise one of
the errors in ``app.platform.errors`` (for example ``ValidationFailed``) to refuse the change.
"""
from __future__ import annotations
from typing import Any
Record = dict[str, Any]
def before_create(entity: str, record: Record, subject: str) -> Record:
    return record
def before_update(entity: str, current: Record, updated: Record, subject: str) -> Record:
    return updated
def before_delete(entity: str, current: Record, subject: str) -> None:
    return None
''',
)
LEGACY_HANDLER = re.compile(r"^def handle\(\s*uow\b", re.M)


def legacy_custom_code(repo: Path) -> list[str]:
    """Custom rules or handlers written for the untyped API (a stock, unchanged rules.py is harmless)."""
    found = []
    rules = repo / "app" / "custom" / "rules.py"
    if rules.is_file():
        body = re.sub(r"^#.*$", "", rules.read_text(encoding="utf-8"), flags=re.M)
        if re.sub(r"\s+", "", body) != LEGACY_RULES_STUB:
            found.append("app/custom/rules.py")
    for handler in sorted((repo / "app" / "custom" / "operations").glob("*.py")):
        if LEGACY_HANDLER.search(handler.read_text(encoding="utf-8")):
            found.append(f"app/custom/operations/{handler.name}")
    return found


def is_generated_service(repo: Path | None) -> bool:
    return repo is not None and (repo / MANIFEST).is_file() and (repo / LOCK / "datamodel.yaml").is_file()


def hand_edited(repo: Path) -> list[str]:
    manifest = json.loads((repo / MANIFEST).read_text())
    edited = []
    for rel, digest in sorted(manifest.get("files", {}).items()):
        path = repo / rel
        if rel.startswith(".backend-engineer/") or not path.is_file():
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != digest:
            edited.append(rel)
    return edited


def _revisions(repo: Path) -> list[tuple[str, str]]:
    out = []
    for path in sorted((repo / VERSIONS).glob("*.py")):
        match = re.search(r'^revision\s*=\s*["\']([^"\']+)["\']', path.read_text(), re.M)
        if match:
            out.append((match.group(1), path.name))
    return out


def _title(key: str, title: str, files: list[PlannedFile]) -> str:
    """The group's commit subject, saying whether the change adds files, changes them, or both."""
    if key == "migrations":
        return "migrate the schema to the new data model"
    actions = {f.action for f in files}
    verb = "add" if actions == {"add"} else "change" if actions == {"modify"} else "add and change"
    return verb + title.removeprefix("add")


class EvolutionEngine:
    name = "deterministic"

    def __init__(self, base: DeterministicEngine | None = None) -> None:
        self.base = base or DeterministicEngine()

    def check_support(self, bundle: Bundle) -> list[Refusal]:
        return self.base.check_support(bundle)

    def _files(self, bundle: Bundle, repo: Path) -> dict[str, bytes]:
        old = load_bundle(repo / LOCK)
        if old.bundle is None or old.bundle.datamodel is None or bundle.datamodel is None:
            raise ConflictError([f"{LOCK}: the bundle lock cannot be read"])
        files = render_tree(build_ir(bundle))
        existing = {p: (repo / p).read_bytes() for p in files if p.startswith(VERSIONS) and (repo / p).is_file()}
        files = {p: c for p, c in files.items() if not p.startswith(VERSIONS)}
        for path in sorted((repo / VERSIONS).glob("*.py")):
            files[f"{VERSIONS}{path.name}"] = path.read_bytes()
        files.update(existing)
        diff = diff_datamodels(old.bundle.datamodel, bundle.datamodel)
        if not diff.empty:
            revisions = _revisions(repo)
            rendered = render_evolution(
                build_ir(bundle),
                diff,
                len(revisions) + 1,
                revisions[-1][0] if revisions else "",
                f"evolve_to_v{bundle.datamodel.version}",
            )
            formatted = format_python({**rendered, "pyproject.toml": files.get("pyproject.toml", b"").decode()})
            files.update({f"{VERSIONS}{name}": formatted[name].encode() for name in rendered})
        recorded = json.loads((repo / MANIFEST).read_text()).get("scaffold", {})
        files = reconcile(repo, files, recorded)
        manifest = json.loads(files[MANIFEST])
        manifest["files"] = {
            p: hashlib.sha256(c).hexdigest()
            for p, c in sorted(files.items())
            if p != MANIFEST and not p.startswith((*USER_OWNED_PREFIXES, *SCAFFOLD_PREFIXES))
        }
        files[MANIFEST] = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
        return files

    def propose(self, bundle: Bundle, repo: Path | None) -> EngineProposal:
        if not is_generated_service(repo):
            return self.base.propose(bundle, repo)
        assert repo is not None
        edited = hand_edited(repo)
        if edited:
            raise ConflictError(edited)
        legacy = legacy_custom_code(repo)
        if legacy:
            raise LegacyCustomCode(legacy)
        files = self._files(bundle, repo)
        base = self.base.propose(bundle, None)
        by_group: dict[str, list[PlannedFile]] = {}
        for path, content in sorted(files.items()):
            target = repo / path
            if target.is_file() and (path.startswith(USER_OWNED_PREFIXES) or target.read_bytes() == content):
                continue
            action = "modify" if target.is_file() else "add"
            by_group.setdefault(group_of(path), []).append(PlannedFile(path, kind_of(path), action))  # type: ignore[arg-type]
        groups = [
            ChangeGroup(key, scope, _title(key, title, by_group[key]), tuple(by_group[key]))
            for key, scope, title, _ in GROUPS
            if by_group.get(key)
        ]
        return EngineProposal(
            groups=groups,
            endpoints=base.endpoints,
            notes=[
                *base.notes,
                "evolution: existing migrations are kept; user-owned files untouched",
                *conflict_notes(files),
            ],
            schema_changes=self._schema_changes(bundle, repo),
        )

    def _schema_changes(self, bundle: Bundle, repo: Path) -> str:
        old = load_bundle(repo / LOCK).bundle
        if old is None or old.datamodel is None or bundle.datamodel is None:
            return ""
        diff = diff_datamodels(old.datamodel, bundle.datamodel)
        ir = build_ir(bundle)
        tables = {name: ent.table for name, ent in ir.entities.items()}
        return diff.schema_changes(tables, [t.name for t in new_tables(ir, diff)])

    def render(self, bundle: Bundle, proposal: EngineProposal, repo: Path | None) -> dict[str, bytes]:
        if not is_generated_service(repo):
            return self.base.render(bundle, proposal, repo)
        assert repo is not None
        files = self._files(bundle, repo)
        return {f.path: files[f.path] for f in proposal.files}
