"""`verify`: every check on a generated service, as a generator of events returning the report."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable, Generator
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_engineer.events import Event, Status
from backend_engineer.findings import Finding, Severity
from backend_engineer.spec.bundle import Bundle
from backend_engineer.verify.report import CheckResult, CheckStatus, VerifyReport
from backend_engineer.verify.stubs import declared_stubs, deviation_summary, goal_test_module


@dataclass
class VerifyOptions:
    pg_url: str | None = None
    quick: bool = False
    skip: frozenset[str] = field(default_factory=frozenset)
    sqlite_only: bool = False
    advisory_db: Path | None = None
    jobs: int = field(default_factory=lambda: min(4, os.cpu_count() or 1))


def _tests(service: Path, options: VerifyOptions) -> CheckResult:
    """The service's own suite; on PostgreSQL it gets a fresh database on the given server, dropped after."""
    from backend_engineer.verify.migrations.check import drop_database, temp_database

    with tempfile.TemporaryDirectory(prefix="be-pytest-") as tmp:
        if not options.pg_url or options.sqlite_only:
            return _run_tests(service, None, Path(tmp) / "pytest.xml")
        url, name = temp_database(options.pg_url)
        try:
            return _run_tests(service, url, Path(tmp) / "pytest.xml")
        finally:
            drop_database(options.pg_url, name)


def _run_tests(service: Path, pg_url: str | None, junit: Path) -> CheckResult:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    if pg_url:
        env["TEST_DATABASE_URL"] = pg_url
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-o", "addopts=", "-q", "--junitxml", str(junit)],
        cwd=service,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    if not junit.is_file():
        return CheckResult("tests", "error", f"pytest did not run: {(proc.stderr or proc.stdout)[-300:]}")
    root = ET.parse(junit).getroot()
    node = root if root.tag == "testsuite" else root[0]
    total, failures, errors, skipped = (int(node.get(k, "0")) for k in ("tests", "failures", "errors", "skipped"))
    passed = total - failures - errors - skipped
    details: dict[str, Any] = {
        "passed": passed,
        "failed": failures + errors,
        "skipped": skipped,
        "database": "postgresql" if "TEST_DATABASE_URL" in env else "sqlite",
    }
    goals = {goal_test_module(op) for op in declared_stubs(service)}
    failed = [c for c in node.iter("testcase") if c.find("failure") is not None or c.find("error") is not None]
    pending = sorted(c.get("name", "?") for c in failed if c.get("classname", "") in goals)
    findings = [
        Finding(
            "BE430",
            Severity.MAJOR,
            f"generated test failed: {c.get('name', '?')}",
            "tests",
            0,
            category="tests",
            source="pytest",
        )
        for c in failed
        if c.get("classname", "") not in goals
    ]
    findings += [
        Finding(
            "BE433",
            Severity.INFO,
            f"goal test of a needs-business-logic operation fails until it is implemented: {name}",
            "tests/custom",
            0,
            category="tests",
            source="pytest",
        )
        for name in pending
    ]
    details["pending_goal_tests"] = pending
    ok = proc.returncode == 0 or (bool(failed) and len(pending) == len(failed))
    status: CheckStatus = "passed" if ok else "failed"
    pending_note = f", {len(pending)} of them goal tests of declared stubs" if pending else ""
    return CheckResult(
        "tests",
        status,
        f"{passed} passed, {failures + errors} failed{pending_note}, {skipped} skipped ({details['database']})",
        findings=findings,
        details=details,
    )


