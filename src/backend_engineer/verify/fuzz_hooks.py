"""Schemathesis hooks loaded by `fuzz`: a custom check that every 4xx/5xx uses the error envelope."""

from __future__ import annotations

import json
from typing import Any

import schemathesis


@schemathesis.check
def error_envelope(ctx: Any, response: Any, case: Any) -> bool | None:
    if response.status_code < 400:
        return None
    try:
        body = json.loads(response.content or b"null")
    except ValueError:
        raise AssertionError(f"{response.status_code} response is not JSON; expected the error envelope") from None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict) or not {"code", "message", "correlation_id"} <= set(error):
        raise AssertionError(f"{response.status_code} response does not use the error envelope")
    return True
