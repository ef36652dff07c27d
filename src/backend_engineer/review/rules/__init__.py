"""The review rule registry: one module per rule with CODE, SEVERITY, TITLE, CATEGORY and check(ctx)."""

from __future__ import annotations

from types import ModuleType

from backend_engineer.review.rules import (
    be301_unauthenticated_mutation,
    be302_missing_tenant_filter,
    be303_sql_string_building,
    be304_ssrf,
    be305_mass_assignment,
    be306_hardcoded_secret,
    be307_n_plus_one,
    be308_unbounded_list,
    be309_debug_exposure,
    be310_missing_idempotency,
    be311_sensitive_logging,
)

RULES: tuple[ModuleType, ...] = (
    be301_unauthenticated_mutation,
    be302_missing_tenant_filter,
    be303_sql_string_building,
    be304_ssrf,
    be305_mass_assignment,
    be306_hardcoded_secret,
    be307_n_plus_one,
    be308_unbounded_list,
    be309_debug_exposure,
    be310_missing_idempotency,
    be311_sensitive_logging,
)
