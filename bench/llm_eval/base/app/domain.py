"""Entities."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal


@dataclass
class Order:
    id: str
    tenant_id: str
    customer: str
    total: Decimal
    created_at: dt.date
    status: str = "open"
    deleted: bool = False

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "customer": self.customer,
            "total": str(self.total),
            "created_at": self.created_at.isoformat(),
            "status": self.status,
        }
