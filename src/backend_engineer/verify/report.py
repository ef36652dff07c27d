"""The verification report: one result per check, written as verification.json and JUnit XML."""

from __future__ import annotations

import json
import os
import tempfile
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from backend_engineer.findings import Finding, Severity, sort_findings

# "deviation": the service differs from the contract in a way the approved plan declared (needs business logic)
CheckStatus = Literal["passed", "failed", "skipped", "error", "deviation"]


@dataclass
class CheckResult:
    name: str
    status: CheckStatus
    summary: str
    duration_s: float = 0.0
    findings: list[Finding] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "status": self.status,
            "summary": self.summary,
            "duration_s": round(self.duration_s, 3),
            "findings": [f.to_dict() for f in sort_findings(self.findings)],
            "details": self.details,
        }


@dataclass
class VerifyReport:
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return sort_findings(f for c in self.checks for f in c.findings)

    @property
    def ok(self) -> bool:
        return all(c.status in ("passed", "skipped", "deviation") for c in self.checks) and not any(
            f.severity >= Severity.MAJOR for f in self.findings
        )

    @property
    def needs_business_logic(self) -> list[str]:
        """Declared stubs that still answer 501 NOT_IMPLEMENTED."""
        return [op for c in self.checks if c.status == "deviation" for op in c.details.get("operations", [])]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "needs_business_logic": self.needs_business_logic,
            "checks": [c.to_dict() for c in self.checks],
            "findings": [f.to_dict() for f in self.findings],
        }

    def junit(self) -> str:
        suite = ET.Element(
            "testsuite",
            name="backend-engineer verify",
            tests=str(len(self.checks)),
            failures=str(sum(c.status == "failed" for c in self.checks)),
            errors=str(sum(c.status == "error" for c in self.checks)),
            skipped=str(sum(c.status == "skipped" for c in self.checks)),
            time=f"{sum(c.duration_s for c in self.checks):.3f}",
        )
        for check in self.checks:
            case = ET.SubElement(suite, "testcase", classname="verify", name=check.name, time=f"{check.duration_s:.3f}")
            text = "\n".join(f"{f.code} {f.severity.label} {f.path}:{f.line} {f.title}" for f in check.findings)
            if check.status == "failed":
                ET.SubElement(case, "failure", message=check.summary).text = text
            elif check.status == "error":
                ET.SubElement(case, "error", message=check.summary).text = text
            elif check.status == "skipped":
                ET.SubElement(case, "skipped", message=check.summary)
            elif check.status == "deviation":
                ET.SubElement(case, "system-out").text = check.summary
        return ET.tostring(suite, encoding="unicode")

    def write(self, folder: Path) -> list[Path]:
        """Write verification.json and junit.xml; each file appears whole or not at all."""
        folder.mkdir(parents=True, exist_ok=True)
        contents = {
            folder / "verification.json": json.dumps(self.to_dict(), indent=2) + "\n",
            folder / "junit.xml": self.junit() + "\n",
        }
        for target, text in contents.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=folder)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as sink:
                    sink.write(text)
                os.replace(tmp, target)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        return list(contents)
