"""The typed layer's shape: per-entity modules and hooks, read-only contracts, the service's EXTENSIONS.md."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

from backend_engineer.engines.deterministic.ir import ServiceIR, build_ir
from backend_engineer.engines.deterministic.tree import render_tree
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES
from tests.generator.support import generate, run


def _ir() -> ServiceIR:
    bundle = load_bundle(EXAMPLES / "projects-saas").bundle
    assert bundle is not None
    return build_ir(bundle)


def _read_only(ir: ServiceIR) -> ServiceIR:
    """The same service with only list/get/delete: no operation has a JSON request body."""
    kept = [o for o in ir.operations if o.action in ("list", "get", "delete")]
    return dataclasses.replace(ir, operations=kept, unmapped=[])


def test_a_contract_without_request_bodies_still_generates() -> None:
    files = render_tree(_read_only(_ir()))
    schemas = files["app/schemas.py"].decode()
    assert "from pydantic import" not in schemas and "class " not in schemas
    for path, content in files.items():
        if path.endswith(".py"):
            compile(content, path, "exec")
    hooks = files["app/extensions.py"].decode()
    assert "task: EntityHooks[entities.Task, None, None]" in hooks
    service = files["app/service_layer/task.py"].decode()
    assert "def create(" not in service and "def delete(" in service


def test_every_entity_gets_a_typed_model_service_and_hook_registry() -> None:
    ir = _ir()
    files = render_tree(ir)
    entities = files["app/domain/entities.py"].decode()
    extensions = files["app/extensions.py"].decode()
    routes = files["app/entrypoints/api/routes.py"].decode()
    for name, module in (
        ("Project", "project"),
        ("Task", "task"),
        ("Comment", "comment"),
        ("WebhookEndpoint", "webhook_endpoint"),
    ):
        assert f"class {name}(DomainModel):" in entities
        service = files[f"app/service_layer/{module}.py"].decode()
        assert f"class {name}Repository:" in service and "def get(uow: UnitOfWork, ctx: Context" in service
        assert f"{module}: EntityHooks[entities.{name}," in extensions
        assert f"{module}_service." in routes
    assert "Any" not in entities
    assert "status: Literal['todo', 'in_progress', 'done']" in entities.replace('"', "'")
    assert "project_id: uuid.UUID" in entities
    task = files["app/service_layer/task.py"].decode()
    assert "def create(uow: UnitOfWork, ctx: Context, data: schemas.TaskCreate, *, project_id: uuid.UUID)" in task
    assert "status: str | None = None" in task and "priority: int | None = None" in task


def test_the_service_documents_its_own_extension_api() -> None:
    files = render_tree(_ir())
    doc = files["EXTENSIONS.md"].decode()
    assert "`extensions.task`" in doc and "`entities.WebhookEndpoint`" in doc
    assert "before_create" in doc and "validator" in doc and "mypy --strict" in doc
    assert "app/custom/hooks.py" in files and files["app/custom/hooks.py"].startswith(b"# Created once")
    assert not any(p.startswith(("app/ports/", "app/adapters/memory")) for p in files)
    assert "tests/fakes.py" in files
    hooks = files["tests/test_hooks.py"].decode()
    for name in ("project", "task", "comment", "webhook_endpoint"):
        assert f"def test_{name}_hooks_run_around_the_typed_use_cases()" in hooks
        assert f"def test_a_{name}_validator_refuses_the_change_and_nothing_is_written()" in hooks


SUMMARY = """  /v1/projects/{project_id}/summary:
    parameters:
      - {$ref: "#/components/parameters/ProjectId"}
    get:
      operationId: projectSummary
      parameters:
        - {name: from, in: query, schema: {type: string, format: date}}
        - {name: top, in: query, schema: {type: integer, minimum: 1, maximum: 10}}
        - {name: kind, in: query, schema: {type: string, enum: [open, all]}}
      responses:
        "200":
          description: A summary.
          content:
            application/json:
              schema: {type: object}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
"""
SUMMARY_HANDLER = """from __future__ import annotations

from app import extensions
from app.service_layer import project
from app.service_layer.extension import HookContext, Json


def handle(ctx: HookContext, params: extensions.ProjectSummaryParams) -> Json:
    current = project.get(ctx.uow, ctx.caller, params.project_id)
    return {"name": current.name, "from": params.from_, "top": params.top, "kind": params.kind}
"""
SUMMARY_PROBE = """
import os, time, jwt
os.environ["JWT_SECRET"] = "x" * 40
os.environ["DATABASE_URL"] = "sqlite:///./probe.db"
from alembic import command
from alembic.config import Config
command.upgrade(Config("alembic.ini"), "head")
from fastapi.testclient import TestClient
from app.main import create_app
from app.spec_config import JWT
now = int(time.time())
token = jwt.encode({"sub": "u", "tenant_id": "t", "roles": ["admin"], "iss": JWT["issuer"], "aud": JWT["audience"],
                    "iat": now, "exp": now + 60}, "x" * 40, algorithm="HS256")
c = TestClient(create_app())
h = {"Authorization": "Bearer " + token}
pid = c.post("/v1/projects", json={"name": "p"}, headers={**h, "Idempotency-Key": "key-123456"}).json()["id"]
ok = c.get(f"/v1/projects/{pid}/summary?from=2026-01-01&top=3&kind=open", headers=h)
bare = c.get(f"/v1/projects/{pid}/summary", headers=h)
bad = c.get(f"/v1/projects/{pid}/summary?top=x", headers=h)
print(ok.status_code, ok.json(), bare.json(), bad.status_code)
"""


def test_handlers_get_typed_query_parameters(tmp_path: Path) -> None:
    bundle_dir = tmp_path / "bundle"
    shutil.copytree(EXAMPLES / "projects-saas", bundle_dir)
    spec = bundle_dir / "openapi.yaml"
    spec.write_text(
        spec.read_text().replace("  /v1/projects/{project_id}/tasks:", SUMMARY + "  /v1/projects/{project_id}/tasks:")
    )
    security = bundle_dir / "security.yaml"
    security.write_text(
        security.read_text().replace(
            "    deleteWebhook: webhook:delete\n",
            "    deleteWebhook: webhook:delete\n    projectSummary: project:read\n",
        )
    )
    service = generate(bundle_dir, tmp_path / "svc")
    params = (service / "app" / "extensions.py").read_text()
    assert "from_: str | None = None" in params and "top: int | None = None" in params
    (service / "app" / "custom" / "operations" / "project_summary.py").write_text(SUMMARY_HANDLER)
    probe = run([sys.executable, "-c", SUMMARY_PROBE], service)
    assert probe.returncode == 0, probe.stderr[-2000:]
    assert probe.stdout.strip().splitlines()[-1] == (
        "200 {'name': 'p', 'from': '2026-01-01', 'top': 3, 'kind': 'open'} "
        "{'name': 'p', 'from': None, 'top': None, 'kind': None} 400"
    )
    mypy = run([sys.executable, "-m", "mypy", "app"], service)
    assert mypy.returncode == 0, mypy.stdout[-3000:]