def _lint(service: Path, options: VerifyOptions) -> CheckResult:
    ruff = subprocess.run(
        [str(Path(sys.executable).with_name("ruff")), "check", "--output-format", "concise", "."],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    mypy = subprocess.run(
        [sys.executable, "-m", "mypy", "app"], cwd=service, capture_output=True, text=True, timeout=600, check=False
    )
    findings = []
    for line in ruff.stdout.splitlines():
        if ":" in line and line[0] != " " and not line.startswith(("Found", "All checks")):
            findings.append(
                Finding(
                    "BE431",
                    Severity.MAJOR,
                    f"ruff: {line.split(': ', 1)[-1]}",
                    line.split(":")[0],
                    int(line.split(":")[1]) if line.split(":")[1].isdigit() else 0,
                    category="lint",
                    source="ruff",
                )
            )
    for line in mypy.stdout.splitlines():
        if ": error:" in line:
            path, lineno = line.split(":")[:2]
            findings.append(
                Finding(
                    "BE432",
                    Severity.MAJOR,
                    f"mypy: {line.split(': error: ', 1)[1]}",
                    path,
                    int(lineno) if lineno.isdigit() else 0,
                    category="lint",
                    source="mypy",
                )
            )
    ok = ruff.returncode == 0 and mypy.returncode == 0
    return CheckResult(
        "lint",
        "passed" if ok else "failed",
        f"ruff {'clean' if ruff.returncode == 0 else 'failed'}, mypy {'clean' if mypy.returncode == 0 else 'failed'}",
        findings=findings,
    )


def _openapi(service: Path, options: VerifyOptions) -> CheckResult:
    """Lint the contract the bundle promises and the one the service serves (docs/openapi.json)."""
    from backend_engineer.verify.openapi_lint.engine import lint_text, public_from_bundle

    bundle_doc = service / ".backend-engineer" / "bundle" / "openapi.yaml"
    public = public_from_bundle(bundle_doc)
    findings: list[Finding] = []
    linted = []
    for doc in (bundle_doc, service / "docs" / "openapi.json"):
        if doc.is_file():
            findings.extend(lint_text(doc.read_text(encoding="utf-8"), doc.relative_to(service).as_posix(), public))
            linted.append(doc.relative_to(service).as_posix())
    if not linted:
        return CheckResult("openapi-lint", "error", "no contract found (.backend-engineer/bundle/openapi.yaml)")
    bad = [f for f in findings if f.severity >= Severity.MAJOR]
    return CheckResult(
        "openapi-lint",
        "failed" if bad else "passed",
        f"{', '.join(linted)}: {len(findings)} finding(s), {len(bad)} major or worse",
        findings=findings,
        details={"files": linted},
    )


def _migrations(service: Path, options: VerifyOptions) -> CheckResult:
    from backend_engineer.verify.migrations.check import check_project

    result = check_project(
        service, pg_url=None if options.sqlite_only else options.pg_url, try_local_pg=not options.sqlite_only
    )
    bad = [f for f in result.findings if f.severity >= Severity.MAJOR]
    return CheckResult(
        "migrations",
        "failed" if bad else "passed",
        ", ".join(f"{k}: {v}" for k, v in result.databases.items()),
        findings=result.findings,
        details=dict(result.databases),
    )


def _conformance(service: Path, options: VerifyOptions) -> CheckResult:
    from backend_engineer.verify.conformance import run_conformance

    findings, stats = run_conformance(service)
    bad = [f for f in findings if f.severity >= Severity.MAJOR]
    return CheckResult(
        "conformance",
        "failed" if bad else "passed",
        f"{stats['exercised']}/{stats['operations']} operations exercised, {stats['conforming']} conforming, "
        f"{len(stats['stubs'])} need business logic",
        findings=findings,
        details=stats,
    )


def _fuzz(service: Path, options: VerifyOptions) -> CheckResult:
    from backend_engineer.verify.fuzz import run_fuzz

    findings, stats = run_fuzz(str(service), None, max_examples=5 if options.quick else 25)
    bad = [f for f in findings if f.severity >= Severity.MAJOR]
    return CheckResult(
        "fuzz",
        "failed" if bad else "passed",
        f"{stats.get('operations', 0)} operations, {len(findings)} finding(s), {len(bad)} major or worse",
        findings=findings,
        details=stats,
    )


def _probe(service: Path, options: VerifyOptions) -> CheckResult:
    from backend_engineer.verify.migrations.check import drop_database, temp_database
    from backend_engineer.verify.probe import run_probe

    if options.pg_url and not options.sqlite_only:
        url, name = temp_database(options.pg_url)
        try:
            findings, stats = run_probe(service, url)
        finally:
            drop_database(options.pg_url, name)
    else:
        findings, stats = run_probe(service)
    bad = [f for f in findings if f.severity >= Severity.MAJOR]
    return CheckResult(
        "probe",
        "failed" if bad else "passed",
        f"{stats.get('requests', 0)} probe requests on {stats.get('database', '?')}, {len(findings)} finding(s)",
        findings=findings,
        details=stats,
    )


def _slo(service: Path, options: VerifyOptions) -> CheckResult:
    from backend_engineer.verify.slo import run_slo

    findings, stats = run_slo(service, requests=100 if options.quick else 300)
    bad = [f for f in findings if f.severity >= Severity.MAJOR]
    groups = "; ".join(
        f"{k}: p95 {v['p95_ms']}/{v['p95_target_ms']} ms (code {v['code_p95_ms']}, no-op {v['calibration_p95_ms']}), "
        f"p99 {v['p99_ms']}/{v['p99_target_ms']} ms"
        for k, v in stats["groups"].items()
    )
    return CheckResult(
        "slo", "failed" if bad else "passed", groups or "no SLO groups", findings=findings, details=stats
    )


def _deps(service: Path, options: VerifyOptions) -> CheckResult:
    from backend_engineer.verify.depscan import OSV_ENV, DepScanError, default_db, describe, scan

    db = options.advisory_db or default_db()
    if db is None:
        return CheckResult(
            "dep-scan",
            "skipped",
            f"no advisory database (pass --advisory-db with an OSV folder or zip, or set {OSV_ENV}; the default "
            "../shared/osv beside the repository is absent); vulnerabilities were NOT checked",
        )
    try:
        findings, stats = scan(db)
    except DepScanError as exc:
        return CheckResult("dep-scan", "error", str(exc))
    bad = [f for f in findings if f.severity >= Severity.MAJOR]
    return CheckResult("dep-scan", "failed" if bad else "passed", describe(stats), findings=findings, details=stats)


CHECKS: tuple[tuple[str, Callable[[Path, VerifyOptions], CheckResult]], ...] = (
    ("tests", _tests),
    ("lint", _lint),
    ("openapi-lint", _openapi),
    ("migrations", _migrations),
    ("conformance", _conformance),
    ("fuzz", _fuzz),
    ("probe", _probe),
    ("slo", _slo),
    ("dep-scan", _deps),
)


ALONE = frozenset({"slo"})
"""Checks that measure time run alone, after the others, so that no other check loads the machine meanwhile."""


def _run_check(
    name: str, check: Callable[[Path, VerifyOptions], CheckResult], service_dir: Path, options: VerifyOptions
) -> CheckResult:
    started = time.monotonic()
    try:
        result = check(service_dir, options)
    except Exception as exc:
        result = CheckResult(name, "error", f"{type(exc).__name__}: {exc}"[:400])
    result.duration_s = time.monotonic() - started
    return result


def _finished(name: str, result: CheckResult) -> Event:
    status = {
        "passed": Status.OK,
        "skipped": Status.SKIP,
        "failed": Status.FAIL,
        "error": Status.FAIL,
        "deviation": Status.WARN,
    }[result.status]
    return Event(
        "verify",
        status,
        f"{name}: {result.summary} ({result.duration_s:.1f}s)",
        {"check": name, "findings": len(result.findings)},
    )


def iter_verify(service_dir: Path, bundle: Bundle, options: VerifyOptions) -> Generator[Event, None, VerifyReport]:
    """Independent checks run concurrently (options.jobs at a time); timing checks run alone afterwards.

    Events come as checks start and finish; the report lists the checks in their fixed order."""
    results: dict[str, CheckResult] = {}
    selected = []
    for name, check in CHECKS:
        if name in options.skip:
            results[name] = CheckResult(name, "skipped", "skipped by request")
            yield Event("verify", Status.SKIP, f"{name}: skipped by request")
        else:
            selected.append((name, check))
    concurrent = [(n, c) for n, c in selected if n not in ALONE]
    with ThreadPoolExecutor(max_workers=max(1, options.jobs)) as pool:
        futures: dict[Future[CheckResult], str] = {}
        for name, check in concurrent:
            yield Event("verify", Status.START, f"{name}")
            futures[pool.submit(_run_check, name, check, service_dir, options)] = name
        for future in as_completed(futures):
            name = futures[future]
            results[name] = future.result()
            yield _finished(name, results[name])
    for name, check in selected:
        if name in ALONE:
            yield Event("verify", Status.START, f"{name}")
            results[name] = _run_check(name, check, service_dir, options)
            yield _finished(name, results[name])
    report = VerifyReport()
    report.checks.extend(results[name] for name, _ in CHECKS)
    deviation = _business_logic(report)
    if deviation is not None:
        report.checks.append(deviation)
        yield Event("verify", Status.WARN, f"{deviation.name}: {deviation.summary}", {"check": deviation.name})
    return report


def _business_logic(report: VerifyReport) -> CheckResult | None:
    """Declared stubs the probe saw answering 501 NOT_IMPLEMENTED: an API deviation, not a failure."""
    probe = next((c for c in report.checks if c.name == "probe" and c.status in ("passed", "failed")), None)
    answers = probe.details.get("stubs", {}) if probe else {}
    pending = sorted(op for op, status in answers.items() if status == 501)
    if not pending:
        return None
    return CheckResult(
        "business-logic", "deviation", deviation_summary(pending), details={"operations": pending, "answers": answers}
    )
