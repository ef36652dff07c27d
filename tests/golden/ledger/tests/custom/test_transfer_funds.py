# Created once by backend-engineer. This file is yours: it is never overwritten.
"""transferFunds needs business logic: this test fails until it is implemented.

Implement ``handle`` in app/custom/operations/transfer_funds.py (EXTENSIONS.md has its signature), then
add tests of the operation's rules next to it (keep this one: it is the goal). This file is yours.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Auth, new_key


def test_transfer_funds_is_implemented(client: TestClient, auth: Auth) -> None:
    path = "/v1/transfers"
    response = client.post(
        path,
        json={
            "from_account_id": "e2a05c38-7c4c-58c8-8ecc-286b34f73947",
            "to_account_id": "a9d2c37c-e17b-5a28-bf0b-65efd2754547",
            "amount": 1,
        },
        headers=auth(key=new_key()),
    )
    assert response.status_code != 501, (
        "transferFunds (POST /v1/transfers) is not implemented yet: implement handle() in "
        "app/custom/operations/transfer_funds.py; the contract answers 201 with TransferResult"
    )
