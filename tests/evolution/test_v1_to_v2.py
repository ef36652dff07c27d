"""projects-saas v1 → v2 on a generated service with custom edits and seeded data (SQLite and PostgreSQL)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa

from backend_engineer import exit_codes
from backend_engineer.seeding.generate import generate_seed
from backend_engineer.seeding.load import insert_seed
from backend_engineer.spec.bundle import load_bundle
from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from tests.conftest import EXAMPLES

V1, V2 = EXAMPLES / "projects-saas", EXAMPLES / "projects-saas-v2"
CUSTOM_RULE = '''"""Our rule: project names may not start with 'tmp-' (a typed hook, no entity strings)."""

from __future__ import annotations

from app import extensions, schemas
from app.platform.errors import ValidationFailed
from app.service_layer.extension import HookContext


@extensions.project.before_create
def no_tmp_projects(ctx: HookContext, data: schemas.ProjectCreate) -> schemas.ProjectCreate:
    if data.name.startswith("tmp-"):
        raise ValidationFailed("project names may not start with tmp-")
    return data
'''
CUSTOM_TEST = """from fastapi.testclient import TestClient

from tests.conftest import Auth, new_key


def test_tmp_projects_are_refused(client: TestClient, auth: Auth) -> None:
    response = client.post("/v1/projects", json={"name": "tmp-x"}, headers=auth(key=new_key()))
    assert response.status_code == 422 and "tmp-" in response.json()["error"]["message"]
