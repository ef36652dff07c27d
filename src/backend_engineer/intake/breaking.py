"""Breaking contract changes, raised at intake as blockers that need an explicit decision."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from backend_engineer.intake.model import IntakeItem, Level
from backend_engineer.spec.bundle import Bundle, load_bundle
from backend_engineer.spec.contract_diff import diff_contracts, major

LOCK_DIR = Path(".backend-engineer") / "bundle"


def previous_bundle_dir(path: Path) -> Path:
    """Accept a bundle folder or a generated service that carries its bundle lock."""
    return path / LOCK_DIR if (path / LOCK_DIR / "openapi.yaml").is_file() else path


def breaking_items(bundle: Bundle, previous: Path, accepted: Iterable[str] = ()) -> list[IntakeItem]:
    old_dir = previous_bundle_dir(previous)
    old = load_bundle(old_dir)
    if old.bundle is None or old.bundle.api is None:
        return [
            IntakeItem(
                "APIContract",
                "openapi.yaml",
                "",
                "missing",
                f"the previous contract at {old_dir} cannot be loaded: " + "; ".join(e.render() for e in old.errors),
                ("pass --previous with a valid bundle",),
            )
        ]
    if bundle.api is None:
        return []
    old_version, new_version = (
        str(old.bundle.api.doc.get("info", {}).get("version", "")),
        str(bundle.api.doc.get("info", {}).get("version", "")),
    )
    same_major = major(old_version) == major(new_version)
    accepted_ids = set(accepted)
    items = []
    for change in diff_contracts(old.bundle.api, bundle.api):
        decided = change.id in accepted_ids or "all" in accepted_ids
        level: Level = "blocker" if same_major and not decided else "warning"
        note = (
            "accepted explicitly"
            if decided
            else f"a new major version ({old_version} -> {new_version})"
            if not same_major
            else f"same major version {major(new_version)}"
        )
        items.append(
            IntakeItem(
                input="APIContract",
                file="openapi.yaml",
                path=change.location,
                kind="breaking",
                message=f"breaking change in `{change.operation}`: {change.detail} ({change.kind}; {note}) "
                f"[id: {change.id}]",
                options=(
                    f"keep the old behaviour for `{change.operation}` in this version",
                    f"bump info.version to {int(major(old_version) or 0) + 1}.0.0 and serve it beside the old one",
                    f"accept it explicitly: --accept-breaking '{change.id}'",
                ),
                line=bundle.line("openapi.yaml", change.pointer) if change.pointer else 0,
                level=level,
            )
        )
    return items
