"""Optional second opinion: ask the configured model to confirm or reject each security candidate.

Off by default (``review --llm``). The model sees the rule, the finding, its source-to-sink path and the
code around it, and answers ``{"verdict": "confirm" | "reject", "reason": "..."}``. A rejected finding
leaves the findings list and is kept in ``report.rejected`` with the reason; an answer that cannot be read
keeps the finding (the model can only remove a finding it clearly rejects).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from backend_engineer.findings import Finding
from backend_engineer.review.report import QUALITY_CATEGORIES, ReviewReport, flow_of

Ask = Callable[[str, str], str]
"""The model port seen from review: (system prompt, user prompt) -> answer text. The CLI adapts the
configured provider to it, so this checker never imports the engines layer."""

SYSTEM = (
    "You review security findings of a static analyser on Python web code. For the finding given, answer "
    'with one JSON object only: {"verdict": "confirm" or "reject", "reason": "<one sentence>"}. Reject only '
    "when the code shown proves the finding wrong (the value is not attacker-controlled, a check exists)."
)
VERDICT = re.compile(r"\{.*\}", re.S)


def _snippet(root: Path, finding: Finding, radius: int = 8) -> str:
    file = root / finding.path if root.is_dir() else root
    try:
        lines = file.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return finding.evidence
    start = max(finding.line - radius, 1)
    end = min(max(finding.end_line, finding.line) + radius, len(lines))
    return "\n".join(f"{n:5} {lines[n - 1]}" for n in range(start, end + 1))


def prompt(root: Path, finding: Finding) -> str:
    flow = "\n".join(f"  line {line}: {note}" for line, note in flow_of(finding)) or "  (no path recorded)"
    return (
        f"Rule {finding.code} ({finding.category}): {finding.title}\n"
        f"File {finding.path}, line {finding.line}\nSource-to-sink path:\n{flow}\n"
        f"Code:\n{_snippet(root, finding)}"
    )


def parse(text: str) -> tuple[str, str]:
    match = VERDICT.search(text)
    if match:
        try:
            data = json.loads(match.group(0))
        except json.JSONDecodeError:
            data = {}
        verdict = str(data.get("verdict", "")).lower()
        if verdict in {"confirm", "reject"}:
            return verdict, str(data.get("reason", ""))
    return "unknown", text.strip()[:200]


def confirm(report: ReviewReport, ask: Ask, root: Path) -> ReviewReport:
    kept: list[Finding] = []
    for finding in report.findings:
        if finding.category in QUALITY_CATEGORIES:
            kept.append(finding)
            continue
        try:
            verdict, reason = parse(ask(SYSTEM, prompt(root, finding)))
        except RuntimeError as exc:
            verdict, reason = "unknown", f"model error: {exc}"
        if verdict == "reject":
            report.rejected.append((finding, reason))
            continue
        kept.append(replace(finding, extra=(*finding.extra, ("llm", f"{verdict}: {reason}"))))
    report.findings = kept
    return report
