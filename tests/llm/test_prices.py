"""The price table, its overrides, the refusal of an unenforceable cap, and the cap stopping a run at real prices."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.llm.config import DEFAULT_MODELS, LlmConfig
from backend_engineer.llm.prices import TABLE, TABLE_AS_OF, quote
from backend_engineer.llm.providers.base import ModelError
from backend_engineer.llm.runsetup import budget_for
from tests.llm.fake_server import FakeModelServer
from tests.llm.support import MUL_SRC, MUL_TEST, call, head, status

runner = CliRunner()


def test_every_default_model_has_a_dated_price() -> None:
    for provider in ("openai", "anthropic"):
        q = quote(provider, DEFAULT_MODELS[provider])
        assert q.known and q.as_of == TABLE_AS_OF, q
        assert f"{provider}:{DEFAULT_MODELS[provider]}" in TABLE
    sonnet = quote("anthropic", "claude-sonnet-4-5-20250929")
    assert sonnet.pricing is not None
    assert (sonnet.pricing.input_per_mtok, sonnet.pricing.output_per_mtok) == (3.0, 15.0)
    assert sonnet.pricing.cost(1_000_000, 100_000) == pytest.approx(4.5)
    mini = quote("openai", "gpt-4o-mini-2024-07-18")
    assert mini.pricing is not None and mini.pricing.input_per_mtok == 0.15


def test_unknown_models_have_no_price_and_the_cap_is_refused() -> None:
    local = quote("openai", "llama3.1:8b")
    assert not local.known and "--price-in/--price-out" in local.source
    assert quote("anthropic", "gpt-4o-mini").known is False  # the table is per provider
    with pytest.raises(ModelError, match=r"--max-cost 1 cannot be enforced: llama3\.1:8b: price unknown"):
        budget_for(local, 1.0)
    assert budget_for(local, None).max_cost_usd is None
    assert budget_for(quote("openai", "gpt-4o-mini"), None).max_cost_usd == 2.0


def test_overrides_explicit_then_file_then_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    prices = tmp_path / "prices.yaml"
    prices.write_text(
        yaml.safe_dump(
            {
                "as_of": "2026-11-30",
                "models": {
                    "openai:gpt-4o-mini": {"input_per_mtok": 0.2, "output_per_mtok": 0.8},
                    "llama3.1:8b": {"input_per_mtok": 0, "output_per_mtok": 0},
                },
            }
        )
    )
    monkeypatch.setenv("BE_LLM_PRICES", str(prices))
    filed = quote("openai", "gpt-4o-mini")
    assert filed.pricing is not None and filed.pricing.input_per_mtok == 0.2 and filed.as_of == "2026-11-30"
    assert quote("openai", "llama3.1:8b").known
    assert quote("anthropic", "claude-sonnet-4-5").source.startswith("built-in table")
    explicit = quote("openai", "gpt-4o-mini", 1.0, 2.0)
    assert explicit.pricing is not None and explicit.source == "given explicitly"
    with pytest.raises(ModelError, match="give both"):
        quote("openai", "x", 1.0, None)
    monkeypatch.setenv("BE_LLM_INPUT_PER_MTOK", "0.5")
    monkeypatch.setenv("BE_LLM_OUTPUT_PER_MTOK", "1.5")
    monkeypatch.setenv("BE_LLM_PROVIDER", "openai")
    env = LlmConfig.from_env()
    assert env is not None and env.price().describe().startswith("gpt-4o-mini: $0.5 in / $1.5 out")
    prices.write_text("models:\n  m: {input_per_mtok: cheap}\n")
    with pytest.raises(ModelError, match=r"prices.yaml: models.m.input_per_mtok: expected a number"):
        quote("openai", "m")


def _invoke(repo: Path, *args: str) -> Any:
    return runner.invoke(
        app, ["change", "add a mul function to calc ops", "--repo", str(repo), *args, "--yes", "--json"]
    )


TURNS = [
    {"tool_calls": [call("read", path="calc/ops.py")]},
    {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
    {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
    {"tool_calls": [call("finish", summary="added mul")]},
]


def test_max_cost_is_refused_for_a_model_without_a_price(
    repo: Path, fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0000000000000000")
    monkeypatch.delenv("BE_LLM_PRICES", raising=False)
    args = ("--provider", "openai", "--base-url", f"{fake.url}/v1", "--model", "llama3.1:8b")
    result = _invoke(repo, *args, "--max-cost", "1")
    assert result.exit_code == 2
    out = json.loads(result.stdout)
    assert "--max-cost 1 cannot be enforced: llama3.1:8b: price unknown" in out["message"]
    assert fake.requests == [] and status(repo) == ""
    fake.push(*TURNS)
    free = _invoke(repo, *args, "--max-cost", "1", "--price-in", "0", "--price-out", "0")
    assert free.exit_code == 0, free.output
    out = json.loads(free.stdout)
    assert out["usage"]["cost_usd"] == 0 and out["usage"]["price"]["source"] == "given explicitly"
    assert out["plan"]["budget"]["max_cost_usd"] == 1


@pytest.mark.parametrize(("provider", "cap"), [("anthropic", 0.25), ("openai", 0.01)])
def test_the_cost_cap_stops_a_run_at_real_prices(
    repo: Path, fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch, provider: str, cap: float
) -> None:
    """The fake server reports realistic usage for a coding agent: 40k tokens of context, 2k written per turn.

    claude-sonnet-4-5 at $3/$15 costs $0.15 a turn; gpt-4o-mini at $0.15/$0.60 costs $0.0072. Either way the
    second turn crosses the cap, the run stops there and nothing is committed.
    """
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-0000000000000000")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test-0000000000000000")
    monkeypatch.delenv("BE_LLM_PRICES", raising=False)
    fake.push(*[{**t, "usage": {"input_tokens": 40_000, "output_tokens": 2_000}} for t in TURNS])
    before = head(repo)
    url = fake.url if provider == "anthropic" else f"{fake.url}/v1"
    result = _invoke(repo, "--provider", provider, "--base-url", url, "--max-cost", str(cap))
    out = json.loads(result.stdout)
    assert result.exit_code == 1, out
    model = DEFAULT_MODELS[provider]
    price_in, price_out = TABLE[f"{provider}:{model}"]
    per_turn = (40_000 * price_in + 2_000 * price_out) / 1_000_000
    assert per_turn < cap < 2 * per_turn
    usage = out["usage"]
    assert out["status"] == "budget_exhausted"
    assert usage["model"] == model and usage["price"]["as_of"] == TABLE_AS_OF and usage["price"]["known"]
    assert usage["model_turns"] == 2 and len(fake.requests) == 2
    assert (usage["input_tokens"], usage["output_tokens"]) == (80_000, 4_000)
    assert usage["cost_usd"] == pytest.approx(2 * per_turn)
    assert out["report"]["deviations"][0].startswith(f"cost budget reached: ${2 * per_turn:.4f} of ${cap:.4f}")
    assert out["plan"]["budget"]["max_cost_usd"] == cap
    report = json.loads((Path(out["run_dir"]) / "report.json").read_text())
    assert report["usage"] == usage
    assert head(repo) == before and status(repo) == ""
