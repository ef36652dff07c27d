"""Intake checks, one module per input. Each check takes the bundle and returns items as values."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from backend_engineer.intake.checks import (
    company,
    datamodel,
    files,
    openapi,
    ops,
    perf,
    security,
    techspec,
)
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

Check = Callable[[Bundle], Iterable[IntakeItem]]

CHECKS: tuple[Check, ...] = (
    files.check,
    company.check,
    techspec.check,
    datamodel.check,
    security.check,
    openapi.check,
    perf.check,
    ops.check,
)
