"""A custom rule and a custom handler written only against the typed extension API survive regeneration.

projects-saas gains an operation the engine cannot map (archiveProject). We build it, add a rule
(typed hooks on Project) and implement the handler, then rebuild from a changed contract that adds
another such operation (restoreProject). Our files stay byte-identical, our tests pass before and
after, the service stays mypy --strict clean, and the new operation arrives as a typed stub with a
failing test that says what to implement.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from backend_engineer.workflow.build import BuildOptions, BuildResult, iter_build
from tests.conftest import EXAMPLES
from tests.generator.support import run

pytestmark = pytest.mark.slow

OPERATION = """  /v1/projects/{{project_id}}/{verb}:
    parameters:
      - {{$ref: "#/components/parameters/ProjectId"}}
    post:
      operationId: {op}
      parameters:
        - {{$ref: "#/components/parameters/IdempotencyKey"}}
      responses:
        "200":
          description: Done.
          content:
            application/json:
              schema: {{$ref: "#/components/schemas/{result}"}}
        "401": {{$ref: "#/components/responses/Unauthorized"}}
        "403": {{$ref: "#/components/responses/Forbidden"}}
        "404": {{$ref: "#/components/responses/NotFound"}}
        "409": {{$ref: "#/components/responses/Conflict"}}
        "429": {{$ref: "#/components/responses/TooManyRequests"}}
"""

HOOKS = '''"""Our rules, on the typed hooks: no entity strings, no dicts."""

from __future__ import annotations

from app import extensions, schemas
from app.domain import entities
from app.platform.errors import Conflict, ValidationFailed
from app.service_layer.extension import HookContext


@extensions.project.validator
def no_tmp_names(ctx: HookContext, project: entities.Project) -> None:
    if project.name.startswith("tmp-"):
        raise ValidationFailed("project names may not start with tmp-", {"field": "name"})


@extensions.project.before_update
def archived_projects_are_frozen(
    ctx: HookContext, current: entities.Project, changes: schemas.ProjectUpdate
) -> schemas.ProjectUpdate:
    if current.status == "archived":
        raise Conflict("an archived project cannot change", {"reason": "ARCHIVED"})
    return changes
'''

HANDLER = '''"""archiveProject: archive a project once; the typed services run the hooks and raise the events."""

from __future__ import annotations

from app import extensions, schemas
from app.platform.errors import Conflict
from app.service_layer import project
from app.service_layer.extension import HookContext


def handle(ctx: HookContext, params: extensions.ArchiveProjectParams) -> schemas.ArchiveResult:
    current = project.get(ctx.uow, ctx.caller, params.project_id)
    if current.status == "archived":
        raise Conflict("the project is already archived", {"reason": "ARCHIVED"})
    project.update(ctx.uow, ctx.caller, params.project_id, schemas.ProjectUpdate(status="archived"))
    return schemas.ArchiveResult(archived=True)
'''

TESTS = '''"""Our rule and our handler, through the API."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from tests.conftest import Auth, new_key


def _project(client: TestClient, auth: Auth) -> str:
    response = client.post("/v1/projects", json={"name": f"real {uuid.uuid4().hex[:8]}"}, headers=auth(key=new_key()))
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_tmp_names_are_refused_on_create_and_update(client: TestClient, auth: Auth) -> None:
    created = client.post("/v1/projects", json={"name": "tmp-x"}, headers=auth(key=new_key()))
    assert created.status_code == 422 and "tmp-" in created.json()["error"]["message"]
    project_id = _project(client, auth)
    renamed = client.patch(f"/v1/projects/{project_id}", json={"name": "tmp-y"}, headers=auth(key=new_key()))
    assert renamed.status_code == 422 and "tmp-" in renamed.json()["error"]["message"]


def test_archive_freezes_the_project_once(client: TestClient, auth: Auth) -> None:
    project_id = _project(client, auth)
    archived = client.post(f"/v1/projects/{project_id}/archive", headers=auth(key=new_key()))
    assert archived.status_code == 200 and archived.json() == {"archived": True}
    assert client.get(f"/v1/projects/{project_id}", headers=auth()).json()["status"] == "archived"
    frozen = client.patch(f"/v1/projects/{project_id}", json={"name": "other"}, headers=auth(key=new_key()))
    assert frozen.status_code == 409 and frozen.json()["error"]["details"]["reason"] == "ARCHIVED"
    again = client.post(f"/v1/projects/{project_id}/archive", headers=auth(key=new_key()))
    assert again.status_code == 409


