# Created once by backend-engineer. This file is yours: it is never overwritten.
"""detachLabel needs business logic: this test fails until it is implemented.

Implement ``handle`` in app/custom/operations/detach_label.py (EXTENSIONS.md has its signature), then
add tests of the operation's rules next to it (keep this one: it is the goal). This file is yours.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import Auth, new_key
from tests.support import create


def test_detach_label_is_implemented(client: TestClient, auth: Auth) -> None:
    task = create(client, auth, "Task")
    label = create(client, auth, "Label")
    path = f"/v1/tasks/{task['id']}/labels/{label['id']}"
    response = client.delete(path, headers=auth(key=new_key()))
    assert response.status_code != 501, (
        "detachLabel (DELETE /v1/tasks/{task_id}/labels/{label_id}) is not implemented yet: implement handle() in "
        "app/custom/operations/detach_label.py; the contract answers 204 with no body"
    )
