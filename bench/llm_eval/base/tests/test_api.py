from fastapi.testclient import TestClient

from app.api import create_app

T = {"X-Tenant": "acme"}


def test_create_get_and_list() -> None:
    client = TestClient(create_app())
    created = client.post("/orders", json={"customer": "ann", "subtotal": "40.00"}, headers=T)
    assert created.status_code == 201
    order = created.json()
    assert client.get(f"/orders/{order['id']}", headers=T).json() == order
    assert client.get("/orders", headers=T).json() == [order]
    assert client.get(f"/orders/{order['id']}", headers={"X-Tenant": "other"}).status_code == 404
