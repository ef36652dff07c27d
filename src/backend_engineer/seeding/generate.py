"""Seed rows per table, tenant-scoped, in foreign-key order."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from typing import Any

from backend_engineer.seeding.values import SeedError, new_uuid, value_for
from backend_engineer.spec.models import DataModel, EntitySpec


@dataclass
class SeedData:
    tenants: list[str]
    tables: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {t: len(self.tables[t]) for t in self.order}


def entity_order(dm: DataModel) -> list[str]:
    """Parents before children (many-to-one relations); a cycle is an error naming the entities."""
    order: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in order:
            return
        if name in visiting:
            raise SeedError(f"datamodel.yaml: relation cycle through {name}; seed cannot order the inserts")
        visiting.add(name)
        for rel in dm.entities[name].relations.values():
            if rel.kind == "many_to_one" and rel.entity != name:
                visit(rel.entity)
        visiting.discard(name)
        order.append(name)

    for name in sorted(dm.entities):
        visit(name)
    return order


def _pk(ent: EntitySpec) -> str:
    return next((f for f, s in ent.fields.items() if s.primary_key), "id")


def generate_seed(dm: DataModel, *, tenants: int = 2, rows: int = 5, seed: int = 0) -> SeedData:
    if tenants < 1 or rows < 1:
        raise SeedError("--tenants and --rows must be at least 1")
    rng = random.Random(seed)
    tenant_ids = [new_uuid(rng) for _ in range(tenants)]
    data = SeedData(tenants=[str(t) for t in tenant_ids])
    order = entity_order(dm)
    ids: dict[str, dict[uuid.UUID | None, list[Any]]] = {}
    for name in order:
        ent = dm.entities[name]
        table_rows: list[dict[str, Any]] = []
        ids[name] = {}
        tenant: uuid.UUID | None
        for tenant in tenant_ids if ent.tenant_scoped else [None]:
            subject_pool = [f"user-{rng.randint(1000, 9999)}" for _ in range(3)]
            tenant_ids_for_entity: list[Any] = []
            for n in range(rows):
                row: dict[str, Any] = {}
                if ent.tenant_scoped:
                    row["tenant_id"] = tenant
                for rname, rel in ent.relations.items():
                    if rel.kind != "many_to_one" or not rel.field:
                        continue
                    parents = ids.get(rel.entity, {}).get(tenant, [])
                    if not parents:
                        if rel.required:
                            raise SeedError(
                                f"datamodel.yaml: {name}.{rname} needs a {rel.entity} but none was "
                                "seeded for the tenant"
                            )
                        row[rel.field] = None
                    else:
                        row[rel.field] = parents[n % len(parents)]
                for fname, spec in ent.fields.items():
                    if (
                        not spec.required
                        and not spec.primary_key
                        and spec.generated is None
                        and spec.default is None
                        and n % 3 == 2
                    ):
                        row[fname] = None
                        continue
                    row[fname] = value_for(fname, spec, rng, n, subject_pool[n % len(subject_pool)])
                tenant_ids_for_entity.append(row[_pk(ent)])
                table_rows.append(row)
            ids[name][tenant] = tenant_ids_for_entity
        data.tables[ent.table] = table_rows
        data.order.append(ent.table)
    _associations(dm, data, ids, rng)
    return data


def _associations(
    dm: DataModel, data: SeedData, ids: dict[str, dict[uuid.UUID | None, list[Any]]], rng: random.Random
) -> None:
    for name, ent in sorted(dm.entities.items()):
        for rname, rel in ent.relations.items():
            if rel.kind != "many_to_many" or not rel.through:
                continue
            left = f"{_singular(ent.table)}_id"
            right = f"{_singular(dm.entities[rel.entity].table)}_id"
            rows = []
            for tenant, owners in ids[name].items():
                targets = ids.get(rel.entity, {}).get(tenant, [])
                for i, owner in enumerate(owners):
                    for target in targets[i % 2 :: max(len(targets) // 2, 1)][:2]:
                        row = {left: owner, right: target}
                        if ent.tenant_scoped:
                            row["tenant_id"] = tenant
                        rows.append(row)
            rng.shuffle(rows)
            data.tables[rel.through] = rows
            data.order.append(rel.through)
            del rname


def _singular(table: str) -> str:
    return table[:-1] if table.endswith("s") else table
