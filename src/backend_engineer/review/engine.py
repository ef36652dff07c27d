"""review_path: parse every Python file, gather project facts, run the BE3xx rules, merge ruff, apply
suppressions and an optional baseline."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

from backend_engineer.findings import Finding, Severity, sort_findings
from backend_engineer.review.context import FileContext, Project, walk
from backend_engineer.review.facts import gather
from backend_engineer.review.report import ReviewReport, fingerprint, flow_of
from backend_engineer.review.rules import RULES
from backend_engineer.review.templates import check_templates

SUPPRESS = re.compile(r"#\s*backend-engineer:\s*ignore\[([A-Z0-9, ]+)\]")
SKIP_DIRS = {
    ".git",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".mypy_cache",
    ".ruff_cache",
    "migrations",
    "alembic",
    ".backend-engineer",
    "build",
    "dist",
    "site-packages",
}
RUFF_CATEGORY = {
    "S608": "sql-injection",
    "S105": "secrets",
    "S201": "quality",
    "S106": "secrets",
    "S107": "secrets",
    "S310": "ssrf",
    "S301": "deserialization",
    "S302": "deserialization",
    "S506": "deserialization",
    "S324": "weak-hash",
    "S303": "weak-hash",
    "S701": "xss",
    "S702": "xss",
    "S704": "xss",
    "S308": "xss",
    "S102": "command-injection",
    "S307": "command-injection",
    "S602": "command-injection",
    "S605": "command-injection",
    "S501": "tls",
    "S314": "xxe",
    "S318": "xxe",
    "S320": "xxe",
}
"""S201 (Flask debug) is superseded by BE309, which also knows loopback hosts. Ruff codes outside this map (asserts, random, try/except/pass, FAST, ASYNC, BLE) are quality findings."""
RUFF_MAJOR = {"S102", "S301", "S307", "S501", "S506", "S602", "S605", "S608", "S105", "S106", "S107", "S201", "S324"}


class ReviewError(Exception):
    pass


def _files(root: Path, include_tests: bool) -> list[Path]:
    if root.is_file():
        return [root]
    out = []
    for path in sorted(root.rglob("*.py")):
        parts = set(path.relative_to(root).parts)
        if parts & SKIP_DIRS:
            continue
        if not include_tests and (parts & {"tests", "test"} or path.name.startswith("test_")):
            continue
        out.append(path)
    return out


def _tenant_models(trees: list[ast.Module]) -> set[str]:
    models: set[str] = set()
    for tree in trees:
        for node in walk(tree):
            if isinstance(node, ast.ClassDef) and any(
                isinstance(s, ast.Assign | ast.AnnAssign) and "tenant_id" in ast.unparse(s).split("=")[0]
                for s in node.body
            ):
                models.add(node.name)
            if (
                isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Call)
                and ast.unparse(node.value.func).split(".")[-1] == "Table"
                and "'tenant_id'" in ast.unparse(node.value)
            ):
                models |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return models


def _suppressed(ctx: FileContext, finding: Finding) -> bool:
    lines = ctx.lines
    for number in {finding.line, finding.line - 1}:
        if 0 < number <= len(lines):
            match = SUPPRESS.search(lines[number - 1])
            if match and finding.code in {c.strip() for c in match.group(1).split(",")}:
                return True
    return False


def _ruff(root: Path, files: list[Path], base: Path) -> list[Finding]:
    binary = Path(sys.executable).with_name("ruff")
    ruff = str(binary) if binary.exists() else shutil.which("ruff")
    if ruff is None or not files:
        return []
    proc = subprocess.run(
        [
            ruff,
            "check",
            "--select",
            "S,FAST,ASYNC,BLE",
            "--output-format",
            "json",
            "--exit-zero",
            "--no-cache",
            "--isolated",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        rows = json.loads(proc.stdout or "[]")
    except json.JSONDecodeError:
        return []
    out = []
    for row in rows:
        code = str(row.get("code") or "")
        path = Path(row["filename"])
        rel = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        category = RUFF_CATEGORY.get(code, "quality")
        severity = Severity.MAJOR if code in RUFF_MAJOR and category != "quality" else Severity.MINOR
        out.append(
            Finding(
                code,
                severity,
                f"ruff {code}: {row.get('message', '')}",
                rel,
                int(row["location"]["row"]),
                int(row["end_location"]["row"]),
                evidence="",
                recommendation=str((row.get("fix") or {}).get("message") or ""),
                category=category,
                source="ruff",
            )
        )
    return out


def _dedupe(ours: list[Finding], ruff: list[Finding]) -> list[Finding]:
    """Drop a ruff finding only when one of ours covers its line (the same statement) in the same category;
    a ruff finding outside that span is a different finding (one a line away once hid the weakest key of a
    file) and is kept."""
    spans: dict[tuple[str, str], list[tuple[int, int]]] = {}
    for f in ours:
        spans.setdefault((f.path, f.category), []).append((f.line, max(f.end_line, f.line)))
        spans[(f.path, f.category)] += [(line, line) for line, _note in flow_of(f)]
    return [r for r in ruff if not any(a <= r.line <= b for a, b in spans.get((r.path, r.category), []))]


def review_path(
    path: Path,
    *,
    baseline: Path | None = None,
    use_ruff: bool = True,
    include_tests: bool = False,
    strict: bool = False,
) -> ReviewReport:
    if not path.exists():
        raise ReviewError(f"{path}: no such file or folder")
    base = (path if path.is_dir() else path.parent).resolve()
    path = path.resolve()
    files = _files(path, include_tests)
    contexts: list[FileContext] = []
    findings: list[Finding] = []
    project = Project()
    for file in files:
        source = file.read_text(encoding="utf-8", errors="replace")
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            findings.append(
                Finding(
                    "BE300",
                    Severity.MINOR,
                    f"cannot parse: {exc.msg}",
                    str(file.relative_to(base)),
                    exc.lineno or 0,
                    category="parse",
                    source="backend-engineer",
                )
            )
            continue
        contexts.append(
            FileContext(file, str(file.relative_to(base)) if file != base else file.name, source, tree, project)
        )
    project.tenant_models = _tenant_models([c.tree for c in contexts])
    project.facts = gather(contexts, base)
    report = ReviewReport(files=len(files), strict=strict)
    findings.extend(check_templates(path, base))
    by_rel = {c.rel: c for c in contexts}
    for ctx in contexts:
        for rule in RULES:
            for finding in rule.check(ctx):
                if _suppressed(ctx, finding):
                    report.suppressed += 1
                else:
                    findings.append(finding)
    if use_ruff:
        extra = _dedupe(findings, _ruff(base, files, base))
        for finding in extra:
            owner = by_rel.get(finding.path)
            line = owner.lines[finding.line - 1].strip() if owner and 0 < finding.line <= len(owner.lines) else ""
            finding = Finding(**{**finding.__dict__, "evidence": line[:200]})
            if owner is not None and _suppressed(owner, finding):
                report.suppressed += 1
                continue
            findings.append(finding)
    if baseline is not None:
        if not baseline.is_file():
            raise ReviewError(f"{baseline}: no such baseline file (write one with --write-baseline)")
        try:
            known = set(json.loads(baseline.read_text()).get("fingerprints", []))
        except (json.JSONDecodeError, AttributeError) as exc:
            raise ReviewError(f"{baseline}: not a backend-engineer baseline (JSON with a fingerprints list)") from exc
        kept = [f for f in findings if fingerprint(f) not in known]
        report.baselined = len(findings) - len(kept)
        findings = kept
    report.findings = sort_findings(findings)
    return report


def write_baseline(report: ReviewReport, path: Path) -> None:
    path.write_text(json.dumps({"fingerprints": sorted({fingerprint(f) for f in report.findings})}, indent=2) + "\n")
