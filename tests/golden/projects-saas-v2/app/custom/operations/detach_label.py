# Created once by backend-engineer. This file is yours: it is never overwritten.
"""detachLabel (DELETE /v1/tasks/{task_id}/labels/{label_id}): business logic the generator could not derive.

Implement ``handle``. It runs inside the request's unit of work (``ctx.uow``; use the typed
repositories and services in app.service_layer), after authentication, the permission check and
(for mutations) Idempotency-Key handling. Return no body: the route answers 204 with it.
Raise errors from ``app.platform.errors`` for 4xx answers. Until implemented, the route answers 501
NOT_IMPLEMENTED and tests/custom/test_detach_label.py fails.
"""

from __future__ import annotations

from app import extensions
from app.platform.errors import NotImplementedYet
from app.service_layer.extension import HookContext


def handle(ctx: HookContext, params: extensions.DetachLabelParams) -> None:
    raise NotImplementedYet("detachLabel needs business logic: implement app/custom/operations/detach_label.py")
