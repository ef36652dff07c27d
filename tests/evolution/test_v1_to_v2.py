"""projects-saas v1 → v2 on a generated service with custom edits and seeded data (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import uuid
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
    alembic(service, url, "downgrade", "0001")
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
    assert [r.split("_", 1)[0] for r in checked.revisions] == ["0001", "0002", "0003"], checked.revisions


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
    migrations = [f.path for f in changes[0].files]
    assert migrations == [
        "migrations/versions/0002_evolve_to_v2.py",
        "migrations/versions/0003_evolve_to_v2_indexes.py",
    ]
    assert all(len(c.files) <= 15 for c in changes)
    planned = {f.path: f.action for c in changes for f in c.files}
    assert not {"app/custom/hooks.py", "tests/custom/__init__.py", "tests/custom/test_rules.py"} & set(planned)
    assert all(planned[p] == "add" for p in planned if p.startswith(("app/custom/", "tests/custom/")))


def _schema(url: str) -> dict[str, object]:
    engine = sa.create_engine(url)
    inspector = sa.inspect(engine)
    with engine.connect() as conn:
        version = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    schema = {
        "version": version,
        "tables": {
            t: (
                sorted((c["name"], str(c["type"])) for c in inspector.get_columns(t)),
                sorted(i["name"] or "" for i in inspector.get_indexes(t)),
            )
            for t in sorted(inspector.get_table_names())
        },
    }
    engine.dispose()
    return schema


def _refused_downgrade(v1_service: Path, tmp_path: Path, url: str) -> None:
    service = tmp_path / "svc"
    subprocess.run(["git", "clone", "-q", str(v1_service), str(service)], check=True)
    _events, result = build(V2, service, tmp_path / "runs")
    assert result.exit_code == 0, result.message
    assert result.status == "built-needs-business-logic", result.status
    assert result.message.startswith("built, 2 operation(s) need business logic: attachLabel, detachLabel")
    alembic(service, url, "upgrade", "0002")
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO projects (id, tenant_id, name, status, owner_id, created_at, updated_at, version) "
                "VALUES (:id, 't1', :name, 'active', 'u1', :now, :now, 1)"
            ),
            {"id": uuid.uuid4().hex, "name": "p" * 150, "now": dt.datetime.now(dt.UTC)},
        )
    engine.dispose()
    before = _schema(url)
    assert before["version"] == "0002"
    assert "labels" in before["tables"] and "ix_labels_tenant_id_name" in before["tables"]["labels"][1]  # type: ignore[index]
    proc = subprocess.run(
        [sys.executable, "-m", "alembic", "downgrade", "-1"],
        cwd=service,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode != 0
    assert "cannot narrow projects.name back to 120: 1 row(s) are longer" in proc.stderr
    assert _schema(url) == before, "a refused downgrade changes nothing"


def test_refused_downgrade_leaves_sqlite_at_0002(v1_service: Path, tmp_path: Path) -> None:
    _refused_downgrade(v1_service, tmp_path, f"sqlite:///{tmp_path / 'data.db'}")


@pytest.mark.postgres
def test_refused_downgrade_leaves_postgresql_at_0002(v1_service: Path, tmp_path: Path, postgres_url: str) -> None:
    _refused_downgrade(v1_service, tmp_path, postgres_url)


def test_plan_text_commit_subjects_and_migration_notes_are_true(v1_service: Path, tmp_path: Path) -> None:
    from backend_engineer.handoff.migrations import migration_notes
    from backend_engineer.workflow.api import make_plan

    plan = make_plan(V2, v1_service, runs=tmp_path / "runs").plan
    assert plan.checklist[0] == (
        "Apply 2 migration file(s) first: 2 new table(s) (labels, task_labels) with indexes and tenant RLS; "
        "2 changed table(s) (tasks: new column last_activity_at, new index (tenant_id, due_date); "
        "projects: widen name 120 -> 200); each with a tested downgrade"
    )
    for change in plan.changes[1:]:
        actions = {f.action for f in change.files}
        verb = {frozenset({"add"}): "add ", frozenset({"modify"}): "change "}.get(frozenset(actions), "add and change ")
        assert change.commit_message.split(": ", 1)[1].startswith(verb), (change.commit_message, actions)
    assert any(c.commit_message.startswith("feat(api): change ") for c in plan.changes)

    service = tmp_path / "svc"
    subprocess.run(["git", "clone", "-q", str(v1_service), str(service)], check=True)
    _events, result = build(V2, service, tmp_path / "runs")
    assert result.exit_code == 0, result.message
    notes = {n["revision"]: n for n in migration_notes(service)}
    assert notes["0002"]["rollback_steps"] == [
        "alembic downgrade 0001  # reverts 0002",
        "downgrade runs: refuse before any change: cannot narrow ...",
        "downgrade runs: alter column projects.name to sa.String(120)",
        "downgrade runs: drop column tasks.last_activity_at",
        "downgrade runs: execute DROP POLICY IF EXISTS tenant_isolation ON {table} for each table in "
        "NEW_TENANT_TABLES (PostgreSQL)",
        "downgrade runs: drop index ix_task_labels_label_id on task_labels",
        "downgrade runs: drop table task_labels",
        "downgrade runs: drop index ix_labels_tenant_id_name on labels",
        "downgrade runs: drop table labels",
        "downgrade runs: execute checkpoints.delete().where(checkpoints.c.job.like('0002:backfill:%'))",
    ]
    assert notes["0003"]["rollback_steps"] == [
        "alembic downgrade 0002  # reverts 0003",
        "downgrade runs: drop index ix_tasks_tenant_id_due_date on tasks (CONCURRENTLY on PostgreSQL)",
    ]
    text = (result.run_dir / "handoff.md").read_text()  # type: ignore[operator]
    assert "- - " not in text and "get_bind" not in text and "get_context" not in text
    assert "\n- irreversible for data: the new tables and columns are dropped with their contents\n" in text


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
