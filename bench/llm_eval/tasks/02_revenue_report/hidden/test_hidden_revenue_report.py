from app.api import create_app
from fastapi.testclient import TestClient

A = {"X-Tenant": "acme"}
B = {"X-Tenant": "globex"}


def _client() -> TestClient:
    client = TestClient(create_app())
    for subtotal, day, headers in [
        ("10.10", "2026-03-01", A),
        ("20.20", "2026-03-31", A),
        ("99.00", "2026-04-01", A),
        ("50.00", "2026-02-28", A),
        ("70.00", "2026-03-15", B),
    ]:
        r = client.post("/orders", json={"customer": "c", "subtotal": subtotal, "created_at": day}, headers=headers)
        assert r.status_code == 201
    return client


def test_revenue_for_a_month_and_tenant() -> None:
    client = _client()
    r = client.get("/reports/revenue", params={"month": "2026-03"}, headers=A)
    assert r.status_code == 200
    assert r.json() == {"month": "2026-03", "orders": 2, "revenue": "30.30"}
    other = client.get("/reports/revenue", params={"month": "2026-03"}, headers=B).json()
    assert other == {"month": "2026-03", "orders": 1, "revenue": "70.00"}


def test_an_empty_month() -> None:
    r = _client().get("/reports/revenue", params={"month": "2025-12"}, headers=A)
    assert r.json() == {"month": "2025-12", "orders": 0, "revenue": "0.00"}


def test_cancelled_orders_do_not_count() -> None:
    client = _client()
    store = client.app.state.store  # type: ignore[attr-defined]
    order = store.list("acme")[1]
    order.status = "cancelled"
    store.save(order)
    assert client.get("/reports/revenue", params={"month": "2026-03"}, headers=A).json()["orders"] == 1


def test_a_bad_month_is_422() -> None:
    client = _client()
    for bad in ("2026-13", "March", "2026-3-01", ""):
        r = client.get("/reports/revenue", params={"month": bad}, headers=A)
        assert r.status_code == 422, bad
        assert r.json()["error"]["code"] == "INVALID_MONTH"
