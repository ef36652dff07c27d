"""migration-check: Alembic heads, round trips on SQLite and PostgreSQL, drift and dangerous operations."""
