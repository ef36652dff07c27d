from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.findings import Severity
from backend_engineer.verify.depscan import OSV_ENV, REPO_ROOT, DepScanError, default_db, describe, scan

OSV = Path(__file__).parent / "fixtures" / "osv"


def lock(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return path


def test_vulnerable_versions_are_found(tmp_path: Path) -> None:
    findings, stats = scan(OSV, lock(tmp_path, "demo-pkg==1.1.9\nother.pkg==3.0.1\nsafe==1.0\n"))
    assert [(f.code, f.severity) for f in findings] == [("BE501", Severity.BLOCKER), ("BE501", Severity.MAJOR)]
    assert "upgrade to 1.2.0" in findings[1].recommendation
    assert (stats["packages"], stats["advisories"], stats["snapshot"]) == (3, 2, None)


def test_fixed_versions_are_clean(tmp_path: Path) -> None:
    findings, _ = scan(OSV, lock(tmp_path, "demo-pkg==1.2.0\nother-pkg==3.0.2\n"))
    assert findings == []


def test_zip_databases_work(tmp_path: Path) -> None:
    archive = tmp_path / "osv.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in OSV.glob("*.json"):
            z.write(path, path.name)
    findings, _ = scan(archive, lock(tmp_path, "demo-pkg==1.0.0\n"))
    assert len(findings) == 1


def test_no_database_is_an_error_never_a_clean_result(tmp_path: Path) -> None:
    with pytest.raises(DepScanError, match="no advisory database"):
        scan(None)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DepScanError, match="empty"):
        scan(empty, lock(tmp_path, "x==1\n"))
    result = CliRunner().invoke(app, ["dep-scan"], env={OSV_ENV: "none"})
    assert result.exit_code == 2 and "no advisory database" in result.output


def test_cli_reports_findings(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["dep-scan", "--db", str(OSV), "--lock", str(lock(tmp_path, "demo-pkg==1.0\n")), "--json"]
    )
    assert result.exit_code == 1 and "PYSEC-TEST-1" in result.output


def test_poetry_and_uv_locks_report_the_line(tmp_path: Path) -> None:
    for name in ("poetry.lock", "uv.lock"):
        path = tmp_path / name
        path.write_text(
            '[[package]]\nname = "safe"\nversion = "1.0"\n\n[[package]]\nname = "demo_pkg"\nversion = "1.0.5"\n'
        )
        findings, stats = scan(OSV, path)
        assert [(f.code, f.line) for f in findings] == [("BE501", 6)] and stats["packages"] == 2


def test_ranges_withdrawn_and_broken_advisories(tmp_path: Path) -> None:
    db = tmp_path / "db"
    db.mkdir()
    advisory = {
        "id": "GHSA-TEST-3",
        "database_specific": {"severity": "CRITICAL"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "ranged"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "1.0"}, {"fixed": "1.4"}, {"introduced": "2.0"}]},
                    {"type": "ECOSYSTEM", "events": [{"introduced": "0.5"}, {"last_affected": "0.7"}]},
                ],
            },
            {"package": {"ecosystem": "npm", "name": "ranged"}, "versions": ["1.5"]},
        ],
    }
    (db / "a.json").write_text(json.dumps(advisory))
    (db / "w.json").write_text(json.dumps({**advisory, "id": "GHSA-GONE", "withdrawn": "2026-01-01T00:00:00Z"}))
    verdicts = {}
    for version in ("0.4", "0.6", "0.8", "1.0", "1.3.9", "1.4", "1.9", "2.0", "3.1"):
        found, _ = scan(db, lock(tmp_path, f"ranged=={version}\n"))
        verdicts[version] = [f.title.split(": ")[1] for f in found]
    affected = {v for v, ids in verdicts.items() if ids}
    assert affected == {"0.6", "1.0", "1.3.9", "2.0", "3.1"}, verdicts
    assert all(ids in ([], ["GHSA-TEST-3"]) for ids in verdicts.values())
    (db / "broken.json").write_text("{not json")
    result = CliRunner().invoke(app, ["dep-scan", "--db", str(db), "--lock", str(lock(tmp_path, "ranged==1.0\n"))])
    assert result.exit_code == 2 and "broken.json" in result.output and "Traceback" not in result.output


def _shared_snapshot(tmp_path: Path) -> Path:
    """A checkout at tmp/repo with tmp/shared/osv/ beside it, as CI lays them out."""
    osv = tmp_path / "shared" / "osv"
    osv.mkdir(parents=True)
    with zipfile.ZipFile(osv / "pypi-advisories.zip", "w") as z:
        for path in OSV.glob("*.json"):
            z.write(path, path.name)
    (osv / "README.md").write_text("Snapshot of pypa/advisory-database (commit abc1234, 2024-10-10).\n")
    (tmp_path / "repo").mkdir()
    return tmp_path / "repo"


def test_the_default_database_is_shared_osv_beside_the_repository(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(OSV_ENV, raising=False)
    repo = _shared_snapshot(tmp_path)
    db = default_db(repo)
    assert db == (tmp_path / "shared" / "osv").resolve()
    findings, stats = scan(db, lock(tmp_path, "demo-pkg==1.0\n"))
    assert len(findings) == 1 and stats["snapshot"] == "2024-10-10" and stats["advisories"] == 2
    assert "advisories up to 2024-10-10" in describe(stats)
    assert default_db(tmp_path / "repo" / "nested") is None
    monkeypatch.setenv(OSV_ENV, str(OSV))
    assert default_db(repo) == OSV
    monkeypatch.setenv(OSV_ENV, "none")
    assert default_db(repo) is None


def test_ci_has_the_shared_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv(OSV_ENV, raising=False)
    found = default_db()
    if os.environ.get("CI") != "true" and found is None:
        pytest.skip(f"no ../shared/osv beside {REPO_ROOT}; CI checks out shared/ beside the clone")
    assert found is not None, f"CI must provide ../shared/osv beside {REPO_ROOT}"
    _, stats = scan(found)
    assert stats["snapshot"] and stats["advisories"] > 1000


def test_verify_reports_the_snapshot_date(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from backend_engineer.verify.runner import VerifyOptions, _deps

    repo = _shared_snapshot(tmp_path)
    monkeypatch.setenv(OSV_ENV, str(repo.parent / "shared" / "osv"))
    result = _deps(tmp_path, VerifyOptions())
    assert result.status in {"passed", "failed"} and "up to 2024-10-10" in result.summary
    monkeypatch.setenv(OSV_ENV, "none")
    assert _deps(tmp_path, VerifyOptions()).status == "skipped"
