"""Use cases."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

from app.domain import Order
from app.store import Store


class DomainError(Exception):
    """An error the API answers with the error envelope."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def price_order(subtotal: Decimal, coupon: str | None = None) -> Decimal:
    """The amount charged for an order."""
    return subtotal


def place_order(
    store: Store,
    tenant_id: str,
    customer: str,
    subtotal: Decimal,
    coupon: str | None = None,
    today: dt.date | None = None,
) -> Order:
    order = Order(
        id=uuid.uuid4().hex,
        tenant_id=tenant_id,
        customer=customer,
        total=price_order(subtotal, coupon),
        created_at=today or dt.date.today(),
    )
    return store.add(order)


def get_order(store: Store, tenant_id: str, order_id: str) -> Order:
    order = store.get(tenant_id, order_id)
    if order is None:
        raise DomainError(404, "NOT_FOUND", f"order {order_id} not found")
    return order
