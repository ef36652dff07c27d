"""DataModel: retention and PII must be classified; relations and indexes must point at real fields."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import entity_field_names, item
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

F = "datamodel.yaml"
PII_PRONE_TYPES = {"email"}


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    dm = bundle.datamodel
    if dm is None:
        return
    declared_pii = set(bundle.security.pii.fields) if bundle.security and bundle.security.pii else set()
    for name, ent in dm.entities.items():
        base = ("entities", name)
        if ent.retention is None:
            yield item(
                bundle,
                F,
                base,
                "missing",
                f"`{name}` has no retention rule",
                [
                    "add `retention: {policy: keep}` if the data must be kept",
                    "add `retention: {policy: delete, after_days: N, field: created_at}`",
                ],
            )
        elif ent.retention.policy != "keep" and (ent.retention.after_days is None or not ent.retention.field):
            yield item(
                bundle,
                F,
                (*base, "retention"),
                "missing",
                f"`{name}` retention `{ent.retention.policy}` needs after_days and field",
                ["add `after_days: N, field: created_at`"],
            )
        pks = [f for f, spec in ent.fields.items() if spec.primary_key]
        if len(pks) != 1:
            yield item(
                bundle,
                F,
                (*base, "fields"),
                "missing" if not pks else "contradictory",
                f"`{name}` must have exactly one primary key field (has {len(pks)})",
                ["mark one field `primary_key: true`, e.g. `id: {type: uuid, primary_key: true, generated: uuid4}`"],
            )
        names = entity_field_names(bundle, name)
        for fname, spec in ent.fields.items():
            fpath = (*base, "fields", fname)
            qualified = f"{name}.{fname}"
            if spec.type in PII_PRONE_TYPES and not spec.pii:
                yield item(
                    bundle,
                    F,
                    fpath,
                    "missing",
                    f"`{qualified}` has no PII classification although its type is {spec.type}",
                    [
                        f"add `pii: contact` to `{qualified}` and list it under security.yaml pii.fields",
                        f"add `pii: none` if `{qualified}` is not personal data",
                    ],
                )
            if spec.pii and spec.pii != "none" and bundle.security and qualified not in declared_pii:
                yield item(
                    bundle,
                    F,
                    (*fpath, "pii"),
                    "contradictory",
                    f"`{qualified}` is classified PII here but security.yaml pii.fields omits it",
                    [f"add `{qualified}` to security.yaml pii.fields"],
                )
            if spec.type == "enum" and not spec.values:
                yield item(bundle, F, fpath, "missing", f"enum `{qualified}` lists no values", ["add `values: [...]`"])
            if spec.type == "enum" and spec.values and spec.default is not None and spec.default not in spec.values:
                yield item(
                    bundle,
                    F,
                    (*fpath, "default"),
                    "contradictory",
                    f"default {spec.default!r} of `{qualified}` is not one of its values",
                    [f"use one of {spec.values}"],
                )
            if spec.min_length is not None and spec.max_length is not None and spec.min_length > spec.max_length:
                yield item(
                    bundle,
                    F,
                    fpath,
                    "contradictory",
                    f"`{qualified}` has min_length {spec.min_length} > max_length {spec.max_length}",
                    ["swap or correct the bounds"],
                )
            if (
                spec.type in {"string", "url"}
                and spec.max_length is None
                and spec.pattern is None
                and not spec.primary_key
            ):
                yield item(
                    bundle,
                    F,
                    fpath,
                    "missing",
                    f"`{qualified}` has no max_length",
                    ["add `max_length: N` (unbounded strings are a DoS and storage risk)"],
                    level="warning",
                )
            if spec.backfill and spec.backfill.from_ not in names:
                yield item(
                    bundle,
                    F,
                    (*fpath, "backfill"),
                    "contradictory",
                    f"`{qualified}` backfills from `{spec.backfill.from_}`, which is not a field",
                    ["backfill from an existing field"],
                )
        for rname, rel in ent.relations.items():
            if rel.entity not in dm.entities:
                yield item(
                    bundle,
                    F,
                    (*base, "relations", rname),
                    "contradictory",
                    f"relation `{name}.{rname}` points at unknown entity `{rel.entity}`",
                    [f"use one of: {', '.join(sorted(dm.entities))}"],
                )
            if rel.kind == "many_to_one" and not rel.field:
                yield item(
                    bundle,
                    F,
                    (*base, "relations", rname),
                    "missing",
                    f"relation `{name}.{rname}` has no foreign-key field",
                    [f"add `field: {rname}_id`"],
                )
            if rel.kind == "many_to_many" and not rel.through:
                yield item(
                    bundle,
                    F,
                    (*base, "relations", rname),
                    "missing",
                    f"many-to-many `{name}.{rname}` names no association table",
                    [f"add `through: {ent.table}_{rname}`"],
                )
        for i, index in enumerate(ent.indexes):
            for fld in index.fields:
                if fld not in names:
                    yield item(
                        bundle,
                        F,
                        (*base, "indexes", i),
                        "contradictory",
                        f"index on `{name}` uses `{fld}`, which is not a field of `{name}`",
                        [f"use fields of `{name}`: {', '.join(sorted(names))}"],
                    )
