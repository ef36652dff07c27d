"""CompanyConfig: the stack and conventions must be stated, never assumed."""

from __future__ import annotations

from collections.abc import Iterator

from backend_engineer.intake.checks.common import item
from backend_engineer.intake.model import IntakeItem
from backend_engineer.spec.bundle import Bundle

F = "company.config.yaml"
REQUIRED = {
    "tech_stack": ("language", "framework", "orm", "migrations", "database"),
    "api": ("pagination", "error_envelope", "idempotency"),
    "architecture": ("pattern", "multi_tenancy"),
    "conventions": ("commit_style",),
}


def check(bundle: Bundle) -> Iterator[IntakeItem]:
    cfg = bundle.company
    if cfg is None:
        return
    for section, keys in REQUIRED.items():
        block = getattr(cfg, section)
        if block is None:
            yield item(
                bundle,
                F,
                (section,),
                "missing",
                f"`{section}` is not set",
                [f"add a `{section}:` mapping with {', '.join(keys)}"],
            )
            continue
        for key in keys:
            if getattr(block, key) in (None, ""):
                yield item(
                    bundle,
                    F,
                    (section, key),
                    "missing",
                    f"`{section}.{key}` is not set",
                    [f"state `{section}.{key}` explicitly (see examples/projects-saas)"],
                )
