"""`backend-engineer change`: clarification, plan, the approval gate (yes / STOP / anything else) and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.runs.ledger import PHRASES
from tests.llm.fake_server import FakeModelServer
from tests.llm.support import MUL_SRC, MUL_TEST, call, git, head, status

runner = CliRunner()
GOOD = [
    {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
    {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
    {"tool_calls": [call("finish", summary="added mul")]},
]
REQUEST = "add a mul function to calc ops"


@pytest.fixture(autouse=True)
def ownership(repo: Path) -> None:
    """The repository's bundle copy names what the agent owns, as a generated service's does."""
    target = repo / ".backend-engineer" / "bundle" / "company.config.yaml"
    target.parent.mkdir(parents=True)
    target.write_text(yaml.safe_dump({"ownership": {"owned": ["calc/", "tests/"], "forbidden": ["infra/"]}}))
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "bundle")


def script(tmp_path: Path, turns: list[dict[str, Any]]) -> str:
    path = tmp_path / "script.yaml"
    path.write_text(yaml.safe_dump({"turns": turns}))
    return str(path)


def invoke(repo: Path, *args: str, input: str | None = None) -> Any:
    return runner.invoke(app, ["change", REQUEST, "--repo", str(repo), *args], input=input)


def ledger(repo: Path) -> list[dict[str, Any]]:
    runs = sorted((repo / ".git" / "backend-engineer" / "runs").iterdir())
    return [json.loads(line) for line in (runs[-1] / "approvals.jsonl").read_text().splitlines()]


def test_yes_runs_the_change_and_records_the_approval(repo: Path, tmp_path: Path) -> None:
    before = head(repo)
    result = invoke(repo, "--provider", "scripted", "--script", script(tmp_path, GOOD), "--yes", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["status"] == "completed" and out["report"]["files"] == ["calc/ops.py", "tests/test_mul.py"]
    assert out["approval"] == {"phrase": ledger(repo)[0]["phrase"], "answer": "yes", "via": "--yes flag"}
    assert out["approval"]["phrase"] in PHRASES
    assert git(repo, "rev-parse", "HEAD~1").strip() == before
    assert git(repo, "log", "-1", "--format=%s").strip() == f"feat: {REQUEST}"
    assert ledger(repo)[0]["decision"] == "approved"
    assert status(repo) == ""


@pytest.mark.parametrize("answer", ["STOP", "halt", "ABORT please"])
def test_stop_cancels_and_leaves_the_repo_untouched(repo: Path, tmp_path: Path, answer: str) -> None:
    before = head(repo)
    result = invoke(repo, "--provider", "scripted", "--script", script(tmp_path, GOOD), input=f"{answer}\n")
    assert result.exit_code == 5, result.output
    assert ledger(repo)[0]["phrase"] in PHRASES and ledger(repo)[0]["phrase"] in result.output
    assert "Plan for the change" in result.output and "calc/, tests/" in result.output
    assert "never:      infra/, .git" in result.output
    assert head(repo) == before and status(repo) == ""
    assert ledger(repo)[0]["decision"] == "cancelled"


def test_anything_but_an_explicit_yes_is_not_approval(repo: Path, tmp_path: Path) -> None:
    result = invoke(repo, "--provider", "scripted", "--script", script(tmp_path, GOOD), input="sure\n")
    assert result.exit_code == 4
    assert status(repo) == ""
    ok = invoke(repo, "--provider", "scripted", "--script", script(tmp_path, GOOD), input="proceed\n")
    assert ok.exit_code == 0, ok.output
    assert "[PASS] completed" in ok.output


def test_missing_inputs_are_asked_before_any_plan(repo: Path, tmp_path: Path) -> None:
    result = runner.invoke(
        app,
        [
            "change",
            "add nickname to users",
            "--repo",
            str(repo),
            "--provider",
            "scripted",
            "--script",
            script(tmp_path, GOOD),
            "--json",
        ],
    )
    assert result.exit_code == 3
    out = json.loads(result.stdout)
    assert out["status"] == "clarification"
    assert out["items"][0]["field"] == "entities.<users>.fields.nickname.type"
    assert not (repo / ".git" / "backend-engineer").exists()


def test_bad_repository_inputs(tmp_path: Path, repo: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    result = invoke(plain, "--provider", "scripted", "--script", "ledger_transfer", "--yes")
    assert result.exit_code == 2 and "not a git repository" in result.output
    (repo / "calc/ops.py").write_text("changed\n")
    dirty = invoke(repo, "--provider", "scripted", "--script", "ledger_transfer", "--yes")
    assert dirty.exit_code == 8 and "uncommitted changes" in dirty.output
    (repo / "calc/ops.py").unlink()
    git(repo, "checkout", "--", "calc/ops.py")
    missing = invoke(repo, "--provider", "scripted", "--script", str(tmp_path / "nope.yaml"), "--yes")
    assert missing.exit_code == 2 and "no script" in missing.output


def test_a_change_that_breaks_the_tests_is_reverted(repo: Path, tmp_path: Path) -> None:
    broken = [
        {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC.replace("a * b", "a ** b"))]},
        {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
        {"tool_calls": [call("finish", summary="added mul")]},
    ]
    before = head(repo)
    result = invoke(
        repo, "--provider", "scripted", "--script", script(tmp_path, broken), "--max-corrections", "0", "--yes"
    )
    assert result.exit_code == 7, result.output
    assert "[FAIL] reverted" in result.output and "deviation: validation still failed" in result.output
    assert head(repo) == before and status(repo) == ""


def test_openai_provider_through_the_cli(repo: Path, fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BE_LLM_API_KEY", "sk-cli-secret-000")
    fake.push({"status": 429, "retry_after": "0.05"}, *GOOD)
    result = invoke(repo, "--provider", "openai", "--base-url", f"{fake.url}/v1", "--model", "m", "--yes", "--json")
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["plan"]["model"] == f"openai:m at {fake.url}/v1"
    assert out["report"]["steps"] == 3 and len(fake.requests) == 4
    assert "sk-cli-secret-000" not in result.output


def test_another_stack_with_explicit_checks(tmp_path: Path) -> None:
    """A shell project the deterministic engine does not support: the agent works with the given checks."""
    repo = tmp_path / "shell"
    (repo / "src").mkdir(parents=True)
    (repo / "src/greet.sh").write_text('greet() { echo "hello $1"; }\n')
    (repo / "check.sh").write_text(
        '. src/greet.sh\n[ "$(greet bob)" = "hello bob" ] && [ "$(shout bob)" = "HELLO BOB" ]\n'
    )
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    turns = [
        {
            "tool_calls": [
                call(
                    "edit",
                    path="src/greet.sh",
                    old_string="}\n",
                    new_string='}\nshout() { greet "$1" | tr a-z A-Z; }\n',
                )
            ]
        },
        {"tool_calls": [call("finish", summary="shout")]},
    ]
    result = runner.invoke(
        app,
        [
            "change",
            "add a shout function to greet",
            "--repo",
            str(repo),
            "--provider",
            "scripted",
            "--script",
            script(tmp_path, turns),
            "--check",
            "sh check.sh",
            "--yes",
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["plan"]["validation"] == ["check 1"]
    assert out["report"]["validations"] == ["check 1 ok"]
    assert "shout()" in git(repo, "show", "HEAD:src/greet.sh")
