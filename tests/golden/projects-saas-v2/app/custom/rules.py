# Created once by backend-engineer. This file is yours: it is never overwritten.
"""Your business rules. This file is yours: the generator creates it once and never overwrites it.

Each hook gets the entity name and the record; return the (possibly changed) record, or raise one of
the errors in ``app.platform.errors`` (for example ``ValidationFailed``) to refuse the change.
"""

from __future__ import annotations

from typing import Any

Record = dict[str, Any]


def before_create(entity: str, record: Record, subject: str) -> Record:
    return record


def before_update(entity: str, current: Record, updated: Record, subject: str) -> Record:
    return updated


def before_delete(entity: str, current: Record, subject: str) -> None:
    return None
