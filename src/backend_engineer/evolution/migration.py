"""The next Alembic revision for a data-model change, in the generator's naming conventions.

Steps run in a safe order: new tables, nullable columns, batched backfills with checkpoints,
widenings, then indexes (CONCURRENTLY on PostgreSQL). The downgrade reverses each step and refuses to
narrow a column while data would not fit.
"""

from __future__ import annotations

from backend_engineer.engines.base import EngineConflict
from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.render.migration import POLICY, create_lines, drop_lines, enable_rls_lines
from backend_engineer.engines.deterministic.render.tables import (
    TableDef,
    _type,
    association_tables,
    entity_table,
)
from backend_engineer.evolution.diff import DataModelDiff


class UnsafeChange(EngineConflict):
    """A change the migration will not make without an explicit decision (narrowing, removal)."""


def _new_tables(ir: ServiceIR, diff: DataModelDiff) -> list[TableDef]:
    tables = [entity_table(ir, ir.entities[name]) for name in diff.new_entities]
    wanted = {ir.entities[o].spec.relations[r].through for o, r in diff.new_associations}
    tables += [t for t in association_tables(ir) if t.name in wanted]
    return tables


def render_evolution(ir: ServiceIR, diff: DataModelDiff, revision: str, down_revision: str, slug: str) -> str:
    if diff.narrowed or diff.removed:
        raise UnsafeChange(
            "; ".join([f"narrowing {e}.{f} {a}->{b}" for e, f, a, b in diff.narrowed] + diff.removed)
            + ": these lose data; add an explicit migration by hand and mark it irreversible"
        )
    tables = _new_tables(ir, diff)
    tenant_tables = [t.name for t in tables if t.tenant_scoped]
    backfills = [(ir.entities[e].table, f, spec.backfill.from_) for e, f, spec in diff.added_fields if spec.backfill]
    doc = [f'"""{slug.replace("_", " ")}: ' + "; ".join(diff.summary()) + ".", "", "VERIFY:"]
    doc += [
        f"- SELECT count(*) FROM {t} WHERE {c} IS NULL AND {s} IS NOT NULL  -- 0 once the backfill is done"
        for t, c, s in backfills
    ]
    doc += [f"- SELECT count(*) FROM {t.name}" for t in tables]
    doc += [
        "- alembic downgrade -1 && alembic upgrade head (migration-check compares the schemas)",
        "",
        "OPERATIONS:",
        "- new tables and nullable columns first; no existing row is rewritten in one statement",
        "- backfills run in batches of 500 rows, committing each batch on PostgreSQL; a checkpoint row in "
        "purge_checkpoints records progress, and a re-run resumes where it stopped",
        "- indexes on existing tables are created CONCURRENTLY on PostgreSQL (no write lock)",
        "- lock_timeout 5s and statement_timeout 60s on PostgreSQL",
        "- rollback: alembic downgrade -1 drops the new tables and columns (irreversible for their data) and "
        "narrows widened columns only when every value fits",
        '"""',
    ]
    lines = [
        *doc,
        "",
        "from __future__ import annotations",
        "",
        "import datetime as dt",
        "",
        "import sqlalchemy as sa",
        "from alembic import op",
        "",
        f'revision = "{revision}"',
        f'down_revision = "{down_revision}"',
        "branch_labels = None",
        "depends_on = None",
        "",
        "BATCH = 500",
        f"NEW_TENANT_TABLES = {tuple(tenant_tables)!r}",
        f'POLICY = "{POLICY}"',
        "",
        "",
        "def _is_postgres() -> bool:",
        '    return op.get_bind().dialect.name == "postgresql"',
        "",
        "",
        "def _checkpoint(job: str, rows: int) -> None:",
        '    table = sa.table("purge_checkpoints", sa.column("job"), sa.column("rows_done"), sa.column("updated_at"))',
        "    conn = op.get_bind()",
        "    now = dt.datetime.now(dt.UTC)",
        "    if conn.execute(table.update().where(table.c.job == job).values(rows_done=rows, updated_at=now)).rowcount == 0:",
        "        conn.execute(table.insert().values(job=job, rows_done=rows, updated_at=now))",
        "",
        "",
        "def _backfill(table: str, column: str, source: str) -> None:",
        '    """Copy `source` into `column` in batches, recording a checkpoint after each batch."""',
        '    job = f"' + revision + ':backfill:{table}.{column}"',
        "    statement = sa.text(",
        '        f"UPDATE {table} SET {column} = {source} WHERE id IN "  # backend-engineer: ignore[BE303]',
        '        f"(SELECT id FROM {table} WHERE {column} IS NULL AND {source} IS NOT NULL LIMIT :n)"',
        "    )",
        "    if op.get_context().as_sql:",
        "        op.execute(statement.bindparams(n=BATCH))",
        "        return",
        "    done = 0",
        "    while True:",
        '        rows = op.get_bind().execute(statement, {"n": BATCH}).rowcount',
        "        done += rows",
        "        _checkpoint(job, done)",
        "        if rows < BATCH:",
        "            return",
        "",
        "",
        "def upgrade() -> None:",
        "    if _is_postgres():",
        "        op.execute(\"SET LOCAL lock_timeout = '5s'\")",
        "        op.execute(\"SET LOCAL statement_timeout = '60s'\")",
    ]
    lines += create_lines(tables)
    if tenant_tables:
        lines += enable_rls_lines("NEW_TENANT_TABLES")
    for ent, fname, spec in diff.added_fields:
        tname = ir.entities[ent].table
        lines.append(f"    with op.batch_alter_table({tname!r}) as batch:")
        lines.append(f"        batch.add_column(sa.Column({fname!r}, {_type(spec)}, nullable=True))")
    if backfills:
        lines.append("    if _is_postgres():")
        lines.append("        with op.get_context().autocommit_block():")
        lines += [f"            _backfill({t!r}, {c!r}, {s!r})" for t, c, s in backfills]
        lines.append("    else:")
        lines += [f"        _backfill({t!r}, {c!r}, {s!r})" for t, c, s in backfills]
    for ent, fname, old, new in diff.widened:
        tname = ir.entities[ent].table
        lines.append(f"    with op.batch_alter_table({tname!r}) as batch:")
        lines.append(f"        batch.alter_column({fname!r}, type_=sa.String({new}), existing_type=sa.String({old}))")
    existing_indexes = [(ir.entities[e].table, i) for e, i in diff.added_indexes if e not in diff.new_entities]
    if existing_indexes:
        lines += ["    if _is_postgres():", "        with op.get_context().autocommit_block():"]
        for table, idx in existing_indexes:
            name = idx.name or f"ix_{table}_{'_'.join(idx.fields)}"
            lines.append(
                f"            op.create_index({name!r}, {table!r}, {list(idx.fields)!r}, unique={idx.unique}, "
                "postgresql_concurrently=True)"
            )
        lines.append("    else:")
        for table, idx in existing_indexes:
            name = idx.name or f"ix_{table}_{'_'.join(idx.fields)}"
            lines.append(f"        op.create_index({name!r}, {table!r}, {list(idx.fields)!r}, unique={idx.unique})")
    lines += [
        "",
        "",
        "def downgrade() -> None:",
        "    # irreversible for data: the new tables and columns are dropped with their contents",
    ]
    if existing_indexes:
        lines += ["    if _is_postgres():", "        with op.get_context().autocommit_block():"]
        for table, idx in existing_indexes:
            name = idx.name or f"ix_{table}_{'_'.join(idx.fields)}"
            lines.append(f"            op.drop_index({name!r}, table_name={table!r}, postgresql_concurrently=True)")
        lines.append("    else:")
        for table, idx in existing_indexes:
            name = idx.name or f"ix_{table}_{'_'.join(idx.fields)}"
            lines.append(f"        op.drop_index({name!r}, table_name={table!r})")
    for ent, fname, old, new in diff.widened:
        table_name = ir.entities[ent].table
        lines += [
            f'    too_long = op.get_bind().execute(sa.text("SELECT count(*) FROM {table_name} WHERE length({fname}) > '
            f'{old}")).scalar()',
            "    if too_long:",
            f'        raise RuntimeError(f"cannot narrow {table_name}.{fname} back to {old}: {{too_long}} row(s) are '
            'longer; shorten them first")',
            f"    with op.batch_alter_table({table_name!r}) as batch:",
            f"        batch.alter_column({fname!r}, type_=sa.String({old}), existing_type=sa.String({new}))",
        ]
    for ent, fname, _spec in reversed(diff.added_fields):
        table = ir.entities[ent].table
        lines += [f"    with op.batch_alter_table({table!r}) as batch:", f"        batch.drop_column({fname!r})"]
    if tenant_tables:
        lines += [
            "    if _is_postgres():",
            "        for table in NEW_TENANT_TABLES:",
            '            op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")',
        ]
    lines += drop_lines(tables)
    if backfills:
        lines.append(f"    op.execute(\"DELETE FROM purge_checkpoints WHERE job LIKE '{revision}:backfill:%'\")")
    return "\n".join(lines) + "\n"
