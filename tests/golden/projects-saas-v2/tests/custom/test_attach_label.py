# Created once by backend-engineer. This file is yours: it is never overwritten.
"""attachLabel needs business logic: this test fails until it is implemented.

Implement ``handle`` in app/custom/operations/attach_label.py (EXTENSIONS.md has its signature), then
add tests of the operation's rules next to it (keep this one: it is the goal). This file is yours.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Auth, new_key


def test_attach_label_is_implemented(client: TestClient, auth: Auth) -> None:
    path = "/v1/tasks/00000000-0000-4000-8000-000000000000/labels/00000000-0000-4000-8000-000000000000"
    response = client.put(path, headers=auth(key=new_key()))
    assert response.status_code != 501, (
        "attachLabel (PUT /v1/tasks/{task_id}/labels/{label_id}) is not implemented yet: implement handle() in "
        "app/custom/operations/attach_label.py; the contract answers 204 with no body"
    )
