from decimal import Decimal

from app.api import create_app
from app.services import place_order
from app.store import Store
from fastapi.testclient import TestClient

T = {"X-Tenant": "acme"}


def test_cancel_rules() -> None:
    store = Store()
    order = place_order(store, "acme", "ann", Decimal("1.00"))
    client = TestClient(create_app(store))
    assert client.post(f"/orders/{order.id}/cancel", headers={"X-Tenant": "globex"}).status_code == 404
    r = client.post(f"/orders/{order.id}/cancel", headers=T)
    assert r.status_code == 200 and r.json()["status"] == "cancelled" and r.json()["id"] == order.id
    assert client.get(f"/orders/{order.id}", headers=T).json()["status"] == "cancelled"
    again = client.post(f"/orders/{order.id}/cancel", headers=T)
    assert again.status_code == 409 and again.json()["error"]["code"] == "ORDER_NOT_OPEN"
    missing = client.post("/orders/nope/cancel", headers=T)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NOT_FOUND"


def test_the_service_function() -> None:
    from app.services import cancel_order

    store = Store()
    order = place_order(store, "acme", "ann", Decimal("1.00"))
    assert cancel_order(store, "acme", order.id).status == "cancelled"
    assert store.get("acme", order.id).status == "cancelled"  # type: ignore[union-attr]
