from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.intake.gate import run_intake
from tests.conftest import EXAMPLES

V1, V2 = EXAMPLES / "projects-saas", EXAMPLES / "projects-saas-v2"


def _edit(tmp_path: Path, replacements: list[tuple[str, str]]) -> Path:
    dst = tmp_path / "next"
    shutil.copytree(V2, dst)
    path = dst / "openapi.yaml"
    text = path.read_text()
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new, 1)
    path.write_text(text)
    return dst


def test_v1_to_v2_is_additive() -> None:
    report, _ = run_intake(V2, previous=V1)
    assert report.ok and report.items == [], [i.message for i in report.items]


def test_breaking_changes_in_the_same_major_are_blockers(tmp_path: Path) -> None:
    bundle = _edit(
        tmp_path,
        [
            ("        owner_id: {type: string}\n", ""),
            (
                '        title: {type: string, minLength: 1, maxLength: 200}\n        description: {type: [string, "null"], '
                'maxLength: 10000}\n        status: {$ref: "#/components/schemas/TaskStatus"}\n        priority: '
                '{type: integer, minimum: 1, maximum: 5}\n        assignee_email: {type: [string, "null"], format: email}'
                '\n        due_date: {type: [string, "null"], format: date}\n    TaskUpdate:',
                '        title: {type: string, minLength: 1, maxLength: 100}\n        description: {type: [string, "null"], '
                'maxLength: 10000}\n        status: {$ref: "#/components/schemas/TaskStatus"}\n        priority: '
                '{type: integer, minimum: 1, maximum: 5}\n        assignee_email: {type: [string, "null"], format: email}'
                '\n        due_date: {type: [string, "null"], format: date}\n    TaskUpdate:',
            ),
            (
                "        - name: priority\n          in: query\n",
                "        - name: priority\n          in: query\n          required: true\n",
            ),
            ("    delete:\n      operationId: deleteWebhook", "    x-removed:\n      operationId: deleteWebhook"),
        ],
    )
    report, _ = run_intake(bundle, previous=V1)
    breaking = [i for i in report.blockers if i.kind == "breaking"]
    messages = " | ".join(i.message for i in breaking)
    assert not report.ok
    assert "`owner_id` is no longer returned" in messages
    assert "maxLength 200 -> 100" in messages and "createTask" in messages
    assert "`priority` is now required" in messages
    assert "deleteWebhook" in messages and "operation-removed" in messages
    assert len(breaking) == 7, messages  # owner_id leaves four responses
    others = [i.message for i in report.blockers if i.kind != "breaking"]
    assert others == ["permission mapped for `deleteWebhook`, which openapi.yaml does not define"]
    assert all(any("--accept-breaking" in o for o in i.options) for i in breaking)


def test_explicit_decision_or_major_bump_downgrades_to_warning(tmp_path: Path) -> None:
    bundle = _edit(tmp_path, [("        owner_id: {type: string}\n", "")])
    report, _ = run_intake(bundle, previous=V1)
    ids = [i.message.split("[id: ")[1].rstrip("]") for i in report.blockers]
    assert ids
    accepted, _ = run_intake(bundle, previous=V1, accept_breaking=ids)
    assert accepted.ok and all("accepted explicitly" in i.message for i in accepted.items)
    info = bundle / "openapi.yaml"
    info.write_text(info.read_text().replace("version: 1.1.0", "version: 2.0.0"))
    bumped, _ = run_intake(bundle, previous=V1)
    assert bumped.ok and bumped.items


def test_cli_previous_option_exits_3_on_breaking(tmp_path: Path) -> None:
    bundle = _edit(tmp_path, [("        owner_id: {type: string}\n", "")])
    result = CliRunner().invoke(app, ["intake", str(bundle), "--previous", str(V1)])
    assert result.exit_code == 3 and "breaking change" in result.output
