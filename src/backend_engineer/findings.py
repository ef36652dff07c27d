"""One frozen finding type shared by intake, verify and review, with an ordered severity.

Every checker returns findings as values; callers sort them with :func:`sort_findings` so output is
stable: most severe first, then by path, line and code.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any


class Severity(enum.IntEnum):
    INFO = 0
    MINOR = 1
    MAJOR = 2
    BLOCKER = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Severity:
        try:
            return cls[value.strip().upper()]
        except KeyError as exc:
            allowed = ", ".join(s.label for s in cls)
            raise ValueError(f"unknown severity {value!r}; use one of: {allowed}") from exc


@dataclass(frozen=True, order=False)
class Finding:
    """A single problem found by a checker.

    ``code`` is the rule code (BE1xx OpenAPI, BE2xx migrations, BE3xx review, BE4xx fuzz/probe/SLO,
    BE5xx dependencies). ``path`` and ``line`` say where; ``line`` is 1-based, 0 when unknown.
    """

    code: str
    severity: Severity
    title: str
    path: str = ""
    line: int = 0
    end_line: int = 0
    evidence: str = ""
    recommendation: str = ""
    category: str = "correctness"
    type: str = "issue"
    source: str = "backend-engineer"
    extra: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    def sort_key(self) -> tuple[int, str, int, str, str]:
        return (-int(self.severity), self.path, self.line, self.code, self.title)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["severity"] = self.severity.label
        data["extra"] = dict(self.extra)
        return data

    def to_review_dict(self) -> dict[str, Any]:
        """The seeds' ReviewFindings item shape."""
        lines = [self.line, self.end_line or self.line] if self.line else []
        return {
            "type": self.type,
            "category": self.category,
            "severity": self.severity.label,
            "title": f"{self.code} {self.title}".strip(),
            "where": {"path": self.path, "lines": lines},
            "evidence": self.evidence,
            "recommendation": self.recommendation,
        }


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(set(findings), key=Finding.sort_key)


def worst(findings: Iterable[Finding]) -> Severity | None:
    levels = [f.severity for f in findings]
    return max(levels) if levels else None


def is_blocking(findings: Iterable[Finding], threshold: Severity = Severity.MAJOR) -> bool:
    level = worst(findings)
    return level is not None and level >= threshold
