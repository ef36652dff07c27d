"""Operation mapping: x-entity/x-action, inference without them, refusals and business-logic stubs."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.engines.deterministic.engine import DeterministicEngine, render_service
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES
from tests.generator.support import generate, run

SAAS = EXAMPLES / "projects-saas"
CONTRACT_FILES = (
    ".backend-engineer/bundle/openapi.yaml",
    ".backend-engineer/manifest.json",
    "docs/openapi.json",
)


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(SAAS, dst)
    return dst


def _strip_x(bundle: Path) -> None:
    path = bundle / "openapi.yaml"
    text = re.sub(r"^\s+x-(entity|action): .*\n", "", path.read_text(), flags=re.M)
    assert "x-entity" not in text
    path.write_text(text)


def _mapping(bundle_dir: Path) -> list[tuple[str, str, str, str]]:
    bundle = load_bundle(bundle_dir).bundle
    assert bundle is not None
    return [
        (e.operation_id, e.service, e.data_change, e.status)
        for e in DeterministicEngine().propose(bundle, None).endpoints
    ]


def test_all_17_operations_are_mapped() -> None:
    mapping = _mapping(SAAS)
    assert len(mapping) == 17 and all(status == "mapped" for *_, status in mapping)


def test_without_x_fields_the_mapping_and_the_tree_are_the_same(tmp_path: Path) -> None:
    bundle_dir = _copy(tmp_path)
    _strip_x(bundle_dir)
    assert _mapping(bundle_dir) == _mapping(SAAS)
    stripped = load_bundle(bundle_dir).bundle
    original = load_bundle(SAAS).bundle
    assert stripped is not None and original is not None
    assert all(
        e.inferred for e in DeterministicEngine().propose(stripped, None).endpoints if e.service != "Health.probe"
    )
    a = {p: c for p, c in render_service(stripped).items() if p not in CONTRACT_FILES}
    b = {p: c for p, c in render_service(original).items() if p not in CONTRACT_FILES}
    assert a == b


def test_unsupported_stack_is_refused_clearly(tmp_path: Path) -> None:
    bundle_dir = _copy(tmp_path)
    cfg = bundle_dir / "company.config.yaml"
    cfg.write_text(cfg.read_text().replace("framework: fastapi", "framework: django"))
    bundle = load_bundle(bundle_dir).bundle
    assert bundle is not None
    refusals = DeterministicEngine().check_support(bundle)
    assert [(r.file, r.field) for r in refusals] == [("company.config.yaml", "tech_stack.framework")]
    assert "--engine llm" in refusals[0].fix
    result = CliRunner().invoke(app, ["generate", str(bundle_dir), "--out", str(tmp_path / "svc")])
    assert result.exit_code == 6 and "django" in result.output and not (tmp_path / "svc").exists()


ARCHIVE = """  /v1/projects/{project_id}/archive:
    parameters:
      - {$ref: "#/components/parameters/ProjectId"}
    post:
      operationId: archiveProject
      parameters:
        - {$ref: "#/components/parameters/IdempotencyKey"}
      responses:
        "200":
          description: Archived.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/ArchiveResult"}
        "401": {$ref: "#/components/responses/Unauthorized"}
        "403": {$ref: "#/components/responses/Forbidden"}
        "404": {$ref: "#/components/responses/NotFound"}
        "429": {$ref: "#/components/responses/TooManyRequests"}
"""


def test_an_unmappable_operation_gets_a_port_stub_and_answers_501(tmp_path: Path) -> None:
    bundle_dir = _copy(tmp_path)
    spec = bundle_dir / "openapi.yaml"
    text = spec.read_text().replace(
        "  /v1/projects/{project_id}/tasks:", ARCHIVE + "  /v1/projects/{project_id}/tasks:"
    )
    text = text.replace(
        "    ProjectStatus:\n",
        "    ArchiveResult:\n      type: object\n      properties:\n"
        "        archived: {type: boolean}\n    ProjectStatus:\n",
    )
    spec.write_text(text)
    sec = bundle_dir / "security.yaml"
    sec.write_text(
        sec.read_text().replace(
            "    deleteWebhook: webhook:delete\n",
            "    deleteWebhook: webhook:delete\n    archiveProject: project:update\n",
        )
    )
    mapping = {op: status for op, _, _, status in _mapping(bundle_dir)}
    assert mapping["archiveProject"] == "needs business logic" and len(mapping) == 18
    service = generate(bundle_dir, tmp_path / "svc")
    stub = service / "app" / "custom" / "operations" / "archive_project.py"
    assert stub.is_file() and "never overwritten" in stub.read_text()
    assert (
        "def handle(ctx: HookContext, params: extensions.ArchiveProjectParams) -> schemas.ArchiveResult:"
        in stub.read_text()
    )
    assert "project_id: uuid.UUID" in (service / "app" / "extensions.py").read_text()
    assert "ArchiveProjectParams" in (service / "EXTENSIONS.md").read_text()
    assert "test_archive_project_is_implemented" in (service / "tests/custom/test_archive_project.py").read_text()
    probe = run([str(Path(__import__("sys").executable)), "-c", PROBE], service)
    assert probe.returncode == 0, probe.stdout + probe.stderr
    assert probe.stdout.strip().splitlines()[-1] == "501 NOT_IMPLEMENTED"


PROBE = """
import os, time, jwt, sqlalchemy
os.environ["JWT_SECRET"] = "x" * 40
from alembic import command
from alembic.config import Config
os.environ["DATABASE_URL"] = "sqlite:///./probe.db"
command.upgrade(Config("alembic.ini"), "head")
from fastapi.testclient import TestClient
from app.main import create_app
from app.spec_config import JWT
now = int(time.time())
token = jwt.encode({"sub": "u", "tenant_id": "t", "roles": ["admin"], "iss": JWT["issuer"], "aud": JWT["audience"],
                    "iat": now, "exp": now + 60}, "x" * 40, algorithm="HS256")
c = TestClient(create_app())
h = {"Authorization": "Bearer " + token, "Idempotency-Key": "key-123456"}
pid = c.post("/v1/projects", json={"name": "p"}, headers=h).json()["id"]
r = c.post(f"/v1/projects/{pid}/archive", headers={**h, "Idempotency-Key": "key-654321"})
print(r.status_code, r.json()["error"]["code"])
"""


def test_generate_cli_writes_atomically_and_refuses_a_non_empty_folder(tmp_path: Path) -> None:
    out = tmp_path / "svc"
    ok = CliRunner().invoke(app, ["generate", str(SAAS), "--out", str(out), "--json"])
    assert ok.exit_code == 0, ok.output
    assert (out / "app" / "main.py").is_file() and '"files"' in ok.output
    again = CliRunner().invoke(app, ["generate", str(SAAS), "--out", str(out)])
    assert again.exit_code == 2 and "not empty" in again.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".svc.")]
