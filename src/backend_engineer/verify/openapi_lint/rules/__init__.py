"""The rule registry: each module has CODE, SEVERITY, TITLE and check(ctx)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import ModuleType

from backend_engineer.findings import Finding
from backend_engineer.verify.openapi_lint.context import LintContext
from backend_engineer.verify.openapi_lint.rules import (
    be101_security_required,
    be102_idempotency_key,
    be103_error_envelope,
    be104_list_pagination,
    be105_protected_responses,
    be106_bounded_inputs,
    be107_closed_request_bodies,
    be108_object_level_authorization,
    be109_mass_assignment,
    be110_insecure_servers,
)

RULES: tuple[ModuleType, ...] = (
    be101_security_required,
    be102_idempotency_key,
    be103_error_envelope,
    be104_list_pagination,
    be105_protected_responses,
    be106_bounded_inputs,
    be107_closed_request_bodies,
    be108_object_level_authorization,
    be109_mass_assignment,
    be110_insecure_servers,
)

Check = Callable[[LintContext], Iterable[Finding]]


def by_code() -> dict[str, ModuleType]:
    return {rule.CODE: rule for rule in RULES}
