from __future__ import annotations

import shutil
from pathlib import Path

from backend_engineer.engines.base import ChangeGroup, PlannedFile
from backend_engineer.planning.plan import build_plan, split_changes
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES
from tests.workflow.support import FileEngine


def _plan(bundle_dir: Path, code_files: int = 20):  # type: ignore[no-untyped-def]
    bundle = load_bundle(bundle_dir).bundle
    assert bundle is not None
    engine = FileEngine(code_files=code_files)
    return build_plan(bundle, engine.propose(bundle, None), engine.name)


def test_changes_are_split_at_the_limit_with_migrations_first() -> None:
    plan = _plan(EXAMPLES / "projects-saas", code_files=31)
    assert plan.max_files_per_change == 15
    assert all(len(c.files) <= 15 for c in plan.changes)
    assert plan.changes[0].files[0].kind == "migration"
    assert [len(c.files) for c in plan.changes] == [1, 15, 15, 1, 1]
    assert plan.changes[1].commit_message == "feat(api): add the application modules (part 1/3)"
    assert plan.changes[-1].commit_message == "docs(docs): document the service"
    assert sum(len(c.files) for c in plan.changes) == 33


def test_split_respects_a_smaller_company_limit() -> None:
    files = tuple(PlannedFile(f"f{i}.py", "code") for i in range(7))
    changes = split_changes([ChangeGroup("g", "core", "add", files)], 3)
    assert [len(c.files) for c in changes] == [3, 3, 1]


def test_plan_holds_checklist_map_and_self_check() -> None:
    plan = _plan(EXAMPLES / "projects-saas")
    assert 3 <= len(plan.checklist) <= 7
    assert len(plan.endpoints) == 17
    assert {s.policy for s in plan.self_check} == {"security.yaml", "perf.yaml"}
    assert all(s.status == "pass" for s in plan.self_check), [s for s in plan.self_check if s.status != "pass"]
    md = plan.to_markdown()
    assert "| listProjects | GET | `/v1/projects` |" in md
    assert plan.persona == "Casey (Backend Engineer)"


def test_hash_is_stable_and_changes_with_the_bundle(tmp_path: Path) -> None:
    a = _plan(EXAMPLES / "projects-saas").digest()
    b = _plan(EXAMPLES / "projects-saas").digest()
    assert a == b
    copy = tmp_path / "saas"
    shutil.copytree(EXAMPLES / "projects-saas", copy)
    assert _plan(copy).digest() == a, "the bundle's location is not part of the hash"
    perf = copy / "perf.yaml"
    perf.write_text(perf.read_text().replace("p95_ms: 50", "p95_ms: 60"))
    assert _plan(copy).digest() != a


def test_self_check_fails_on_policy_gaps(tmp_path: Path) -> None:
    copy = tmp_path / "saas"
    shutil.copytree(EXAMPLES / "projects-saas", copy)
    sec = copy / "security.yaml"
    sec.write_text(
        sec.read_text()
        .replace("  default: deny", "  default: allow")
        .replace(
            "  redact: [authorization, cookie, Task.assignee_email, Comment.body]", "  redact: [authorization, cookie]"
        )
    )
    failing = {s.item for s in _plan(copy).self_check if s.status == "fail"}
    assert failing == {"deny-by-default authorization", "PII fields are redacted in logs"}
