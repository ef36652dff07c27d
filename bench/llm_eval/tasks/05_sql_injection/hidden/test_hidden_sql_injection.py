from decimal import Decimal

import pytest
from app.api import create_app
from app.services import place_order
from app.store import Store
from fastapi.testclient import TestClient


@pytest.fixture
def client() -> TestClient:
    store = Store()
    place_order(store, "acme", "ann", Decimal("1.00"))
    place_order(store, "acme", "o'brien", Decimal("2.00"))
    place_order(store, "globex", "bob", Decimal("3.00"))
    return TestClient(create_app(store))


@pytest.mark.parametrize("payload", ["x' OR '1'='1", "' OR 1=1 --", "ann' UNION SELECT * FROM orders --"])
def test_injection_finds_nothing(client: TestClient, payload: str) -> None:
    r = client.get("/orders/search", params={"customer": payload}, headers={"X-Tenant": "acme"})
    assert r.status_code == 200 and r.json() == []


def test_quotes_in_values_work(client: TestClient) -> None:
    r = client.get("/orders/search", params={"customer": "o'brien"}, headers={"X-Tenant": "acme"})
    assert [o["customer"] for o in r.json()] == ["o'brien"]


def test_a_crafted_tenant_reads_nothing(client: TestClient) -> None:
    r = client.get("/orders/search", params={"customer": "bob"}, headers={"X-Tenant": "x' OR '1'='1"})
    assert r.json() == []
    assert client.get("/orders/search", params={"customer": "bob"}, headers={"X-Tenant": "globex"}).json()
