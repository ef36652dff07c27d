"""migration-check against fixture projects with planted defects, and on a generated service."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.findings import Severity
from backend_engineer.verify.migrations.check import MigrationCheckError, check_project, squawk_binary
from tests.conftest import ROOT

FIXTURES = Path(__file__).parent / "fixtures" / "migrations"


def codes(folder: str) -> set[str]:
    return {f.code for f in check_project(FIXTURES / folder, try_local_pg=False, squawk=False).findings}


def test_clean_project_passes_on_sqlite() -> None:
    result = check_project(FIXTURES / "clean", try_local_pg=False, squawk=False)
    assert result.findings == [] and result.databases["sqlite"] == "checked"
    assert result.revisions == ["0001_rev", "0002_rev"]


def test_noop_downgrade_is_caught_statically_and_by_the_round_trip() -> None:
    found = check_project(FIXTURES / "noop_downgrade", try_local_pg=False, squawk=False).findings
    assert {"BE208", "BE209"} <= {f.code for f in found}
    assert any("does not restore" in f.title for f in found)


def test_multiple_heads_are_a_blocker() -> None:
    assert "BE201" in codes("multi_head")


def test_dangerous_operations_are_flagged() -> None:
    assert {"BE202", "BE203", "BE204", "BE205", "BE206", "BE207"} <= codes("dangerous")


def test_model_drift_is_reported() -> None:
    found = check_project(FIXTURES / "drift", try_local_pg=False, squawk=False).findings
    assert [f.code for f in found] == ["BE210"] and "missing_in_migrations" in found[0].evidence


@pytest.mark.postgres
def test_round_trip_on_postgresql(postgres_url: str) -> None:
    server = postgres_url.rsplit("/", 1)[0] + "/postgres"
    clean = check_project(FIXTURES / "clean", pg_url=server, squawk=False)
    assert clean.findings == [] and clean.databases["postgresql"] == "checked"
    noop = check_project(FIXTURES / "noop_downgrade", pg_url=server, squawk=False)
    rls = check_project(FIXTURES / "rls_leftover", pg_url=server, squawk=False)
    assert [(f.code, f.title) for f in rls.findings] == [
        ("BE209", "postgresql: downgrade of 0003 does not restore the previous schema")
    ]
    assert "row_level_security" in rls.findings[0].evidence and rls.findings[0].path.endswith("0003_rev.py")
    assert any(f.code == "BE209" and f.title.startswith("postgresql") for f in noop.findings)


def test_generated_service_passes() -> None:
    result = check_project(ROOT / "tests" / "golden" / "projects-saas", try_local_pg=False)
    assert [f for f in result.findings if f.source != "squawk"] == []
    assert all(f.severity == Severity.MINOR for f in result.findings), [f.title for f in result.findings]


def test_not_an_alembic_project(tmp_path: Path) -> None:
    with pytest.raises(MigrationCheckError):
        check_project(tmp_path)
    result = CliRunner().invoke(app, ["migration-check", str(tmp_path)])
    assert result.exit_code == 2 and "alembic.ini" in result.output


def test_cli_fails_on_the_noop_fixture() -> None:
    result = CliRunner().invoke(
        app, ["migration-check", str(FIXTURES / "noop_downgrade"), "--sqlite-only", "--no-squawk", "--json"]
    )
    assert result.exit_code == 1 and '"BE209"' in result.output


def test_squawk_findings_map_to_their_revision_files() -> None:
    if squawk_binary() is None:
        reason = "squawk-cli is not installed (it comes with the dev extra: pip install -e '.[dev]')"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}; CI must run this test")
        pytest.skip(reason)
    result = check_project(FIXTURES / "dangerous", try_local_pg=False)
    assert result.databases["squawk"].startswith("checked")
    squawk = {(Path(f.path).name, f.title.split(":")[0]) for f in result.findings if f.code == "BE211"}
    assert ("0002_rev.py", "squawk adding-required-field") in squawk
    assert ("0002_rev.py", "squawk changing-column-type") in squawk
    assert ("0002_rev.py", "squawk require-lock-timeout") in squawk
    assert all(name in ("0001_rev.py", "0002_rev.py") for name, _ in squawk)
    clean = check_project(FIXTURES / "clean", try_local_pg=False)
    assert {f.title.split(":")[0] for f in clean.findings} <= {
        "squawk prefer-text-field",
        "squawk prefer-bigint-over-int",
        "squawk prefer-identity",
    }


def test_unchecked_drift_is_said_not_hidden(tmp_path: Path) -> None:
    project = tmp_path / "nometa"
    shutil.copytree(FIXTURES / "clean", project, ignore=shutil.ignore_patterns("__pycache__"))
    env = project / "migrations" / "env.py"
    env.write_text(env.read_text().replace("target_metadata=metadata", "target_metadata=None"))
    found = check_project(project, try_local_pg=False, squawk=False).findings
    assert [(f.code, f.severity, f.title) for f in found] == [
        ("BE210", Severity.MINOR, "sqlite: model drift was not checked")
    ]
