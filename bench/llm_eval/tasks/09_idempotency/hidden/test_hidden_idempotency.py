from app.api import create_app
from fastapi.testclient import TestClient

A = {"X-Tenant": "acme", "Idempotency-Key": "k-1"}
B = {"X-Tenant": "globex", "Idempotency-Key": "k-1"}
BODY = {"customer": "ann", "subtotal": "10.00"}


def test_replayed_key_answers_the_first_order() -> None:
    client = TestClient(create_app())
    first = client.post("/orders", json=BODY, headers=A)
    again = client.post("/orders", json=BODY, headers=A)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(client.get("/orders", headers={"X-Tenant": "acme"}).json()) == 1


def test_a_different_body_conflicts() -> None:
    client = TestClient(create_app())
    client.post("/orders", json=BODY, headers=A)
    r = client.post("/orders", json={**BODY, "subtotal": "11.00"}, headers=A)
    assert r.status_code == 409 and r.json()["error"]["code"] == "IDEMPOTENCY_CONFLICT"
    assert len(client.get("/orders", headers={"X-Tenant": "acme"}).json()) == 1


def test_keys_are_per_tenant_and_optional() -> None:
    client = TestClient(create_app())
    a = client.post("/orders", json=BODY, headers=A).json()
    b = client.post("/orders", json=BODY, headers=B).json()
    assert a["id"] != b["id"]
    plain = {"X-Tenant": "acme"}
    client.post("/orders", json=BODY, headers=plain)
    client.post("/orders", json=BODY, headers=plain)
    assert len(client.get("/orders", headers=plain).json()) == 3
