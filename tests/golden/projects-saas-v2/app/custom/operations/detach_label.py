# Created once by backend-engineer. This file is yours: it is never overwritten.
"""detachLabel (DELETE /v1/tasks/{task_id}/labels/{label_id}): business logic the generator could not derive.

Implement ``handle``. It runs inside the request's unit of work, after authentication, the permission
check and (for mutations) Idempotency-Key handling. Return ``(status_code, body)``; raise errors from
``app.platform.errors`` for 4xx answers. Until implemented, the route answers 501 NOT_IMPLEMENTED.
"""

from __future__ import annotations

from typing import Any

from app.platform.errors import NotImplementedYet
from app.service_layer.ports import UnitOfWork
from app.service_layer.services import Context


def handle(uow: UnitOfWork, ctx: Context, params: dict[str, Any], body: Any) -> tuple[int, Any]:
    raise NotImplementedYet("detachLabel needs business logic: implement app/custom/operations/detach_label.py")
