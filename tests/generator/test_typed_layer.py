"""The typed layer's shape: per-entity modules and hooks, read-only contracts, the service's EXTENSIONS.md."""

from __future__ import annotations

import dataclasses

from backend_engineer.engines.deterministic.ir import ServiceIR, build_ir
from backend_engineer.engines.deterministic.tree import render_tree
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES


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
