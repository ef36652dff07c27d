"""OpsGuides: probes, shutdown, rollback and rollout flags that exist."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import item
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

F = "ops.yaml"


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    ops = bundle.ops
    if ops is None:
        return
    if ops.health is None:
        yield item(
            bundle,
            F,
            ("health",),
            "missing",
            "no health probes are defined",
            ["add `health: {liveness: /healthz, readiness: /readyz}`"],
        )
    if ops.shutdown is None:
        yield item(
            bundle,
            F,
            ("shutdown",),
            "missing",
            "no shutdown grace period is set",
            ["add `shutdown: {grace_seconds: 20}`"],
        )
    if ops.rollback is None:
        yield item(
            bundle,
            F,
            ("rollback",),
            "missing",
            "no rollback strategy is set",
            ["add `rollback: {migrations: downgrade-one-revision, notes_required: true}`"],
        )
    flags = {f.name for f in bundle.techspec.feature_flags} if bundle.techspec else set()
    if ops.rollout:
        for i, flag in enumerate(ops.rollout.feature_flags):
            if bundle.techspec and flag not in flags:
                yield item(
                    bundle,
                    F,
                    ("rollout", "feature_flags", i),
                    "contradictory",
                    f"rollout uses feature flag `{flag}`, which techspec.yaml does not declare",
                    [f"declare `{flag}` under techspec.yaml feature_flags"],
                )
