# Created once by backend-engineer. This file is yours: it is never overwritten.
"""transferFunds (POST /v1/transfers): business logic the generator could not derive.

Implement ``handle``. It runs inside the request's unit of work (``ctx.uow``; use the typed
repositories and services in app.service_layer), after authentication, the permission check and
(for mutations) Idempotency-Key handling. Return schemas.TransferResult: the route answers 201 with it.
Raise errors from ``app.platform.errors`` for 4xx answers. Until implemented, the route answers 501
NOT_IMPLEMENTED and tests/custom/test_transfer_funds.py fails.
"""

from __future__ import annotations

from app import schemas
from app.platform.errors import NotImplementedYet
from app.service_layer.extension import HookContext


def handle(ctx: HookContext, body: schemas.TransferRequest) -> schemas.TransferResult:
    raise NotImplementedYet("transferFunds needs business logic: implement app/custom/operations/transfer_funds.py")
