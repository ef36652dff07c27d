"""The agent's commands in bubblewrap: escapes are refused; without a sandbox only --unsafe-host runs them."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.llm import sandbox
from backend_engineer.llm.agent import Budget
from backend_engineer.llm.sandbox import Bubblewrap, Limits, Probe
from backend_engineer.llm.scope import ScopePolicy
from backend_engineer.llm.tools import Toolbox
from backend_engineer.llm.validate import detect_steps
from tests.llm.fake_server import FakeModelServer
from tests.llm.support import FORBIDDEN, MUL_SRC, MUL_TEST, OWNED, call, git, head, status
from tests.llm.test_agent import drain, run


@pytest.fixture
def bwrap(repo: Path) -> Bubblewrap:
    found = sandbox.probe()
    if not found.ok:
        if os.environ.get("CI") == "true":
            pytest.fail(f"bubblewrap is required under CI=true: {found.reason} (make test installs it)")
        pytest.skip(found.reason)
    return Bubblewrap(repo, Limits(memory_mb=512), found.reason)


def box(repo: Path, runner: Bubblewrap | None) -> Toolbox:
    return Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), bash_timeout_s=30, runner=runner)


def test_a_write_outside_the_repository_is_refused(repo: Path, bwrap: Bubblewrap, tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    venv_target = Path(sys.prefix) / "pwned-by-agent"
    tools = box(repo, bwrap)
    result = tools.run(
        "bash",
        {
            "command": f"echo pwned > {outside}/x; echo pwned > {venv_target}; "
            f"echo pwned > /root/pwned-by-agent; echo hook > .git/hooks/pre-commit; echo ok > calc/inside.txt; "
            f"echo done"
        },
    )
    assert "Read-only file system" in result.output, result.output
    assert not (outside / "x").exists()
    assert not venv_target.exists()
    assert not (repo / ".git/hooks/pre-commit").exists()
    assert (repo / "calc/inside.txt").read_text() == "ok\n"
    assert not Path("/root/pwned-by-agent").exists()


def test_a_network_call_is_refused(repo: Path, bwrap: Bubblewrap, fake: FakeModelServer) -> None:
    fake.push({"text": "should never be served"})
    probe = f"import urllib.request; print(urllib.request.urlopen('{fake.url}/v1/chat/completions', b'{{}}').read())"
    result = box(repo, bwrap).run("bash", {"command": f"python -c {json.dumps(probe)}"})
    assert not result.ok
    assert "Connection refused" in result.output or "Network is unreachable" in result.output, result.output
    assert fake.requests == []
    direct = box(repo, None)
    assert direct.run("bash", {"command": "true"}).refused


def test_memory_is_limited(repo: Path, bwrap: Bubblewrap) -> None:
    result = box(repo, bwrap).run("bash", {"command": "python -c 'x = bytearray(2 * 1024**3)'"})
    assert not result.ok and "MemoryError" in result.output, result.output


def test_validation_runs_in_the_sandbox(repo: Path, bwrap: Bubblewrap, tmp_path: Path) -> None:
    """A test the model writes is code too: when validation runs it, it cannot reach outside the repository."""
    marker = tmp_path / "escaped-by-test"
    venv_target = Path(sys.prefix) / "pwned-by-test"
    evil = (
        "from pathlib import Path\n\n\ndef test_escape() -> None:\n"
        f"    Path({str(marker)!r}).write_text('x')\n    Path({str(venv_target)!r}).write_text('x')\n"
    )
    toolbox = box(repo, bwrap)
    from backend_engineer.llm.agent import run_agent
    from backend_engineer.llm.providers.scripted import ScriptedModel

    turns = [
        {"tool_calls": [call("write", path="tests/test_evil.py", content=evil)]},
        {"tool_calls": [call("finish", summary="tests")]},
    ]
    gen = run_agent(ScriptedModel(turns), "t", toolbox, detect_steps(repo), Budget(max_corrections=0))
    _events, report = drain(gen)
    assert report.status == "reverted", report.validations
    assert not marker.exists() and not venv_target.exists()
    assert "tests: failed (exit 1): 1 failed" in report.validations[0], report.validations


def test_without_a_sandbox_commands_and_validation_are_refused(repo: Path) -> None:
    before = head(repo)
    turns = [
        {"tool_calls": [call("bash", command="touch calc/x.txt")]},
        {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
        {"tool_calls": [call("finish", summary="mul")]},
    ]
    toolbox = Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), runner=None, no_runner_reason="bwrap is not installed")
    from backend_engineer.llm.agent import run_agent
    from backend_engineer.llm.providers.scripted import ScriptedModel

    _events, report = drain(
        run_agent(ScriptedModel(turns), "t", toolbox, detect_steps(repo), Budget(max_corrections=0))
    )
    assert not (repo / "calc/x.txt").exists()
    assert report.refusals == ["bash 'touch calc/x.txt': no sandbox"]
    assert report.status == "reverted"
    assert "refused: no sandbox (bwrap is not installed); pass --unsafe-host" in report.validations[0]
    assert head(repo) == before and status(repo) == ""


def test_the_wall_clock_limit_stops_the_run(repo: Path) -> None:
    before = head(repo)
    _events, report = run(
        repo,
        [
            {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
            {"tool_calls": [call("bash", command="sleep 30")]},
            {"tool_calls": [call("finish", summary="never reached")]},
        ],
        max_wall_s=1,
    )
    assert report.status == "budget_exhausted"
    assert report.deviations[0].startswith("wall-clock budget reached"), report.deviations
    assert head(repo) == before and status(repo) == ""


GOOD = [
    {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
    {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
    {"tool_calls": [call("bash", command="python -m pytest -q -p no:cacheprovider tests/test_mul.py")]},
    {"tool_calls": [call("finish", summary="added mul")]},
]


def _cli(repo: Path, tmp_path: Path, *extra: str) -> dict[str, object]:
    script = tmp_path / "script.yaml"
    script.write_text(yaml.safe_dump({"turns": GOOD}))
    result = CliRunner().invoke(
        app,
        [
            *("change", "add a mul function", "--repo", str(repo)),
            *("--provider", "scripted", "--script", str(script), "--yes", "--json", *extra),
        ],
    )
    out: dict[str, object] = json.loads(result.stdout)
    out["exit"] = result.exit_code
    return out


def _no_bwrap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sandbox, "probe", lambda binary="bwrap": Probe(False, "bwrap is not installed"))


def test_cli_without_a_sandbox_refuses_unless_unsafe_host(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _no_bwrap(monkeypatch)
    refused = _cli(repo, tmp_path, "--max-corrections", "0")
    assert refused["exit"] == 7
    plan = refused["plan"]
    assert isinstance(plan, dict) and plan["sandbox"].startswith("none: bwrap is not installed")
    assert status(repo) == ""

    allowed = _cli(repo, tmp_path, "--unsafe-host")
    assert allowed["exit"] == 0, allowed
    plan = allowed["plan"]
    assert isinstance(plan, dict) and plan["sandbox"].startswith("UNSAFE: commands run on the host")
    run_dir = Path(str(allowed["run_dir"]))
    ledger = [json.loads(line) for line in (run_dir / "approvals.jsonl").read_text().splitlines()]
    assert [(r["answer"], r["decision"]) for r in ledger] == [("--unsafe-host", "approved"), ("yes", "approved")]
    assert ledger[0]["phrase"] == "Run the agent's commands on the host without a sandbox?"
    assert ledger[0]["via"] == "--unsafe-host flag (--unsafe-host: bwrap is not installed)"
    assert ledger[0]["plan_hash"] == ledger[1]["plan_hash"]
    assert "UNSAFE" in json.loads((run_dir / "plan.json").read_text())["sandbox"]
    assert git(repo, "log", "-1", "--format=%s").strip() == "feat: add a mul function"


def test_the_tools_own_python_stays_read_only_inside_the_repository(
    repo: Path, bwrap: Bubblewrap, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changing the tool's own repository: its virtualenv (on sys.path) must not become writable for the agent."""
    venv = repo / "calc" / "venv-lib"
    venv.mkdir()
    roots = sandbox._read_only_roots()
    monkeypatch.setattr(sandbox, "_read_only_roots", lambda: [*roots, str(venv.resolve())])
    result = box(repo, bwrap).run("bash", {"command": "echo x > calc/venv-lib/sitecustomize.py; echo x > calc/ok.txt"})
    assert "Read-only file system" in result.output, result.output
    assert not (venv / "sitecustomize.py").exists()
    assert (repo / "calc/ok.txt").read_text() == "x\n"