def test_archive_of_an_unknown_project_is_404(client: TestClient, auth: Auth) -> None:
    response = client.post(f"/v1/projects/{uuid.uuid4()}/archive", headers=auth(key=new_key()))
    assert response.status_code == 404
'''

OURS = {
    "app/custom/hooks.py": HOOKS,
    "app/custom/operations/archive_project.py": HANDLER,
    "tests/custom/test_archive_project.py": TESTS,
}


def _bundle(root: Path, ops: list[tuple[str, str, str]]) -> Path:
    bundle = root / "bundle"
    shutil.copytree(EXAMPLES / "projects-saas", bundle)
    spec = bundle / "openapi.yaml"
    paths = "".join(OPERATION.format(op=op, verb=verb, result=result) for op, verb, result in ops)
    text = spec.read_text().replace("  /v1/projects/{project_id}/tasks:", paths + "  /v1/projects/{project_id}/tasks:")
    text = text.replace(
        "    ProjectStatus:\n",
        "    ArchiveResult:\n      type: object\n      additionalProperties: false\n      required: [archived]\n"
        "      properties:\n        archived: {type: boolean}\n    ProjectStatus:\n",
    )
    spec.write_text(text)
    security = bundle / "security.yaml"
    grants = "".join(f"    {op}: project:update\n" for op, _, _ in ops)
    security.write_text(
        security.read_text().replace(
            "    deleteWebhook: webhook:delete\n", "    deleteWebhook: webhook:delete\n" + grants
        )
    )
    return bundle


def _build(bundle: Path, out: Path, runs: Path) -> BuildResult:
    gen = iter_build(bundle, out, approve_answer="yes", options=BuildOptions(verify=False, review=False, runs=runs))
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        result: BuildResult = stop.value
    assert result.exit_code == 0, result.message
    return result


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)


def _pytest(service: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-o", "addopts=", *args], service)


def _our_suite(service: Path) -> subprocess.CompletedProcess[str]:
    return _pytest(service, "tests/custom/test_archive_project.py")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("typed")
    service = root / "svc"
    _build(_bundle(root / "v1", [("archiveProject", "archive", "ArchiveResult")]), service, root / "runs")
    stub = (service / "app/custom/operations/archive_project.py").read_text()
    assert "def handle(ctx: HookContext, params: extensions.ArchiveProjectParams) -> schemas.ArchiveResult:" in stub
    for rel, text in OURS.items():
        (service / rel).write_text(text)
    before = _our_suite(service)
    assert before.returncode == 0, before.stdout[-3000:]
    _git(service, "add", "-A")
    _git(service, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "feat(custom): archive")
    v2 = _bundle(
        root / "v2",
        [("archiveProject", "archive", "ArchiveResult"), ("restoreProject", "restore", "Project")],
    )
    _build(v2, service, root / "runs2")
    return service


def test_our_files_are_untouched_by_regeneration(regenerated: Path) -> None:
    for rel, text in OURS.items():
        assert (regenerated / rel).read_text() == text, rel


def test_our_rule_and_handler_still_work_after_regeneration(regenerated: Path) -> None:
    result = _our_suite(regenerated)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 passed" in result.stdout


def test_the_regenerated_service_is_mypy_strict_and_ruff_clean(regenerated: Path) -> None:
    assert "strict = true" in (regenerated / "pyproject.toml").read_text()
    mypy = run([sys.executable, "-m", "mypy"], regenerated)
    assert mypy.returncode == 0, mypy.stdout[-3000:]
    ruff = run([str(Path(sys.executable).with_name("ruff")), "check", "."], regenerated)
    assert ruff.returncode == 0, ruff.stdout[-3000:]


def test_a_new_operation_arrives_as_a_typed_stub_with_a_failing_test(regenerated: Path) -> None:
    stub = (regenerated / "app/custom/operations/restore_project.py").read_text()
    assert "def handle(ctx: HookContext, params: extensions.RestoreProjectParams) -> entities.Project:" in stub
    assert "restoreProject" in (regenerated / "EXTENSIONS.md").read_text()
    todo = _pytest(regenerated, "tests/custom/test_restore_project.py")
    assert todo.returncode == 1, todo.stdout[-2000:]
    assert "implement handle() in app/custom/operations/restore_project.py" in todo.stdout


def test_the_whole_generated_suite_passes_but_for_the_new_todo(regenerated: Path) -> None:
    result = _pytest(regenerated)
    assert result.returncode == 1 and result.stdout.splitlines()[-1].startswith("1 failed,"), result.stdout[-3000:]
    assert "FAILED tests/custom/test_restore_project.py::test_restore_project_is_implemented" in result.stdout
