import datetime as dt
from decimal import Decimal

import pytest
from app.api import create_app
from app.services import place_order
from app.store import Store
from fastapi.testclient import TestClient

T = {"X-Tenant": "acme"}


@pytest.fixture
def client() -> TestClient:
    store = Store()
    for day in range(1, 8):
        place_order(store, "acme", f"c{day}", Decimal("1.00"), today=dt.date(2026, 1, day))
    return TestClient(create_app(store))


@pytest.mark.parametrize(
    ("limit", "offset", "expected"),
    [(3, 0, ["c1", "c2", "c3"]), (3, 3, ["c4", "c5", "c6"]), (3, 6, ["c7"]), (1, 4, ["c5"]), (10, 0, None)],
)
def test_pages(client: TestClient, limit: int, offset: int, expected: list[str] | None) -> None:
    got = [o["customer"] for o in client.get("/orders", params={"limit": limit, "offset": offset}, headers=T).json()]
    assert got == (expected if expected is not None else [f"c{i}" for i in range(1, 8)])


def test_every_order_appears_once_across_pages(client: TestClient) -> None:
    seen = []
    for offset in range(0, 7, 2):
        seen += [o["id"] for o in client.get("/orders", params={"limit": 2, "offset": offset}, headers=T).json()]
    assert len(seen) == len(set(seen)) == 7
