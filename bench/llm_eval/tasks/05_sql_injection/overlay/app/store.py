"""The orders repository on SQLite; every query is scoped to one tenant."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

from app.domain import Order

SCHEMA = """CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, customer TEXT NOT NULL, total TEXT NOT NULL,
    created_at TEXT NOT NULL, status TEXT NOT NULL DEFAULT 'open', deleted INTEGER NOT NULL DEFAULT 0)"""
COLUMNS = "id, tenant_id, customer, total, created_at, status, deleted"


def _order(row: tuple[object, ...]) -> Order:
    return Order(
        id=str(row[0]),
        tenant_id=str(row[1]),
        customer=str(row[2]),
        total=Decimal(str(row[3])),
        created_at=dt.date.fromisoformat(str(row[4])),
        status=str(row[5]),
        deleted=bool(row[6]),
    )


class Store:
    def __init__(self, path: str = ":memory:") -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute(SCHEMA)

    def add(self, order: Order) -> Order:
        self.db.execute(
            f"INSERT INTO orders ({COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                order.id,
                order.tenant_id,
                order.customer,
                str(order.total),
                order.created_at.isoformat(),
                order.status,
                int(order.deleted),
            ),
        )
        self.db.commit()
        return order

    def save(self, order: Order) -> Order:
        self.db.execute(
            "UPDATE orders SET customer = ?, total = ?, status = ?, deleted = ? WHERE id = ? AND tenant_id = ?",
            (order.customer, str(order.total), order.status, int(order.deleted), order.id, order.tenant_id),
        )
        self.db.commit()
        return order

    def get(self, tenant_id: str, order_id: str) -> Order | None:
        row = self.db.execute(
            f"SELECT {COLUMNS} FROM orders WHERE id = ? AND tenant_id = ? AND deleted = 0",
            (order_id, tenant_id),
        ).fetchone()
        return _order(row) if row else None

    def list(self, tenant_id: str, limit: int = 50, offset: int = 0) -> list[Order]:
        rows = self.db.execute(
            f"SELECT {COLUMNS} FROM orders WHERE tenant_id = ? AND deleted = 0 ORDER BY created_at, id LIMIT ? OFFSET ?",
            (tenant_id, limit, offset),
        ).fetchall()
        return [_order(r) for r in rows]

    def search(self, tenant_id: str, customer: str) -> list[Order]:
        query = f"SELECT {COLUMNS} FROM orders WHERE tenant_id = '{tenant_id}' AND deleted = 0 AND customer = '{customer}'"
        rows = self.db.execute(query + " ORDER BY id").fetchall()
        return [_order(r) for r in rows]
