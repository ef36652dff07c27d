from decimal import Decimal

from app.api import create_app
from app.services import place_order
from app.store import Store
from fastapi.testclient import TestClient

T = {"X-Tenant": "acme"}


def test_soft_delete() -> None:
    store = Store()
    keep = place_order(store, "acme", "ann", Decimal("1.00"))
    gone = place_order(store, "acme", "ann", Decimal("2.00"))
    client = TestClient(create_app(store))
    assert client.delete(f"/orders/{gone.id}", headers={"X-Tenant": "globex"}).status_code == 404
    r = client.delete(f"/orders/{gone.id}", headers=T)
    assert r.status_code == 204 and r.content == b""
    assert client.get(f"/orders/{gone.id}", headers=T).json()["error"]["code"] == "NOT_FOUND"
    assert [o["id"] for o in client.get("/orders", headers=T).json()] == [keep.id]
    assert [o["id"] for o in client.get("/orders/search", params={"customer": "ann"}, headers=T).json()] == [keep.id]
    assert client.delete(f"/orders/{gone.id}", headers=T).status_code == 404
    assert client.delete("/orders/nope", headers=T).status_code == 404
    row = store.db.execute("SELECT deleted FROM orders WHERE id = ?", (gone.id,)).fetchone()
    assert row == (1,)
