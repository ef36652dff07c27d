from decimal import Decimal

from app.api import create_app
from app.services import place_order
from app.store import Store
from fastapi.testclient import TestClient


def test_another_tenants_order_is_404() -> None:
    store = Store()
    order = place_order(store, "acme", "ann", Decimal("1.00"))
    client = TestClient(create_app(store))
    assert client.get(f"/orders/{order.id}", headers={"X-Tenant": "acme"}).status_code == 200
    other = client.get(f"/orders/{order.id}", headers={"X-Tenant": "globex"})
    assert other.status_code == 404
    assert other.json() == client.get("/orders/unknown", headers={"X-Tenant": "globex"}).json() | {
        "error": {"code": "NOT_FOUND", "message": f"order {order.id} not found"}
    }
    assert store.get("globex", order.id) is None
