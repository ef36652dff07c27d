"""The generated service's own test suite."""

from __future__ import annotations

from backend_engineer.engines.deterministic.ir import ServiceIR


def render_tests(ir: ServiceIR) -> dict[str, str]:
    return {}
