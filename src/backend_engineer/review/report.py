"""ReviewFindings JSON (the seeds' format), its JSON Schema, SARIF 2.1.0 and baseline fingerprints."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from backend_engineer import TOOL_NAME, __version__
from backend_engineer.findings import Finding, Severity

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://backend-engineer.dev/schemas/review-findings.json",
    "title": "ReviewFindings",
    "type": "object",
    "required": ["tool", "version", "status", "findings"],
    "additionalProperties": False,
    "properties": {
        "tool": {"const": TOOL_NAME},
        "version": {"type": "string"},
        "status": {"enum": ["ready", "blocked"]},
        "findings": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["type", "category", "severity", "title", "where", "evidence", "recommendation"],
                "additionalProperties": False,
                "properties": {
                    "type": {"type": "string"},
                    "category": {"type": "string"},
                    "severity": {"enum": [s.label for s in Severity]},
                    "title": {"type": "string"},
                    "where": {
                        "type": "object",
                        "required": ["path", "lines"],
                        "additionalProperties": False,
                        "properties": {
                            "path": {"type": "string"},
                            "lines": {"type": "array", "items": {"type": "integer", "minimum": 0}, "maxItems": 2},
                        },
                    },
                    "evidence": {"type": "string"},
                    "recommendation": {"type": "string"},
                    "group": {"enum": ["security", "quality"]},
                    "flow": {
                        "description": "source-to-sink path: where request data enters and each step to the sink",
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["path", "line", "note"],
                            "additionalProperties": False,
                            "properties": {
                                "path": {"type": "string"},
                                "line": {"type": "integer", "minimum": 0},
                                "note": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}
QUALITY_CATEGORIES = {"quality", "performance", "reliability", "parse"}
"""Categories reported apart from security: they never block a review unless it is strict."""
SARIF_LEVEL = {Severity.BLOCKER: "error", Severity.MAJOR: "error", Severity.MINOR: "warning", Severity.INFO: "note"}


def flow_of(finding: Finding) -> list[tuple[int, str]]:
    """The finding's source-to-sink path as (line, note) steps; empty when the rule has none."""
    raw = dict(finding.extra).get("flow")
    return [(int(line), str(note)) for line, note in json.loads(raw)] if raw else []


def _code_flows(finding: Finding) -> dict[str, Any]:
    """SARIF codeFlows: one thread flow whose locations are the source-to-sink steps."""
    flow = flow_of(finding)
    if not flow:
        return {}
    locations = [
        {
            "location": {
                "physicalLocation": {
                    "artifactLocation": {"uri": finding.path},
                    "region": {"startLine": max(line, 1)},
                },
                "message": {"text": note},
            }
        }
        for line, note in flow
    ]
    return {"codeFlows": [{"threadFlows": [{"locations": locations}]}]}


def fingerprint(finding: Finding) -> str:
    raw = f"{finding.code}|{finding.path}|{finding.evidence.strip()}"
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass
class ReviewReport:
    findings: list[Finding] = field(default_factory=list)
    files: int = 0
    suppressed: int = 0
    baselined: int = 0
    strict: bool = False
    rejected: list[tuple[Finding, str]] = field(default_factory=list)

    @property
    def security(self) -> list[Finding]:
        return [f for f in self.findings if f.category not in QUALITY_CATEGORIES]

    @property
    def quality(self) -> list[Finding]:
        return [f for f in self.findings if f.category in QUALITY_CATEGORIES]

    @property
    def status(self) -> str:
        """Security findings decide the verdict; quality findings block only under --strict."""
        deciding = self.findings if self.strict else self.security
        return "blocked" if any(f.severity >= Severity.MAJOR for f in deciding) else "ready"

    def to_dict(self) -> dict[str, Any]:
        return {
            "tool": TOOL_NAME,
            "version": __version__,
            "status": self.status,
            "findings": [self._item(f) for f in self.findings],
        }

    @staticmethod
    def _item(finding: Finding) -> dict[str, Any]:
        item = finding.to_review_dict()
        item["group"] = "quality" if finding.category in QUALITY_CATEGORIES else "security"
        flow = flow_of(finding)
        if flow:
            item["flow"] = [{"path": finding.path, "line": line, "note": note} for line, note in flow]
        return item

    def to_sarif(self) -> dict[str, Any]:
        rules: dict[str, dict[str, Any]] = {}
        results = []
        for f in self.findings:
            rules.setdefault(
                f.code,
                {
                    "id": f.code,
                    "name": f.category,
                    "shortDescription": {"text": f.title[:120]},
                    "properties": {"category": f.category, "source": f.source},
                },
            )
            results.append(
                {
                    "ruleId": f.code,
                    "level": SARIF_LEVEL[f.severity],
                    "message": {"text": f"{f.title}. {f.recommendation}".strip()},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": f.path},
                                "region": {"startLine": max(f.line, 1), "endLine": max(f.end_line or f.line, 1)},
                            }
                        }
                    ],
                    "partialFingerprints": {"backendEngineer/v1": fingerprint(f)},
                    "properties": {
                        "group": "quality" if f.category in QUALITY_CATEGORIES else "security",
                        "category": f.category,
                    },
                    **_code_flows(f),
                }
            )
        return {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": TOOL_NAME,
                            "version": __version__,
                            "informationUri": "https://backend-engineer.dev",
                            "rules": sorted(rules.values(), key=lambda r: r["id"]),
                        }
                    },
                    "results": results,
                }
            ],
        }
