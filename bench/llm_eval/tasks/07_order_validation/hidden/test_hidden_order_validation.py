from decimal import Decimal

import pytest
from app.api import create_app
from app.services import DomainError, place_order
from app.store import Store
from fastapi.testclient import TestClient

T = {"X-Tenant": "acme"}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"customer": "ann", "subtotal": "-0.01"}, "subtotal"),
        ({"customer": "ann", "subtotal": "1000000.01"}, "subtotal"),
        ({"customer": "", "subtotal": "1.00"}, "customer"),
        ({"customer": "   ", "subtotal": "1.00"}, "customer"),
    ],
)
def test_invalid_orders_are_422_and_not_stored(body: dict[str, str], field: str) -> None:
    client = TestClient(create_app())
    r = client.post("/orders", json=body, headers=T)
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "INVALID_ORDER"
    assert field in r.json()["error"]["message"]
    assert client.get("/orders", headers=T).json() == []


@pytest.mark.parametrize("subtotal", ["0.00", "1000000.00"])
def test_the_bounds_are_allowed(subtotal: str) -> None:
    r = TestClient(create_app()).post("/orders", json={"customer": "ann", "subtotal": subtotal}, headers=T)
    assert r.status_code == 201


def test_the_rule_is_in_the_service_layer() -> None:
    with pytest.raises(DomainError) as caught:
        place_order(Store(), "acme", "ann", Decimal("-5"))
    assert caught.value.status == 422 and caught.value.code == "INVALID_ORDER"
