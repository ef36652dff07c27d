"""Request values for the probes honour the contract's patterns, and stay unique where asked."""

from __future__ import annotations

import re

import pytest

from backend_engineer.verify.samples import matching


@pytest.mark.parametrize(
    "pattern", [r"^#[0-9a-f]{6}$", r"^[A-Z]{2}-[0-9]{3,5}$", r"^[a-z][a-z0-9_]{2,30}$", r"^\+?[0-9]{7,15}$"]
)
def test_values_match_the_pattern(pattern: str) -> None:
    assert re.search(pattern, matching(pattern))


def test_fresh_values_differ_and_respect_lengths() -> None:
    values = [matching(r"^[a-z]+$", 4, 6, fresh=True) for _ in range(5)]
    assert len(set(values)) == 5 and all(4 <= len(v) <= 6 and v.isalpha() for v in values)
