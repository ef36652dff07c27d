"""Table definitions shared by the ORM module and the initial migration, so the two never drift."""

from __future__ import annotations

from dataclasses import dataclass, field

from backend_engineer.engines.deterministic.ir import EntityIR, ServiceIR, snake
from backend_engineer.spec.models import FieldSpec


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type_expr: str
    nullable: bool = True
    primary_key: bool = False
    foreign_key: str | None = None
    on_delete: str | None = None
    server_default: str | None = None


@dataclass(frozen=True)
class IndexDef:
    name: str
    columns: tuple[str, ...]
    unique: bool = False


@dataclass
class TableDef:
    name: str
    columns: list[ColumnDef]
    indexes: list[IndexDef] = field(default_factory=list)
    checks: list[tuple[str, str]] = field(default_factory=list)
    tenant_scoped: bool = False
    primary_key: tuple[str, ...] = ()
    entity: str | None = None


INT32_MAX = 2**31 - 1


def _type(spec: FieldSpec) -> str:
    t = spec.type
    if t == "uuid":
        return "sa.Uuid()"
    if t == "string":
        return f"sa.String({spec.max_length or 255})"
    if t == "text":
        return "sa.Text()"
    if t == "enum":
        return f"sa.String({max(len(v) for v in spec.values or ['x'])})"
    if t == "integer":
        wide = (spec.maximum is not None and spec.maximum > INT32_MAX) or (
            spec.minimum is not None and spec.minimum < -INT32_MAX - 1
        )
        return "sa.BigInteger()" if wide else "sa.Integer()"
    if t == "number":
        return "sa.Float()"
    if t == "decimal":
        return "sa.Numeric(18, 6)"
    if t == "boolean":
        return "sa.Boolean()"
    if t == "datetime":
        return "sa.DateTime(timezone=True)"
    if t == "date":
        return "sa.Date()"
    if t == "email":
        return f"sa.String({spec.max_length or 320})"
    if t == "url":
        return f"sa.String({spec.max_length or 2048})"
    return "sa.JSON()"


def _server_default(spec: FieldSpec) -> str | None:
    if spec.default is None:
        return None
    if isinstance(spec.default, bool):
        return "sa.true()" if spec.default else "sa.false()"
    if isinstance(spec.default, int | float):
        return f"sa.text({str(spec.default)!r})"
    if isinstance(spec.default, str):
        return f"sa.text({chr(39) + spec.default + chr(39)!r})"
    return None


def _checks(table: str, name: str, spec: FieldSpec) -> list[tuple[str, str]]:
    out = []
    if spec.type == "enum" and spec.values:
        values = ", ".join("'" + v.replace("'", "''") + "'" for v in spec.values)
        out.append((f"ck_{table}_{name}_enum", f"{name} IN ({values})"))
    if spec.type in ("integer", "number", "decimal"):
        if spec.minimum is not None:
            out.append((f"ck_{table}_{name}_min", f"{name} >= {spec.minimum:g}"))
        if spec.maximum is not None:
            out.append((f"ck_{table}_{name}_max", f"{name} <= {spec.maximum:g}"))
    if spec.type in ("text", "string", "email", "url"):
        if spec.type == "text" and spec.max_length:
            out.append((f"ck_{table}_{name}_max_length", f"length({name}) <= {spec.max_length}"))
        if spec.min_length:
            out.append((f"ck_{table}_{name}_min_length", f"length({name}) >= {spec.min_length}"))
    return out


def entity_table(ir: ServiceIR, ent: EntityIR) -> TableDef:
    table = ent.table
    cols: list[ColumnDef] = []
    checks: list[tuple[str, str]] = []
    for fname, spec in ent.fields.items():
        if spec.primary_key:
            cols.append(ColumnDef(fname, _type(spec), nullable=False, primary_key=True))
    if ent.spec.tenant_scoped:
        cols.append(ColumnDef("tenant_id", "sa.String(64)", nullable=False))
    for rel in ent.spec.relations.values():
        if rel.kind == "many_to_one" and rel.field:
            parent = ir.entities[rel.entity]
            on_delete = {"cascade": "CASCADE", "set_null": "SET NULL", "restrict": "RESTRICT"}[rel.on_delete]
            cols.append(
                ColumnDef(
                    rel.field,
                    "sa.Uuid()",
                    nullable=not rel.required,
                    foreign_key=f"{parent.table}.{parent.pk}",
                    on_delete=on_delete,
                )
            )
    for fname, spec in ent.fields.items():
        if spec.primary_key:
            continue
        required = spec.required or (spec.generated is not None and spec.backfill is None)
        cols.append(ColumnDef(fname, _type(spec), nullable=not required, server_default=_server_default(spec)))
        checks += _checks(table, fname, spec)
    indexes = [
        IndexDef(idx.name or f"ix_{table}_{'_'.join(idx.fields)}", tuple(idx.fields), idx.unique)
        for idx in ent.spec.indexes
    ]
    covered = {idx.columns[:1] for idx in indexes} | {idx.columns[1:2] for idx in indexes}
    for rel in ent.spec.relations.values():
        if rel.kind == "many_to_one" and rel.field and (rel.field,) not in covered:
            indexes.append(IndexDef(f"ix_{table}_{rel.field}", (rel.field,)))
    return TableDef(table, cols, indexes, checks, ent.spec.tenant_scoped, entity=ent.name)


