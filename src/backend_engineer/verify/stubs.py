"""Operations the plan declared as "needs business logic", and how to recognise their placeholder answer.

A declared stub answering 501 NOT_IMPLEMENTED is an API deviation the user approved with the plan, not a
probe, fuzz or SLO failure. It still has to authenticate, authorize and check tenancy on its path ids
before it answers 501; the probe keeps checking that.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import httpx

STUB_CODE = "NOT_IMPLEMENTED"
MANIFEST = Path(".backend-engineer") / "manifest.json"


def declared_stubs(service: Path) -> set[str]:
    """Operation ids the generator declared as needing business logic (``needs_business_logic`` in the
    service's ``.backend-engineer/manifest.json``); empty for a service without that declaration."""
    try:
        manifest = json.loads((service / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    declared = manifest.get("needs_business_logic") if isinstance(manifest, dict) else None
    return {str(op) for op in declared} if isinstance(declared, list) else set()


def goal_test_module(operation_id: str) -> str:
    """The dotted module of the generated goal test that fails until the stub is implemented
    (``tests/custom/test_<operation>.py``)."""
    return "tests.custom.test_" + re.sub(r"(?<!^)(?=[A-Z])", "_", operation_id).lower()


def is_stub_answer(response: httpx.Response) -> bool:
    """501 with the NOT_IMPLEMENTED error envelope: the placeholder a declared stub answers until filled."""
    if response.status_code != 501:
        return False
    try:
        body: Any = response.json()
    except ValueError:
        return False
    error = body.get("error") if isinstance(body, dict) else None
    return isinstance(error, dict) and error.get("code") == STUB_CODE


def deviation_summary(stubs: list[str]) -> str:
    return (
        f"built, {len(stubs)} operation(s) need business logic: {', '.join(stubs)}; "
        "they answer 501 NOT_IMPLEMENTED until app/custom/operations/ implements them"
    )
