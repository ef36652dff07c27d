"""Insert seed data into an existing database, shaping values to the reflected column types."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import sqlalchemy as sa

from backend_engineer.seeding.generate import SeedData
from backend_engineer.seeding.values import SeedError


def _shape(value: Any, column: sa.Column[Any]) -> Any:
    if value is None:
        return None
    ctype = column.type
    if isinstance(value, uuid.UUID):
        if isinstance(ctype, sa.Uuid) or ctype.__class__.__name__.upper() == "UUID":
            return value
        is_char32 = ctype.__class__.__name__.upper() == "CHAR" and getattr(ctype, "length", None) == 32
        return value.hex if is_char32 else str(value)
    if isinstance(value, list | dict) and not isinstance(ctype, sa.JSON | sa.ARRAY):
        return json.dumps(value)
    if isinstance(value, dt.datetime) and column.type.__class__.__name__.upper() in {"VARCHAR", "TEXT"}:
        return value.isoformat()
    return value


def insert_seed(url: str, data: SeedData) -> dict[str, int]:
    """Insert every table's rows in order inside one transaction; report rows per table."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        missing = [t for t in data.order if t not in meta.tables]
        if missing:
            raise SeedError(
                f"{url.split('@')[-1]}: tables {missing} do not exist; run the migrations first (alembic upgrade head)"
            )
        counts: dict[str, int] = {}
        with engine.begin() as conn:
            for name in data.order:
                table = meta.tables[name]
                rows = data.tables[name]
                for col in table.columns:
                    if (
                        rows
                        and col.name not in rows[0]
                        and not col.nullable
                        and col.server_default is None
                        and not col.primary_key
                    ):
                        raise SeedError(
                            f"table {name}: column {col.name} is NOT NULL without a default and "
                            "is not in datamodel.yaml"
                        )
                shaped = [{k: _shape(v, table.c[k]) for k, v in row.items() if k in table.c} for row in rows]
                if shaped:
                    conn.execute(table.insert(), shaped)
                counts[name] = len(shaped)
        return counts
    finally:
        engine.dispose()
