"""Runs the spec validator and every house rule over one OpenAPI file; errors are findings, never raised."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.spec.bundle import dotted
from backend_engineer.spec.openapi import build_contract, find_dangling_refs
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
    from openapi_spec_validator.validation import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

    version = str(doc.get("openapi", ""))
    if version.startswith("3.1"):
        validator: Any = OpenAPIV31SpecValidator(doc)
    elif version.startswith("3.0"):
        validator = OpenAPIV30SpecValidator(doc)
    else:
        return [
            Finding(
                CODE,
                Severity.BLOCKER,
                f"unsupported OpenAPI version {version or '(missing)'}",
                rel,
                1,
                recommendation="declare openapi: 3.0.x or 3.1.x",
                category="api-contract",
                source="openapi-lint",
            )
        ]
    out = []
    try:
        for error in validator.iter_errors():
            where = "/".join(str(p) for p in error.absolute_path)
            out.append(
                Finding(
                    CODE,
                    Severity.BLOCKER,
                    f"invalid OpenAPI: {error.message[:200]}",
                    rel,
                    lines.line_of(tuple(error.absolute_path)),
                    evidence=where,
                    recommendation=f"fix the document so it validates against the OpenAPI {version} schema",
                    category="api-contract",
                    source="openapi-lint",
                )
            )
    except Exception as exc:
        out.append(
            Finding(
                CODE,
                Severity.BLOCKER,
                f"the validator could not process the document: {exc}"[:200],
                rel,
                0,
                category="api-contract",
                source="openapi-lint",
            )
        )
    return out


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