"""


def build(bundle: Path, out: Path, runs: Path) -> tuple[list, BuildResult]:
    gen = iter_build(bundle, out, approve_answer="yes", options=BuildOptions(verify=False, review=False, runs=runs))
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        return events, stop.value


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True).stdout


def alembic(service: Path, url: str, *args: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", *args],
        cwd=service,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]


def counts(url: str, tables: list[str]) -> dict[str, int]:
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        out = {t: int(conn.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() or 0) for t in tables}
    engine.dispose()
    return out


@pytest.fixture(scope="module")
def v1_service(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("evo")
    out = root / "svc"
    _, result = build(V1, out, root / "runs")
    assert result.exit_code == 0, result.message
    (out / "app" / "custom" / "hooks.py").write_text(CUSTOM_RULE)
    (out / "tests" / "custom").mkdir(parents=True)
    (out / "tests" / "custom" / "__init__.py").write_text("")
    (out / "tests" / "custom" / "test_rules.py").write_text(CUSTOM_TEST)
    git(out, "add", "-A")
    git(out, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "feat(custom): tmp- rule")
    return out


def _upgrade_with_data(v1_service: Path, tmp_path: Path, url: str) -> None:
    service = tmp_path / "svc"
    subprocess.run(["git", "clone", "-q", str(v1_service), str(service)], check=True)
    alembic(service, url, "upgrade", "head")
    datamodel = load_bundle(V1).bundle.datamodel  # type: ignore[union-attr]
    assert datamodel is not None
    insert_seed(url, generate_seed(datamodel, tenants=3, rows=40, seed=3))
    tables = ["projects", "tasks", "comments", "webhook_endpoints"]
    before = counts(url, tables)
    assert before["tasks"] == 120
    events, result = build(V2, service, tmp_path / "runs")
    assert result.exit_code == 0, result.message
    assert any("evolving the existing service" in e.message for e in events)
    log = git(service, "log", "--format=%s", f"-{len(result.commits)}").splitlines()
    assert log[-1].startswith("feat(db): migrate the schema"), log
    assert all(len(git(service, "show", "--name-only", "--format=", c.sha).split()) <= 15 for c in result.commits)
    assert (service / "app" / "custom" / "hooks.py").read_text() == CUSTOM_RULE
    assert (service / "tests" / "custom" / "test_rules.py").read_text() == CUSTOM_TEST
    todo = (service / "tests" / "custom" / "test_attach_label.py").read_text()
    assert "app/custom/operations/attach_label.py" in todo, "v2's new handler comes with a test saying what to do"
    alembic(service, url, "upgrade", "head")
    assert counts(url, tables) == before, "every v1 row survives the upgrade"
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        missing = conn.execute(sa.text("SELECT count(*) FROM tasks WHERE last_activity_at IS NULL")).scalar()
        same = conn.execute(sa.text("SELECT count(*) FROM tasks WHERE last_activity_at = updated_at")).scalar()
        labels = conn.execute(sa.text("SELECT count(*) FROM labels")).scalar()
    engine.dispose()
    assert missing == 0 and same == 120 and labels == 0
    alembic(service, url, "downgrade", "-1")
    assert counts(url, tables) == before, "downgrade back to v1 keeps the data"
    engine = sa.create_engine(url)
    assert "last_activity_at" not in {c["name"] for c in sa.inspect(engine).get_columns("tasks")}
    assert "labels" not in sa.inspect(engine).get_table_names()
    engine.dispose()
    tests = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-x",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "tests/custom/test_rules.py",
            "tests/test_api.py",
            "tests/test_migrations.py",
        ],
        cwd=service,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
        env={k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")},
    )
    assert tests.returncode == 0, tests.stdout[-3000:]
    from backend_engineer.verify.migrations.check import check_project

    server = url.rsplit("/", 1)[0] + "/postgres" if url.startswith("postgresql") else None
    checked = check_project(service, pg_url=server, try_local_pg=False)
    assert [f for f in checked.findings if f.severity >= 2] == [], checked.findings
    assert checked.revisions[-1].startswith("0002_")


def test_v1_to_v2_on_sqlite_keeps_data_and_custom_code(v1_service: Path, tmp_path: Path) -> None:
    _upgrade_with_data(v1_service, tmp_path, f"sqlite:///{tmp_path / 'data.db'}")


@pytest.mark.postgres
def test_v1_to_v2_on_postgresql_keeps_data(v1_service: Path, tmp_path: Path, postgres_url: str) -> None:
    _upgrade_with_data(v1_service, tmp_path, postgres_url)


def test_hand_edited_generated_file_is_a_conflict(v1_service: Path, tmp_path: Path) -> None:
    service = tmp_path / "svc"
    subprocess.run(["git", "clone", "-q", str(v1_service), str(service)], check=True)
    routes = service / "app" / "entrypoints" / "api" / "routes.py"
    routes.write_text(routes.read_text() + "\n# hand edit\n")
    git(service, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qam", "edit generated")
    head = git(service, "rev-parse", "HEAD")
    _events, result = build(V2, service, tmp_path / "runs")
    assert result.exit_code == exit_codes.CONFLICT
    assert "app/entrypoints/api/routes.py" in result.message
    assert git(service, "rev-parse", "HEAD") == head and routes.read_text().endswith("# hand edit\n")


def test_plan_lists_the_migration_first(v1_service: Path, tmp_path: Path) -> None:
    from backend_engineer.workflow.api import make_plan

    result = make_plan(V2, v1_service, runs=tmp_path / "runs")
    changes = result.plan.changes
    assert changes[0].files[0].path.startswith("migrations/versions/0002_") and len(changes[0].files) == 1
    assert all(len(c.files) <= 15 for c in changes)
    planned = {f.path: f.action for c in changes for f in c.files}
    assert not {"app/custom/hooks.py", "tests/custom/__init__.py", "tests/custom/test_rules.py"} & set(planned)
    assert all(planned[p] == "add" for p in planned if p.startswith(("app/custom/", "tests/custom/")))


def test_rules_written_for_the_untyped_api_are_refused_not_dropped(v1_service: Path, tmp_path: Path) -> None:
    service = tmp_path / "svc"
    subprocess.run(["git", "clone", "-q", str(v1_service), str(service)], check=True)
    legacy = (
        "from typing import Any\n\n\n"
        "def before_create(entity: str, record: dict[str, Any], subject: str) -> dict[str, Any]:\n"
        "    if entity == 'Project' and record['name'].startswith('x'):\n"
        "        raise ValueError('no')\n"
        "    return record\n"
    )
    (service / "app" / "custom" / "rules.py").write_text(legacy)
    git(service, "add", "-A")
    git(service, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "old-style rule")
    head = git(service, "rev-parse", "HEAD")
    _events, result = build(V2, service, tmp_path / "runs")
    assert result.exit_code == exit_codes.CONFLICT
    assert "app/custom/rules.py" in result.message and "app/custom/hooks.py" in result.message
    assert git(service, "rev-parse", "HEAD") == head