def internal_tables() -> list[TableDef]:
    ts = "sa.DateTime(timezone=True)"
    return [
        TableDef(
            "outbox",
            [
                ColumnDef("id", "sa.Uuid()", nullable=False, primary_key=True),
                ColumnDef("tenant_id", "sa.String(64)", nullable=False),
                ColumnDef("event_type", "sa.String(100)", nullable=False),
                ColumnDef("payload", "sa.JSON()", nullable=False),
                ColumnDef("status", "sa.String(16)", nullable=False),
                ColumnDef("attempts", "sa.Integer()", nullable=False),
                ColumnDef("created_at", ts, nullable=False),
                ColumnDef("next_attempt_at", ts, nullable=False),
                ColumnDef("delivered_at", ts),
                ColumnDef("last_error", "sa.Text()"),
            ],
            [IndexDef("ix_outbox_status_next_attempt_at", ("status", "next_attempt_at"))],
            [("ck_outbox_status", "status IN ('pending', 'delivered', 'dead')")],
        ),
        TableDef(
            "dead_letters",
            [
                ColumnDef("id", "sa.Uuid()", nullable=False, primary_key=True),
                ColumnDef("tenant_id", "sa.String(64)", nullable=False),
                ColumnDef("event_type", "sa.String(100)", nullable=False),
                ColumnDef("payload", "sa.JSON()", nullable=False),
                ColumnDef("attempts", "sa.Integer()", nullable=False),
                ColumnDef("last_error", "sa.Text()"),
                ColumnDef("failed_at", ts, nullable=False),
            ],
            [IndexDef("ix_dead_letters_failed_at", ("failed_at",))],
        ),
        TableDef(
            "idempotency_keys",
            [
                ColumnDef("tenant_id", "sa.String(64)", nullable=False, primary_key=True),
                ColumnDef("key", "sa.String(128)", nullable=False, primary_key=True),
                ColumnDef("fingerprint", "sa.String(64)", nullable=False),
                ColumnDef("operation_id", "sa.String(100)", nullable=False),
                ColumnDef("subject", "sa.String(255)", nullable=False),
                ColumnDef("status_code", "sa.Integer()", nullable=False),
                ColumnDef("response_body", "sa.JSON()"),
                ColumnDef("response_headers", "sa.JSON()"),
                ColumnDef("created_at", ts, nullable=False),
            ],
            [IndexDef("ix_idempotency_keys_created_at", ("created_at",))],
            tenant_scoped=True,
        ),
        TableDef(
            "purge_checkpoints",
            [
                ColumnDef("job", "sa.String(100)", nullable=False, primary_key=True),
                ColumnDef("rows_done", "sa.Integer()", nullable=False),
                ColumnDef("updated_at", ts, nullable=False),
            ],
        ),
    ]


def association_tables(ir: ServiceIR) -> list[TableDef]:
    """Many-to-many `through` tables: both foreign keys form the primary key; rows follow their owners."""
    out = []
    for ent in _ordered(ir):
        for rel in ent.spec.relations.values():
            if rel.kind != "many_to_many" or not rel.through or rel.entity not in ir.entities:
                continue
            target = ir.entities[rel.entity]
            left, right = f"{snake(ent.name)}_id", f"{snake(target.name)}_id"
            cols = [
                ColumnDef(
                    left,
                    "sa.Uuid()",
                    nullable=False,
                    primary_key=True,
                    foreign_key=f"{ent.table}.{ent.pk}",
                    on_delete="CASCADE",
                ),
                ColumnDef(
                    right,
                    "sa.Uuid()",
                    nullable=False,
                    primary_key=True,
                    foreign_key=f"{target.table}.{target.pk}",
                    on_delete="CASCADE",
                ),
            ]
            if ent.spec.tenant_scoped:
                cols.append(ColumnDef("tenant_id", "sa.String(64)", nullable=False))
            out.append(
                TableDef(
                    rel.through,
                    cols,
                    [IndexDef(f"ix_{rel.through}_{right}", (right,))],
                    tenant_scoped=ent.spec.tenant_scoped,
                )
            )
    return out


def all_tables(ir: ServiceIR) -> list[TableDef]:
    return [entity_table(ir, ent) for ent in _ordered(ir)] + association_tables(ir) + internal_tables()


def _ordered(ir: ServiceIR) -> list[EntityIR]:
    order: list[str] = []

    def visit(name: str) -> None:
        if name in order:
            return
        ent = ir.entities[name]
        for rel in ent.spec.relations.values():
            if rel.kind == "many_to_one" and rel.entity != name:
                visit(rel.entity)
        order.append(name)

    for name in ir.entities:
        visit(name)
    return [ir.entities[n] for n in order]


def column_expr(col: ColumnDef, for_migration: bool) -> str:
    args = [repr(col.name), col.type_expr]
    if col.foreign_key:
        args.append(f"sa.ForeignKey({col.foreign_key!r}, ondelete={col.on_delete!r})")
    if col.primary_key:
        args.append("primary_key=True")
    args.append(f"nullable={col.nullable}")
    if col.server_default:
        args.append(f"server_default={col.server_default}")
    return f"sa.Column({', '.join(args)})"
