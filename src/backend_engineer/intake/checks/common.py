"""Helpers shared by the intake checks."""

from __future__ import annotations

from collections.abc import Iterable

from backend_engineer.intake.model import IntakeItem, Kind, Level
from backend_engineer.spec.bundle import INPUT_TITLES, Bundle
from backend_engineer.spec.yamlio import PathKey


def item(
    bundle: Bundle,
    file: str,
    path: PathKey,
    kind: Kind,
    message: str,
    options: Iterable[str] = (),
    level: Level = "blocker",
) -> IntakeItem:
    dotted = ".".join(str(p) for p in path)
    return IntakeItem(
        input=INPUT_TITLES[file],
        file=file,
        path=dotted,
        kind=kind,
        message=message,
        options=tuple(options),
        line=bundle.line(file, path),
        level=level,
    )


def entity_field_names(bundle: Bundle, entity: str) -> set[str]:
    """Field names of an entity, including tenant_id and relation foreign keys."""
    if not bundle.datamodel or entity not in bundle.datamodel.entities:
        return set()
    spec = bundle.datamodel.entities[entity]
    names = set(spec.fields)
    if spec.tenant_scoped:
        names.add("tenant_id")
    names.update(r.field for r in spec.relations.values() if r.field)
    return names


def qualified_field_exists(bundle: Bundle, ref: str) -> bool:
    entity, _, fname = ref.partition(".")
    return bool(fname) and fname in entity_field_names(bundle, entity)
