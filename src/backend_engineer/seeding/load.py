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


class AlreadySeeded(SeedError):
    """Every row of this seed data is already in the database: a second run changes nothing."""


def _present(conn: sa.Connection, table: sa.Table, rows: list[dict[str, Any]]) -> int:
    """How many of ``rows`` are already in ``table``, matched on the primary key."""
    pk = list(table.primary_key.columns)
    if not rows or not pk or any(c.name not in rows[0] for c in pk):
        return 0
    keys = [tuple(_shape(row[c.name], c) for c in pk) for row in rows]
    found = 0
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        match = sa.tuple_(*pk).in_(chunk) if len(pk) > 1 else pk[0].in_([k[0] for k in chunk])
        found += int(conn.execute(sa.select(sa.func.count()).select_from(table).where(match)).scalar() or 0)
    return found


def _where(url: str) -> str:
    return sa.engine.make_url(url).render_as_string(hide_password=True)


def insert_seed(url: str, data: SeedData) -> dict[str, int]:
    """Insert every table's rows in order inside one transaction; report rows per table.

    Idempotent for the same seed: when every row is already there, :class:`AlreadySeeded` is raised and
    nothing changes. Rows that clash with other data (a partial or different seed) are refused with a
    :class:`SeedError` naming the table, and the transaction rolls back: nothing is half-inserted.
    """
    try:
        return _insert(url, data)
    except sa.exc.IntegrityError as exc:
        raise SeedError(
            f"{_where(url)}: the seed data clashes with rows already in the database "
            f"({str(exc.orig).splitlines()[0]}); nothing was inserted. Seed an empty database, "
            "or pass another --seed"
        ) from None
    except sa.exc.DBAPIError as exc:
        raise SeedError(f"{_where(url)}: {str(exc.orig).splitlines()[0]}; nothing was inserted") from None
    except sa.exc.ArgumentError as exc:
        raise SeedError(f"--db {url!r}: {exc}; pass a SQLAlchemy URL such as postgresql+psycopg://...") from None


def _insert(url: str, data: SeedData) -> dict[str, int]:
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
            present = {name: _present(conn, meta.tables[name], data.tables[name]) for name in data.order}
            expected = {name: len(data.tables[name]) for name in data.order}
            if any(expected.values()) and present == expected:
                raise AlreadySeeded(
                    f"{_where(url)}: already seeded with this data ({sum(expected.values())} rows present); "
                    "nothing was inserted. Pass another --seed to add more"
                )
            partial = sorted(name for name, n in present.items() if n)
            if partial:
                raise SeedError(
                    f"{_where(url)}: {', '.join(f'{n} ({present[n]}/{expected[n]})' for n in partial)} already "
                    "hold some of these rows; nothing was inserted. Seed an empty database, or pass another --seed"
                )
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
