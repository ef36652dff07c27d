"""Operations the plan declared as "needs business logic", and how to recognise their placeholder answer.

A declared stub answering 501 NOT_IMPLEMENTED is an API deviation the user approved with the plan, not a
probe, fuzz or SLO failure. It still has to authenticate, authorize and check tenancy on its path ids
before it answers 501; the probe keeps checking that.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from backend_engineer.spec.bundle import Bundle

if TYPE_CHECKING:
    import httpx

STUB_CODE = "NOT_IMPLEMENTED"


def declared_stubs(bundle: Bundle) -> set[str]:
    """Operation ids the deterministic mapping cannot derive: the plan lists them as needing business logic."""
    if bundle.api is None or bundle.datamodel is None:
        return set()
    from backend_engineer.engines.deterministic.ir import build_ir

    return {u.op.operation_id for u in build_ir(bundle).unmapped}


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
