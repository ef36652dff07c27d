"""fuzz, probe and slo-check on a generated service: silent on the clean copy, loud on planted defects."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.findings import Severity
from backend_engineer.verify.fuzz import FuzzError, run_fuzz
from backend_engineer.verify.probe import run_probe
from backend_engineer.verify.service import free_port, run_service
from backend_engineer.verify.slo import run_slo
from tests.conftest import ROOT, generous_latency_targets

GOLDEN = ROOT / "tests" / "golden" / "projects-saas"


@pytest.fixture
def service(tmp_path: Path) -> Path:
    target = tmp_path / "svc"
    shutil.copytree(GOLDEN, target)
    return target


def plant(service: Path, rel: str, old: str, new: str) -> None:
    path = service / rel
    text = path.read_text()
    assert old in text, (rel, old)
    path.write_text(text.replace(old, new))


def test_probe_is_clean_on_the_generated_service(service: Path) -> None:
    findings, stats = run_probe(service)
    assert stats["cross_tenant"] >= 10 and stats["role_matrix"] >= 40 and stats["tokens"] >= 50
    assert stats["injection"] >= 20 and stats["oversized"] >= 10 and stats["ssrf"] >= 6
    assert findings == [], [f"{f.code} {f.severity.label}: {f.title}" for f in findings]


def test_probe_reports_a_tenant_leak_as_a_blocker(service: Path) -> None:
    plant(service, "app/adapters/sql.py", "[table.c.tenant_id == tenant_id] if meta.tenant_scoped else []", "[]")
    findings, _ = run_probe(service)
    leaks = [f for f in findings if f.code == "BE410"]
    assert leaks and all(f.severity == Severity.BLOCKER for f in leaks)


def test_probe_reports_a_list_only_tenant_leak(service: Path) -> None:
    plant(
        service,
        "app/adapters/sql.py",
        "        meta = ENTITIES[entity]\n        table, where = self._scoped(entity, tenant_id)\n        order, pk",
        "        meta = ENTITIES[entity]\n        table, where = self._scoped(entity, tenant_id)[0], []\n        order, pk",
    )
    leaks = [f for f in run_probe(service)[0] if f.code == "BE410"]
    assert any(f.title.startswith("listProjects: another tenant's list shows") for f in leaks), leaks
    assert all(f.severity == Severity.BLOCKER for f in leaks)


def test_probe_reports_missing_authorization_and_ssrf(service: Path) -> None:
    plant(
        service,
        "app/platform/security.py",
        "    if operation_id in PUBLIC_OPERATIONS:\n        return",
        "    if operation_id:\n        return",
    )
    plant(service, "app/platform/ssrf.py", "    parts = urlsplit(url)\n", "    return url\n    parts = urlsplit(url)\n")
    codes = {f.code for f in run_probe(service)[0]}
    assert {"BE411", "BE417"} <= codes


def test_probe_reports_alg_none_ignored_idempotency_and_injection(service: Path) -> None:
    plant(
        service,
        "app/platform/security.py",
        'options={"require": ["exp", "iat", claims["subject"]]},',
        'options={"require": ["exp", "iat", claims["subject"]], "verify_signature": False},',
    )
    plant(service, "app/entrypoints/api/handlers.py", "            if saved is not None:\n", "            if False:\n")
    plant(
        service,
        "app/adapters/sql.py",
        "        table = TABLES[ENTITIES[entity].table]\n        self.conn.execute(table.insert()",
        "        table = TABLES[ENTITIES[entity].table]\n"
        "        self.conn.execute(sa.text(f\"SELECT 1 WHERE '{record.get('name', '')}' <> ''\"))\n"
        "        self.conn.execute(table.insert()",
    )
    findings, _ = run_probe(service)
    titles = [f.title for f in findings]
    assert any(f.code == "BE413" and "alg=none" in f.title and f.severity == Severity.BLOCKER for f in findings)
    assert any(f.code == "BE414" and "not replayed" in f.title for f in findings), titles
    assert any(f.code == "BE415" and f.title.startswith("createProject: an SQL-injection") for f in findings), titles


def test_probe_cli_reports_an_unenforced_body_limit(service: Path) -> None:
    plant(service, "app/spec_config.py", "MAX_BODY_BYTES: int = 1048576", "MAX_BODY_BYTES: int = 1048576 * 100")
    result = CliRunner().invoke(app, ["probe", str(service), "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 1
    oversized = {f["title"] for f in data["findings"] if f["code"] == "BE416"}
    assert any("Content-Length" in t for t in oversized) and any("streamed" in t for t in oversized), oversized
    assert {(f["code"], f["severity"]) for f in data["findings"]} == {("BE416", "major")}


def test_probe_reports_idempotency_key_reuse_without_conflict(service: Path) -> None:
    plant(
        service,
        "app/entrypoints/api/handlers.py",
        '                if saved["fingerprint"] != fingerprint:',
        "                if False:",
    )
    findings, _ = run_probe(service)
    conflicts = [f for f in findings if f.code == "BE414" and "not 409" in f.title]
    assert conflicts and {f.title.split(":")[0] for f in conflicts} >= {"createProject"}
    assert not [f for f in findings if f.code == "BE414" and "not replayed" in f.title]


def test_fuzz_flags_errors_outside_the_envelope(service: Path) -> None:
    plant(
        service,
        "app/platform/errors.py",
        '        return envelope(\n            422, "VALIDATION_FAILED", "the request failed validation", '
        '{"errors": _clean_errors(exc.errors())}\n        )',
        '        return JSONResponse({"detail": _clean_errors(exc.errors())}, status_code=422)',
    )
    findings, _ = run_fuzz(str(service), None, max_examples=5)
    assert any(f.code == "BE403" and "error_envelope" in f.title for f in findings), [f.title for f in findings]


def test_fuzz_has_no_major_findings_on_the_generated_service(service: Path) -> None:
    findings, stats = run_fuzz(str(service), None, max_examples=5)
    assert stats["operations"] == 17
    assert [f.title for f in findings if f.severity >= Severity.MAJOR] == []


def test_fuzz_turns_a_crash_and_ignored_auth_into_blockers(service: Path) -> None:
    plant(
        service,
        "app/entrypoints/api/handlers.py",
        "    with _uow(request, principal) as uow:\n        model = fetch(uow, context(principal))",
        "    raise RuntimeError('boom')\n    with _uow(request, principal) as uow:\n        "
        "model = fetch(uow, context(principal))",
    )
    plant(
        service,
        "app/platform/security.py",
        '        raise Unauthorized("a bearer token is required", headers=CHALLENGE)',
        '        return Principal("anonymous", "fuzz-tenant", tuple(ROLES))',
    )
    findings, _ = run_fuzz(str(service), None, max_examples=5)
    assert any(f.code == "BE400" and f.severity == Severity.BLOCKER for f in findings)
    ignored_auth = [f for f in findings if f.code == "BE402" and "without authentication" in f.title]
    assert ignored_auth and all(f.severity == Severity.BLOCKER for f in ignored_auth)


def test_fuzz_cli_over_a_loopback_url(service: Path) -> None:
    with run_service(service) as svc:
        token = svc.token("url-tenant", svc.admin_roles())
        result = CliRunner().invoke(
            app,
            [
                "fuzz",
                svc.base_url,
                "--spec",
                str(service / "docs" / "openapi.json"),
                "--max-examples",
                "3",
                "-H",
                f"Authorization: Bearer {token}",
                "--json",
            ],
        )
    data = json.loads(result.output)
    assert result.exit_code == 0, data
    assert data["stats"]["operations"] == 17 and data["status"] == "passed"
    unreachable = CliRunner().invoke(app, ["fuzz", f"http://127.0.0.1:{free_port()}"])
    assert unreachable.exit_code == 2 and "pass --spec" in unreachable.output
    bad = CliRunner().invoke(
        app, ["fuzz", "http://127.0.0.1:9", "--spec", str(GOLDEN / "docs" / "openapi.json"), "-H", "x"]
    )
    assert bad.exit_code == 2 and "Name: value" in bad.output


def test_fuzz_refuses_non_loopback_targets(tmp_path: Path) -> None:
    with pytest.raises(FuzzError, match="loopback"):
        run_fuzz("http://203.0.113.9:8000", GOLDEN / "docs" / "openapi.json")


def test_slo_reports_groups_and_catches_n_plus_one(service: Path) -> None:
    findings, stats = run_slo(service, requests=60, concurrency=2)
    assert set(stats["groups"]) == {"listProjects+4", "mutations"}
    assert all(g["errors"] == 0 and g["p95_ms"] > 0 for g in stats["groups"].values())
    assert stats["queries_per_request"]["listProjects"] <= 4
    plant(
        service,
        "app/entrypoints/api/handlers.py",
        '    return JSONResponse({"items": [body_of(m) for m in page.items], "next_cursor": next_cursor})',
        "    for m in page.items:\n        with _uow(request, principal) as extra:\n"
        "            extra.records.get(entity, principal.tenant_id, m.as_record()[ENTITIES[entity].pk])\n"
        '    return JSONResponse({"items": [body_of(m) for m in page.items], "next_cursor": next_cursor})',
    )
    findings, stats = run_slo(service, requests=60, concurrency=2)
    assert any(f.code == "BE422" and "listProjects" in f.title for f in findings), stats["queries_per_request"]


APPS = Path(__file__).parent / "fixtures" / "apps"


def test_fuzz_any_asgi_app_is_silent_when_clean_and_loud_on_planted_defects() -> None:
    clean, stats = run_fuzz("clean_app:app", None, max_examples=10, app_dir=APPS)
    assert clean == [] and stats["operations"] == 2
    result = CliRunner().invoke(
        app, ["fuzz", "defective_app:app", "--app-dir", str(APPS), "--max-examples", "10", "--json"]
    )
    data = json.loads(result.output)
    assert result.exit_code == 1
    found = {(f["code"], f["severity"], f["title"].split(":")[0]) for f in data["findings"]}
    assert ("BE400", "blocker", "GET /divide") in found
    assert ("BE403", "major", "POST /items") in found


def test_fuzz_bad_input_is_exit_2(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(app, ["fuzz", "nowhere_app:app", "--app-dir", str(tmp_path)])
    assert missing.exit_code == 2 and "nowhere_app" in missing.output and "Traceback" not in missing.output
    no_spec = runner.invoke(app, ["fuzz", "clean_app:app", "--app-dir", str(APPS), "--spec", str(tmp_path / "x")])
    assert no_spec.exit_code == 2 and "--spec" in no_spec.output


def test_slo_check_cli_reports_p95_p99_and_queries(service: Path) -> None:
    generous_latency_targets(service)
    result = CliRunner().invoke(app, ["slo-check", str(service), "--requests", "20", "--concurrency", "2", "--json"])
    data = json.loads(result.output)
    assert result.exit_code == 0, data
    for group in data["stats"]["groups"].values():
        assert 0 < group["p95_ms"] <= group["p99_ms"] and group["p95_target_ms"] > 0 and group["errors"] == 0
        assert group["calibration_p95_ms"] > 0 and 0 <= group["code_p95_ms"] <= group["p95_ms"]
    assert data["stats"]["calibration"] == "/healthz"
    assert data["stats"]["queries_per_request"] and all(q >= 1 for q in data["stats"]["queries_per_request"].values())
    bad = CliRunner().invoke(app, ["slo-check", str(GOLDEN.parent)])
    assert bad.exit_code == 2 and "Traceback" not in bad.output


@pytest.mark.postgres
def test_probe_on_postgresql_finds_no_leak(service: Path, postgres_url: str) -> None:
    """Against PostgreSQL (where row-level security is on) no tenant, role, token or SSRF leak may appear."""
    findings, stats = run_probe(service, postgres_url)
    assert stats["database"] == "postgresql" and stats["cross_tenant"] >= 10 and stats["role_matrix"] >= 40
    leaks = [f.title for f in findings if f.code in ("BE410", "BE411", "BE412", "BE413", "BE414", "BE417")]
    assert leaks == []
