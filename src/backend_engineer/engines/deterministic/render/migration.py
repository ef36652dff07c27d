"""migrations/versions/0001_initial.py: tables, constraints, indexes and PostgreSQL RLS, with a real downgrade."""

from __future__ import annotations

from backend_engineer.engines.deterministic.ir import ServiceIR
from backend_engineer.engines.deterministic.render.tables import TableDef, all_tables, column_expr

POLICY = (
    "CREATE POLICY tenant_isolation ON {t} USING (tenant_id = current_setting('app.tenant_id', true) "
    "OR current_setting('app.bypass_rls', true) = 'on') WITH CHECK (tenant_id = "
    "current_setting('app.tenant_id', true) OR current_setting('app.bypass_rls', true) = 'on')"
)


IS_POSTGRES_LINES = (
    "",
    "",
    "def _is_postgres() -> bool:",
    '    return op.get_bind().dialect.name == "postgresql"',
)
"""The helper every generated revision uses to run PostgreSQL-only steps."""
UPGRADE_OPENING_LINES = (
    "",
    "",
    "def upgrade() -> None:",
    "    if _is_postgres():",
    "        op.execute(\"SET LOCAL lock_timeout = '5s'\")",
    "        op.execute(\"SET LOCAL statement_timeout = '60s'\")",
)
"""An upgrade's first lines: bounded lock and statement waits on PostgreSQL."""


def render_initial_migration(ir: ServiceIR) -> str:
    tables = all_tables(ir)
    tenant_tables = [t.name for t in tables if t.tenant_scoped]
    service = ir.bundle.service_name
    doc = [
        f'"""Initial schema for {service}: {len(tables)} tables with constraints, indexes and tenant RLS.',
        "",
        "VERIFY:",
        "- alembic upgrade head && alembic downgrade base && alembic upgrade head (schemas compared by "
        "backend-engineer migration-check)",
        *[f"- SELECT count(*) FROM {t.name}" for t in tables if t.entity],
        "- on PostgreSQL: SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity",
        "",
        "OPERATIONS:",
        "- creates new tables only: no existing rows are touched, no long locks",
        "- lock_timeout 5s and statement_timeout 60s are set on PostgreSQL",
        f"- row-level security on {', '.join(tenant_tables)}: rows are visible only when app.tenant_id matches",
        "- rollback: alembic downgrade base drops every table and its data (irreversible for data: back up first)",
        '"""',
    ]
    lines = [
        *doc,
        "",
        "from __future__ import annotations",
        "",
        "import sqlalchemy as sa",
        "from alembic import op",
        "",
        'revision = "0001"',
        "down_revision = None",
        "branch_labels = None",
        "depends_on = None",
        "",
        f"TENANT_TABLES = {tuple(tenant_tables)!r}",
        f'POLICY = "{POLICY}"',
        *IS_POSTGRES_LINES,
        *UPGRADE_OPENING_LINES,
    ]
    lines += create_lines(tables)
    lines += [
        *enable_rls_lines("TENANT_TABLES"),
        "",
        "",
        "def downgrade() -> None:",
        "    # irreversible for data: dropping the tables deletes their rows; back up before downgrading",
        "    if _is_postgres():",
        "        for table in TENANT_TABLES:",
        '            op.execute(f"DROP POLICY IF EXISTS tenant_isolation ON {table}")',
        '            op.execute(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY")',
        '            op.execute(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY")',
    ]
    lines += drop_lines(tables)
    return "\n".join(lines) + "\n"


def create_lines(tables: list[TableDef]) -> list[str]:
    """`op.create_table` and `op.create_index` calls for new tables, shared with schema evolution."""
    lines = []
    for table in tables:
        lines.append("    op.create_table(")
        lines.append(f"        {table.name!r},")
        lines += [f"        {column_expr(col, True)}," for col in table.columns]
        lines += [f"        sa.CheckConstraint({expr!r}, name={name!r})," for name, expr in table.checks]
        lines.append("    )")
        for idx in table.indexes:
            cols = ", ".join(repr(c) for c in idx.columns)
            lines.append(f"    op.create_index({idx.name!r}, {table.name!r}, [{cols}], unique={idx.unique})")
    return lines


def enable_rls_lines(variable: str) -> list[str]:
    """Enable and force RLS with the tenant policy on every table named in ``variable`` (PostgreSQL only)."""
    return [
        "    if _is_postgres():",
        f"        for table in {variable}:",
        '            op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")',
        '            op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")',
        "            op.execute(POLICY.format(t=table))",
    ]


def drop_lines(tables: list[TableDef]) -> list[str]:
    """Drop indexes and tables in reverse creation order."""
    lines = []
    for table in reversed(tables):
        lines += [f"    op.drop_index({idx.name!r}, table_name={table.name!r})" for idx in reversed(table.indexes)]
        lines.append(f"    op.drop_table({table.name!r})")
    return lines
