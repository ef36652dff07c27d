"""Runs every intake check and returns one report, or the load errors when the bundle cannot load."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from backend_engineer.intake.breaking import breaking_items
from backend_engineer.intake.checks import CHECKS
from backend_engineer.intake.model import IntakeReport
from backend_engineer.spec.bundle import Bundle, load_bundle


def run_intake(
    bundle_dir: Path, previous: Path | None = None, accept_breaking: Iterable[str] = ()
) -> tuple[IntakeReport, Bundle | None]:
    """Load and check the bundle; with ``previous``, also diff the contract for breaking changes."""
    result = load_bundle(bundle_dir)
    report = IntakeReport(bundle=str(bundle_dir))
    if result.bundle is None:
        report.load_errors = [e.to_dict() for e in result.errors]
        return report, None
    items = [found for check in CHECKS for found in check(result.bundle)]
    if previous is not None:
        items += breaking_items(result.bundle, previous, accept_breaking)
    report.items = sorted(set(items), key=lambda i: i.sort_key())
    return report, result.bundle
