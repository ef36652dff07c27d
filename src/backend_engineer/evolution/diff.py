"""A typed diff between the data model a service was built from and the new one."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend_engineer.spec.models import DataModel, FieldSpec, IndexSpec


@dataclass
class DataModelDiff:
    new_entities: list[str] = field(default_factory=list)
    new_associations: list[tuple[str, str]] = field(default_factory=list)  # (owner entity, relation name)
    added_fields: list[tuple[str, str, FieldSpec]] = field(default_factory=list)
    widened: list[tuple[str, str, int, int]] = field(default_factory=list)
    narrowed: list[tuple[str, str, int, int]] = field(default_factory=list)
    added_indexes: list[tuple[str, IndexSpec]] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (
            self.new_entities
            or self.new_associations
            or self.added_fields
            or self.widened
            or self.narrowed
            or self.added_indexes
            or self.removed
        )

    def summary(self) -> list[str]:
        out = [f"new table for {e}" for e in self.new_entities]
        out += [f"new association {o}.{r}" for o, r in self.new_associations]
        out += [f"new column {e}.{f}" for e, f, _ in self.added_fields]
        out += [f"widen {e}.{f} {a} -> {b}" for e, f, a, b in self.widened]
        out += [f"NARROW {e}.{f} {a} -> {b}" for e, f, a, b in self.narrowed]
        out += [f"new index on {e}({', '.join(i.fields)})" for e, i in self.added_indexes]
        out += [f"REMOVED {r}" for r in self.removed]
        return out

    def schema_changes(self, tables: dict[str, str], new_tables: list[str]) -> str:
        """The plan's one line: new tables and changed tables named apart (``tables`` maps entity -> table)."""
        changed: dict[str, list[str]] = {}
        for e, f, _ in self.added_fields:
            changed.setdefault(tables[e], []).append(f"new column {f}")
        for e, f, a, b in self.widened:
            changed.setdefault(tables[e], []).append(f"widen {f} {a} -> {b}")
        for e, i in self.added_indexes:
            if e not in self.new_entities:
                changed.setdefault(tables[e], []).append(f"new index ({', '.join(i.fields)})")
        parts = []
        if new_tables:
            parts.append(f"{len(new_tables)} new table(s) ({', '.join(new_tables)}) with indexes and tenant RLS")
        if changed:
            parts.append(
                f"{len(changed)} changed table(s) ("
                + "; ".join(f"{t}: {', '.join(what)}" for t, what in changed.items())
                + ")"
            )
        return "; ".join(parts) or "no schema change"


def diff_datamodels(old: DataModel, new: DataModel) -> DataModelDiff:
    d = DataModelDiff()
    for name in old.entities:
        if name not in new.entities:
            d.removed.append(f"entity {name}")
    for name, ent in new.entities.items():
        before = old.entities.get(name)
        if before is None:
            d.new_entities.append(name)
            continue
        for fname in before.fields:
            if fname not in ent.fields:
                d.removed.append(f"field {name}.{fname}")
        for fname, spec in ent.fields.items():
            prior = before.fields.get(fname)
            if prior is None:
                d.added_fields.append((name, fname, spec))
            elif prior.max_length and spec.max_length and spec.max_length != prior.max_length:
                target = d.widened if spec.max_length > prior.max_length else d.narrowed
                target.append((name, fname, prior.max_length, spec.max_length))
        old_indexes = {(tuple(i.fields), i.unique) for i in before.indexes}
        d.added_indexes += [(name, i) for i in ent.indexes if (tuple(i.fields), i.unique) not in old_indexes]
        for rname, rel in ent.relations.items():
            if rel.kind == "many_to_many" and rname not in before.relations:
                d.new_associations.append((name, rname))
    for name in new.entities:
        if name in d.new_entities:
            for rname, rel in new.entities[name].relations.items():
                if rel.kind == "many_to_many":
                    d.new_associations.append((name, rname))
    return d
