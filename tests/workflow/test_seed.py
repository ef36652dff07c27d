from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.seeding.generate import entity_order, generate_seed
from backend_engineer.seeding.load import insert_seed
from backend_engineer.spec.bundle import load_bundle
from backend_engineer.spec.models import DataModel
from tests.conftest import EXAMPLES


def datamodel(name: str) -> DataModel:
    bundle = load_bundle(EXAMPLES / name).bundle
    assert bundle is not None and bundle.datamodel is not None
    return bundle.datamodel


def test_rows_respect_the_datamodel_constraints() -> None:
    dm = datamodel("projects-saas-v2")
    data = generate_seed(dm, tenants=3, rows=7, seed=42)
    assert entity_order(dm).index("Project") < entity_order(dm).index("Task") < entity_order(dm).index("Comment")
    for ent in dm.entities.values():
        rows = data.tables[ent.table]
        assert len(rows) == 21
        for row in rows:
            assert str(row["tenant_id"]) in data.tenants
            for fname, spec in ent.fields.items():
                value = row[fname]
                if spec.required:
                    assert value is not None, (ent.table, fname)
                if value is None:
                    continue
                if spec.max_length and isinstance(value, str):
                    assert len(value) <= spec.max_length
                if spec.min_length and isinstance(value, str):
                    assert len(value) >= spec.min_length
                if spec.values:
                    assert value in spec.values
                if spec.pattern:
                    assert re.fullmatch(spec.pattern, value)
                if spec.minimum is not None:
                    assert spec.minimum <= value <= (spec.maximum or value)
                if spec.type == "array" and spec.items and spec.items.values:
                    assert set(value) <= set(spec.items.values) and len(value) >= (spec.min_items or 0)
        for index in ent.indexes:
            if index.unique:
                keys = [tuple(str(r[f]) for f in index.fields) for r in rows]
                assert len(keys) == len(set(keys)), (ent.table, index.fields)
    projects = {r["id"]: r["tenant_id"] for r in data.tables["projects"]}
    assert all(projects[t["project_id"]] == t["tenant_id"] for t in data.tables["tasks"]), "FK stays in tenant"
    tasks = {r["id"]: r["tenant_id"] for r in data.tables["tasks"]}
    labels = {r["id"]: r["tenant_id"] for r in data.tables["labels"]}
    assert data.tables["task_labels"]
    assert all(tasks[a["task_id"]] == labels[a["label_id"]] == a["tenant_id"] for a in data.tables["task_labels"])


def test_same_seed_same_data() -> None:
    dm = datamodel("projects-saas")
    a = generate_seed(dm, seed=7)
    b = generate_seed(dm, seed=7)
    c = generate_seed(dm, seed=8)
    assert json.dumps(a.tables, default=str) == json.dumps(b.tables, default=str)
    assert json.dumps(a.tables, default=str) != json.dumps(c.tables, default=str)


def _schema(url: str, dm: DataModel) -> None:
    kinds = {
        "uuid": sa.Uuid(),
        "string": sa.String(255),
        "text": sa.Text(),
        "enum": sa.String(32),
        "integer": sa.Integer(),
        "boolean": sa.Boolean(),
        "datetime": sa.DateTime(timezone=True),
        "date": sa.Date(),
        "email": sa.String(320),
        "url": sa.String(2048),
        "array": sa.JSON(),
    }
    meta = sa.MetaData()
    for ent in dm.entities.values():
        cols = [sa.Column("tenant_id", sa.String(36), nullable=False)]
        for rel in ent.relations.values():
            if rel.field:
                parent = dm.entities[rel.entity].table
                cols.append(sa.Column(rel.field, sa.Uuid(), sa.ForeignKey(f"{parent}.id"), nullable=False))
        for fname, spec in ent.fields.items():
            cols.append(
                sa.Column(
                    fname,
                    kinds[spec.type],
                    primary_key=spec.primary_key,
                    nullable=not spec.required and not spec.primary_key,
                )
            )
        sa.Table(ent.table, meta, *cols)
    engine = sa.create_engine(url)
    meta.create_all(engine)
    engine.dispose()


def test_insert_into_sqlite_and_cli(tmp_path: Path) -> None:
    dm = datamodel("projects-saas")
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    _schema(url, dm)
    counts = insert_seed(url, generate_seed(dm, tenants=2, rows=4))
    assert counts == {"projects": 8, "tasks": 8, "comments": 8, "webhook_endpoints": 8}
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        tenants = conn.execute(sa.text("SELECT count(DISTINCT tenant_id) FROM tasks")).scalar()
        assert tenants == 2
        uuid.UUID(str(conn.execute(sa.text("SELECT id FROM projects LIMIT 1")).scalar()))
    engine.dispose()
    result = CliRunner().invoke(app, ["seed", str(EXAMPLES / "projects-saas"), "--rows", "2", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["rows"]["tasks"] == 4


def test_insert_reports_missing_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    sa.create_engine(url).connect().close()
    result = CliRunner().invoke(app, ["seed", str(EXAMPLES / "projects-saas"), "--db", url])
    assert result.exit_code == 2 and "run the migrations first" in result.output


def test_seeding_twice_is_idempotent_and_a_clash_is_refused_cleanly(tmp_path: Path) -> None:
    dm = datamodel("projects-saas")
    url = f"sqlite:///{tmp_path / 'twice.db'}"
    _schema(url, dm)
    bundle = str(EXAMPLES / "projects-saas")
    first = CliRunner().invoke(app, ["seed", bundle, "--db", url, "--rows", "3"])
    assert first.exit_code == 0, first.output
    again = CliRunner().invoke(app, ["seed", bundle, "--db", url, "--rows", "3", "--json"])
    assert again.exit_code == 0, again.output
    assert json.loads(again.output)["status"] == "already-seeded"
    bigger = CliRunner().invoke(app, ["seed", bundle, "--db", url, "--rows", "5"])
    assert bigger.exit_code == 2 and "already hold some of these rows; nothing was inserted" in bigger.output
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM tasks")).scalar() == 6, "nothing was half-inserted"
    engine.dispose()
    for result in (again, bigger):
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)


def test_a_unique_clash_from_another_seed_is_refused_without_a_traceback(tmp_path: Path) -> None:
    dm = datamodel("projects-saas")
    url = f"sqlite:///{tmp_path / 'clash.db'}"
    _schema(url, dm)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE UNIQUE INDEX ux_tenant ON projects (tenant_id)"))
    engine.dispose()
    result = CliRunner().invoke(app, ["seed", str(EXAMPLES / "projects-saas"), "--db", url, "--rows", "2"])
    assert result.exit_code == 2, result.output
    assert "clashes with rows already in the database" in result.output and "Traceback" not in result.output
