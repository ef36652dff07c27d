"""The real openai and anthropic SDK clients against a local server speaking their wire formats."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from backend_engineer.llm.agent import Budget, run_agent
from backend_engineer.llm.providers.anthropic import AnthropicProvider
from backend_engineer.llm.providers.base import Message, ModelError, Pricing
from backend_engineer.llm.providers.openai_compat import OpenAICompatProvider
from backend_engineer.llm.scope import ScopePolicy
from backend_engineer.llm.tools import SPECS, Toolbox
from backend_engineer.llm.validate import detect_steps
from tests.llm.fake_server import FakeModelServer
from tests.llm.support import FORBIDDEN, MUL_SRC, MUL_TEST, OWNED, call, git, head, runner, status

SECRET = "sk-test-DO-NOT-LOG-1234567890"


@pytest.fixture(autouse=True)
def keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    monkeypatch.setenv("ANTHROPIC_API_KEY", SECRET)


def _openai(fake: FakeModelServer, **kw: object) -> OpenAICompatProvider:
    return OpenAICompatProvider("fake-model", base_url=f"{fake.url}/v1", **kw)  # type: ignore[arg-type]


def _anthropic(fake: FakeModelServer, **kw: object) -> AnthropicProvider:
    return AnthropicProvider("fake-claude", base_url=fake.url, **kw)  # type: ignore[arg-type]


CONVERSATION = [
    Message("system", "be brief"),
    Message("user", "read the file"),
]


@pytest.mark.parametrize("make", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_tool_call_round_trip(fake: FakeModelServer, make: object) -> None:
    provider = make(fake)  # type: ignore[operator]
    fake.push(
        {
            "text": "reading",
            "tool_calls": [call("read", path="calc/ops.py")],
            "usage": {"input_tokens": 7, "output_tokens": 3},
        },
        {"text": "done"},
    )
    turn = provider.complete(list(CONVERSATION), list(SPECS))
    assert turn.text == "reading"
    assert [(c.name, c.arguments) for c in turn.tool_calls] == [("read", {"path": "calc/ops.py"})]
    assert (turn.usage.input_tokens, turn.usage.output_tokens) == (7, 3)
    history = [
        *CONVERSATION,
        Message("assistant", turn.text, turn.tool_calls),
        Message("tool", "1 def add", tool_call_id=turn.tool_calls[0].id, name="read"),
    ]
    second = provider.complete(history, list(SPECS))
    assert second.text == "done" and not second.tool_calls
    sent = fake.requests[-1]["body"]
    if fake.requests[-1]["wire"] == "openai":
        assert sent["messages"][0] == {"role": "system", "content": "be brief"}
        assert sent["messages"][2]["tool_calls"][0]["function"]["name"] == "read"
        assert sent["messages"][3] == {"role": "tool", "tool_call_id": turn.tool_calls[0].id, "content": "1 def add"}
        assert {t["function"]["name"] for t in sent["tools"]} >= {"read", "write", "edit", "grep", "glob", "bash"}
    else:
        assert sent["system"] == "be brief"
        assert sent["messages"][1]["content"][1]["type"] == "tool_use"
        assert sent["messages"][2]["content"][0] == {
            "type": "tool_result",
            "tool_use_id": turn.tool_calls[0].id,
            "content": "1 def add",
        }
        assert {t["name"] for t in sent["tools"]} >= {"read", "write", "edit", "grep", "glob", "bash"}
    assert all(SECRET in r["auth"] for r in fake.requests)


@pytest.mark.parametrize("make", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_rate_limit_is_retried_by_the_sdk(fake: FakeModelServer, make: object) -> None:
    provider = make(fake, max_retries=3)  # type: ignore[operator]
    fake.push({"status": 429, "retry_after": "0.05"}, {"status": 429, "retry_after": "0.05"}, {"text": "ok"})
    turn = provider.complete(list(CONVERSATION), [])
    assert turn.text == "ok"
    assert len(fake.requests) == 3


@pytest.mark.parametrize("make", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_server_errors_become_a_model_error_without_the_key(
    fake: FakeModelServer, make: object, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    provider = make(fake, max_retries=1)  # type: ignore[operator]
    fake.push({"status": 500, "retry_after": "0.01"}, {"status": 500, "retry_after": "0.01"})
    with pytest.raises(ModelError, match="HTTP 500") as exc:
        provider.complete(list(CONVERSATION), [])
    assert len(fake.requests) == 2
    assert SECRET not in str(exc.value) and SECRET not in repr(provider)
    assert SECRET not in caplog.text


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY")
    monkeypatch.delenv("BE_LLM_API_KEY", raising=False)
    with pytest.raises(ModelError, match="OPENAI_API_KEY"):
        OpenAICompatProvider("m", base_url="http://127.0.0.1:9/v1")


@pytest.mark.parametrize("make", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_cost_budget_exhaustion_stops_cleanly(fake: FakeModelServer, make: object, repo: Path) -> None:
    """$10 per million tokens, 50k tokens a turn: $0.5 a turn; the $1.2 budget stops at turn three."""
    provider = make(fake, pricing=Pricing(10.0, 10.0))  # type: ignore[operator]
    big = {"input_tokens": 40_000, "output_tokens": 10_000}
    for i in range(5):
        fake.push({"tool_calls": [call("write", path=f"calc/f{i}.py", content="X = 1\n")], "usage": big})
    before = head(repo)
    toolbox = Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), runner=runner(repo))
    gen = run_agent(provider, "write files", toolbox, detect_steps(repo), Budget(max_steps=10, max_cost_usd=1.2))
    events = []
    try:
        while True:
            events.append(next(gen))
    except StopIteration as stop:
        report = stop.value
    assert report.status == "budget_exhausted"
    assert report.steps == 3 and abs(report.cost_usd - 1.5) < 1e-9
    assert "cost budget reached" in report.deviations[0]
    assert head(repo) == before and status(repo) == ""
    assert len(fake.requests) == 3
    assert all(SECRET not in str(e.to_dict()) for e in events)


@pytest.mark.parametrize("make", [_openai, _anthropic], ids=["openai", "anthropic"])
def test_agent_completes_a_change_over_the_wire(fake: FakeModelServer, make: object, repo: Path) -> None:
    provider = make(fake)  # type: ignore[operator]
    fake.push(
        {"tool_calls": [call("read", path="calc/ops.py")]},
        {
            "tool_calls": [
                call("write", path="calc/ops.py", content=MUL_SRC),
                call("write", path="tests/test_mul.py", content=MUL_TEST),
            ]
        },
        {"tool_calls": [call("finish", summary="mul")]},
    )
    toolbox = Toolbox(ScopePolicy(repo, OWNED, FORBIDDEN), runner=runner(repo))
    gen = run_agent(provider, "add mul", toolbox, detect_steps(repo), Budget(max_steps=5))
    try:
        while True:
            next(gen)
    except StopIteration as stop:
        report = stop.value
    assert report.status == "completed" and report.files == ["calc/ops.py", "tests/test_mul.py"]
    assert (report.input_tokens, report.output_tokens) == (30, 15)
    second = json.dumps(fake.requests[1]["body"])
    assert "def add(a: int, b: int)" in second  # the read result went back to the model
    assert git(repo, "log", "-1", "--format=%s").strip() == "feat: add mul"
