"""HTTP routes; the caller's tenant is the X-Tenant header; errors use {"error": {"code", "message"}}."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from app import services
from app.store import Store


class NewOrder(BaseModel):
    customer: str
    subtotal: Decimal
    coupon: str | None = None
    created_at: dt.date | None = None


Tenant = Annotated[str, Header(alias="X-Tenant")]


def create_app(store: Store | None = None) -> FastAPI:
    app = FastAPI()
    app.state.store = store or Store()

    @app.exception_handler(services.DomainError)
    def domain_error(request: Request, exc: services.DomainError) -> JSONResponse:
        return JSONResponse({"error": {"code": exc.code, "message": exc.message}}, status_code=exc.status)

    @app.post("/orders", status_code=201)
    def create_order(body: NewOrder, tenant: Tenant) -> dict[str, object]:
        order = services.place_order(
            app.state.store, tenant, body.customer, body.subtotal, body.coupon, body.created_at
        )
        return order.to_dict()

    @app.get("/orders")
    def list_orders(tenant: Tenant, limit: int = 50, offset: int = 0) -> list[dict[str, object]]:
        return [o.to_dict() for o in app.state.store.list(tenant, limit, offset)]

    @app.get("/orders/search")
    def search_orders(tenant: Tenant, customer: str) -> list[dict[str, object]]:
        return [o.to_dict() for o in app.state.store.search(tenant, customer)]

    @app.get("/orders/{order_id}")
    def get_order(order_id: str, tenant: Tenant) -> dict[str, object]:
        return services.get_order(app.state.store, tenant, order_id).to_dict()

    return app
