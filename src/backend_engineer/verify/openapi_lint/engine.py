"""Runs the spec validator and every house rule over one OpenAPI file; errors are findings, never raised."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.spec.bundle import dotted
from backend_engineer.spec.openapi import build_contract, find_dangling_refs
from backend_engineer.spec.openapi_schema import schema_errors
from backend_engineer.spec.yamlio import LineIndex, YamlError, load, loads
from backend_engineer.verify.openapi_lint.context import LintContext
from backend_engineer.verify.openapi_lint.rules import RULES

CODE = "BE100"


def public_from_bundle(path: Path) -> frozenset[str]:
    security = path.with_name("security.yaml")
    if not security.is_file():
        return frozenset()
    try:
        data, _ = load(security)
    except (YamlError, OSError, UnicodeDecodeError):
        return frozenset()
    authorization = data.get("authorization") if isinstance(data, dict) else None
    public = authorization.get("public_operations") if isinstance(authorization, dict) else None
    return frozenset(str(p) for p in public) if isinstance(public, list) else frozenset()


def _validate(doc: dict[str, Any], rel: str, lines: LineIndex) -> list[Finding]:
    return [
        Finding(
            CODE,
            Severity.BLOCKER,
            err.message,
            rel,
            lines.line_of(err.path) if err.path else (1 if "version" in err.message else 0),
            evidence="/".join(str(p) for p in err.path),
            recommendation=err.fix,
            category="api-contract",
            source="openapi-lint",
        )
        for err in schema_errors(doc, full=True)
    ]


def lint_text(text: str, rel: str, public: Iterable[str] = ()) -> list[Finding]:
    try:
        doc, lines = loads(text)
    except YamlError as exc:
        return [
            Finding(
                CODE,
                Severity.BLOCKER,
                exc.message,
                rel,
                exc.line,
                recommendation=exc.fix,
                category="api-contract",
                source="openapi-lint",
            )
        ]
    if not isinstance(doc, dict):
        return [
            Finding(
                CODE,
                Severity.BLOCKER,
                "the document is not a mapping",
                rel,
                1,
                category="api-contract",
                source="openapi-lint",
            )
        ]
    dangling = find_dangling_refs(doc)
    if dangling:
        return sort_findings(
            Finding(
                CODE,
                Severity.BLOCKER,
                f"dangling $ref {ref!r}",
                rel,
                lines.line_of(where),
                evidence=dotted(where),
                recommendation="point the $ref at an existing component",
                category="api-contract",
                source="openapi-lint",
            )
            for ref, where in dangling
        )
    findings = _validate(doc, rel, lines)
    ctx = LintContext(rel, build_contract(doc, lines), frozenset(public))
    for rule in RULES:
        findings.extend(rule.check(ctx))
    return sort_findings(findings)


def lint_file(path: Path, public: Iterable[str] | None = None) -> list[Finding]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return [
            Finding(
                CODE,
                Severity.BLOCKER,
                f"cannot read the file: {exc}",
                str(path),
                0,
                category="api-contract",
                source="openapi-lint",
            )
        ]
    chosen = frozenset(public) if public is not None else public_from_bundle(path)
    return lint_text(text, str(path), chosen)
