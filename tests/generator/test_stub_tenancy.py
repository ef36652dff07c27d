"""Declared stubs check the caller's tenant on their path ids before answering 501, on a real generated service."""

from __future__ import annotations

import pytest

from backend_engineer.findings import Severity
from backend_engineer.verify.probe import run_probe
from backend_engineer.verify.stubs import declared_stubs
from tests.generator.conftest import Generated


@pytest.mark.parametrize("example", ["projects-saas-v2", "ledger"])
def test_the_probe_finds_no_leak_through_a_declared_stub(generated: Generated, example: str) -> None:
    service = generated.service(example)
    assert declared_stubs(service), "the example declares stubs"
    findings, stats = run_probe(service)
    serious = [f"{f.code} {f.title}" for f in findings if f.severity >= Severity.MAJOR]
    assert serious == [], serious
    assert set(stats["stubs"]) == declared_stubs(service) and set(stats["stubs"].values()) == {501}, stats["stubs"]
