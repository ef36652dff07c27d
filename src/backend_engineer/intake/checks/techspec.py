"""TechSpec: service identity, port, error handling, and events/jobs that point at real things."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import entity_field_names, item
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

F = "techspec.yaml"


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    spec = bundle.techspec
    if spec is None:
        return
    if not spec.service:
        yield item(
            bundle,
            F,
            ("service",),
            "missing",
            "no service name is set",
            ["add `service: <short-name>` (used for the package and metrics prefix)"],
        )
    if spec.port is None or spec.port.env is None or spec.port.default is None:
        yield item(
            bundle,
            F,
            ("port",),
            "missing",
            "no port is configured",
            [
                "add `port: {env: API_PORT, default: 8000}` (FastAPI's default)",
                "name the port your platform assigns and the env var that carries it",
            ],
        )
    if spec.error_handling is None or not spec.error_handling.envelope:
        yield item(
            bundle,
            F,
            ("error_handling", "envelope"),
            "missing",
            "no error envelope is chosen",
            ["add `error_handling: {envelope: standard}`"],
        )
    entities = set(bundle.datamodel.entities) if bundle.datamodel else set()
    event_names = {e.name for e in spec.events}
    for i, ev in enumerate(spec.events):
        if bundle.datamodel and ev.entity not in entities:
            yield item(
                bundle,
                F,
                ("events", i, "entity"),
                "contradictory",
                f"event `{ev.name}` names entity `{ev.entity}`, which datamodel.yaml does not define",
                [f"use one of: {', '.join(sorted(entities))}", "add the entity to datamodel.yaml"],
            )
        for key in ev.when or {}:
            if bundle.datamodel and ev.entity in entities and key not in entity_field_names(bundle, ev.entity):
                yield item(
                    bundle,
                    F,
                    ("events", i, "when", key),
                    "contradictory",
                    f"event `{ev.name}` filters on `{ev.entity}.{key}`, which is not a field",
                    ["filter on an existing field"],
                )
    for j, job in enumerate(spec.jobs):
        for k, name in enumerate(job.trigger.events or []):
            if name not in event_names:
                yield item(
                    bundle,
                    F,
                    ("jobs", j, "trigger", "events", k),
                    "contradictory",
                    f"job `{job.name}` is triggered by `{name}`, which is not a declared event",
                    [f"declare `{name}` under events", "remove it from the trigger"],
                )
        if job.trigger.events is None and job.trigger.cron is None:
            yield item(
                bundle,
                F,
                ("jobs", j, "trigger"),
                "missing",
                f"job `{job.name}` has no trigger",
                ["add `trigger: {events: [...]}` or `{cron: ...}`"],
            )
        if job.action == "webhook-delivery" and job.signing is None:
            yield item(
                bundle,
                F,
                ("jobs", j, "signing"),
                "missing",
                f"job `{job.name}` delivers webhooks without a signing secret",
                ["add `signing: {header: X-Signature, algorithm: hmac-sha256, secret: {env: WEBHOOK_SIGNING_SECRET}}`"],
            )
