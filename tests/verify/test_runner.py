"""`verify`: the report format, the CLI, and every check on a freshly generated service."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.events import Status
from backend_engineer.findings import Finding, Severity
from backend_engineer.spec.bundle import load_bundle
from backend_engineer.verify.report import CheckResult, VerifyReport
from backend_engineer.verify.runner import CHECKS, VerifyOptions, iter_verify
from tests.conftest import EXAMPLES, ROOT, generous_latency_targets

GOLDEN = ROOT / "tests" / "golden" / "projects-saas"
OSV = Path(__file__).parent / "fixtures" / "osv"
ALL = [name for name, _ in CHECKS]


def test_report_is_not_ok_on_a_major_finding_and_writes_json_and_junit(tmp_path: Path) -> None:
    minor = Finding("BE106", Severity.MINOR, "unbounded string", "a.yaml", 3)
    major = Finding("BE102", Severity.MAJOR, "no Idempotency-Key", "a.yaml", 9)
    report = VerifyReport(
        [
            CheckResult("openapi-lint", "passed", "ok", 0.5, [minor]),
            CheckResult("dep-scan", "skipped", "no advisory database"),
        ]
    )
    assert report.ok
    report.checks.append(CheckResult("fuzz", "passed", "x", 1.0, [major]))
    assert not report.ok and report.findings == [major, minor]
    report.checks.append(CheckResult("probe", "error", "could not start"))
    json_path, junit_path = report.write(tmp_path / "out")
    data = json.loads(json_path.read_text())
    assert data["ok"] is False and [c["status"] for c in data["checks"]] == ["passed", "skipped", "passed", "error"]
    assert [f["code"] for f in data["findings"]] == ["BE102", "BE106"]
    suite = ET.parse(junit_path).getroot()
    assert (suite.get("tests"), suite.get("skipped"), suite.get("errors")) == ("4", "1", "1")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["junit.xml", "verification.json"]


def test_cli_verify_skips_dep_scan_without_a_database_and_fails_on_a_planted_contract_defect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BACKEND_ENGINEER_OSV", "none")
    service = tmp_path / "svc"
    shutil.copytree(GOLDEN, service)
    runner = CliRunner()
    heavy = "tests,lint,fuzz,probe,slo,migrations"
    out = tmp_path / "out"
    clean = runner.invoke(app, ["verify", str(service), "--skip", heavy, "--out", str(out), "--json"])
    assert clean.exit_code == 0, clean.output
    report = json.loads((out / "verification.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["openapi-lint"]["status"] == "passed"
    assert checks["openapi-lint"]["details"]["files"] == [".backend-engineer/bundle/openapi.yaml", "docs/openapi.json"]
    assert checks["dep-scan"]["status"] == "skipped" and "NOT checked" in checks["dep-scan"]["summary"]

    contract = service / ".backend-engineer" / "bundle" / "openapi.yaml"
    lines = contract.read_text().splitlines(keepends=True)
    first = next(i for i, line in enumerate(lines) if "#/components/parameters/IdempotencyKey" in line)
    contract.write_text(
        "".join(
            [*lines[:first], "        - {name: X-Trace, in: header, schema: {type: string}}\n", *lines[first + 1 :]]
        )
    )
    failed = runner.invoke(app, ["verify", str(service), "--skip", heavy, "--out", str(out), "--advisory-db", str(OSV)])
    assert failed.exit_code == 7, failed.output
    assert "BE102" in failed.output and "[FAIL] verification" in failed.output
    report = json.loads((out / "verification.json").read_text())
    checks = {c["name"]: c for c in report["checks"]}
    assert checks["openapi-lint"]["status"] == "failed" and checks["dep-scan"]["status"] == "passed"
    assert ET.parse(out / "junit.xml").getroot().get("failures") == "1"


def test_cli_verify_rejects_bad_input(tmp_path: Path) -> None:
    runner = CliRunner()
    bogus = runner.invoke(app, ["verify", str(GOLDEN), "--skip", "tests,bogus"])
    assert bogus.exit_code == 2 and "bogus" in bogus.output and "Traceback" not in bogus.output
    empty = runner.invoke(app, ["verify", str(tmp_path)])
    assert empty.exit_code == 2 and "bundle" in empty.output


def _failures(report: VerifyReport) -> str:
    lines = []
    for check in report.checks:
        if check.status != "passed":
            lines.append(f"{check.name}: {check.status}: {check.summary}")
            lines += [f"    {f.code} {f.severity.label} {f.path}:{f.line} {f.title}" for f in check.findings][:10]
    return "\n".join(lines)


@pytest.mark.slow
def test_iter_verify_passes_every_check_on_a_freshly_generated_service(tmp_path: Path) -> None:
    bundle = load_bundle(EXAMPLES / "projects-saas").bundle
    assert bundle is not None
    service = tmp_path / "svc"
    for rel, data in render_service(bundle).items():
        target = service / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    generous_latency_targets(service)
    gen = iter_verify(service, bundle, VerifyOptions(quick=True, advisory_db=OSV))
    events = []
    while True:
        try:
            events.append(next(gen))
        except StopIteration as stop:
            report = stop.value
            break
    started = [e.message for e in events if e.status == Status.START]
    assert sorted(started) == sorted(ALL) and started[-1] == "slo", "the timing check runs alone, last"
    assert [c.name for c in report.checks] == ALL
    failures = _failures(report)
    assert not failures, "checks that did not pass:\n" + failures
    assert report.ok and not [f for f in report.findings if f.severity >= Severity.MAJOR], _failures(report)
    by_name = {c.name: c for c in report.checks}
    assert by_name["tests"].details["passed"] >= 50 and by_name["tests"].details["failed"] == 0
    assert by_name["fuzz"].details["operations"] == 17
    assert by_name["probe"].details["cross_tenant"] >= 10 and by_name["probe"].details["injection"] > 0
    slo = by_name["slo"].details
    assert slo["groups"] and all(g["errors"] == 0 and g["requests"] >= 100 for g in slo["groups"].values())
    assert slo["queries_per_request"] and max(slo["queries_per_request"].values()) <= 4
    assert by_name["dep-scan"].details["packages"] > 20
    json_path, junit_path = report.write(tmp_path / "out")
    assert json.loads(json_path.read_text())["ok"] is True
    assert ET.parse(junit_path).getroot().get("tests") == str(len(ALL))


@pytest.mark.postgres
def test_tests_check_runs_the_service_suite_on_a_fresh_postgresql_database(postgres_url: str, tmp_path: Path) -> None:
    service = tmp_path / "svc"
    shutil.copytree(GOLDEN, service)
    (service / "tests" / "test_planted_failure.py").write_text(
        "def test_planted_failure() -> None:\n    assert 1 == 2, 'planted'\n"
    )
    bundle = load_bundle(service / ".backend-engineer" / "bundle").bundle
    assert bundle is not None
    server = postgres_url.rsplit("/", 1)[0] + "/postgres"
    gen = iter_verify(service, bundle, VerifyOptions(pg_url=server, skip=frozenset(ALL) - {"tests"}))
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        report = stop.value
    tests = next(c for c in report.checks if c.name == "tests")
    assert tests.details["database"] == "postgresql" and tests.details["passed"] >= 50
    titles = [f.title for f in tests.findings if f.code == "BE430"]
    assert tests.status == "failed" and not report.ok
    assert tests.details["failed"] == 1 and len(titles) == 1, titles
    assert "test_planted_failure" in titles[0], "only the planted test may fail on PostgreSQL"
