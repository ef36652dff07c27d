from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.findings import Severity
from backend_engineer.verify.depscan import DepScanError, scan

OSV = Path(__file__).parent / "fixtures" / "osv"


def lock(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "requirements.txt"
    path.write_text(text)
    return path


def test_vulnerable_versions_are_found(tmp_path: Path) -> None:
    findings, stats = scan(OSV, lock(tmp_path, "demo-pkg==1.1.9\nother.pkg==3.0.1\nsafe==1.0\n"))
    assert [(f.code, f.severity) for f in findings] == [("BE501", Severity.BLOCKER), ("BE501", Severity.MAJOR)]
    assert "upgrade to 1.2.0" in findings[1].recommendation and stats == {"packages": 3, "advisories": 2}


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
    result = CliRunner().invoke(app, ["dep-scan"])
    assert result.exit_code == 2 and "no advisory database" in result.output


def test_cli_reports_findings(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["dep-scan", "--db", str(OSV), "--lock", str(lock(tmp_path, "demo-pkg==1.0\n")), "--json"]
    )
    assert result.exit_code == 1 and "PYSEC-TEST-1" in result.output
