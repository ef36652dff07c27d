"""Which model to use: from explicit options, else ``BE_LLM_*`` environment variables. Keys stay in the env."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from backend_engineer.llm.prices import PriceQuote, env_prices, quote
from backend_engineer.llm.providers.base import ModelError, ModelPort

ProviderName = Literal["openai", "anthropic", "scripted"]
DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-sonnet-4-5", "scripted": "scripted"}
KEY_ENVS = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY", "scripted": ""}


@dataclass(frozen=True)
class LlmConfig:
    provider: ProviderName = "scripted"
    model: str | None = None
    base_url: str | None = None
    api_key_env: str | None = None
    script: str | Path | None = None
    max_retries: int = 3
    input_per_mtok: float | None = None
    output_per_mtok: float | None = None
    prices_file: str | Path | None = None
    replay: str | Path | None = None

    @classmethod
    def from_env(cls) -> LlmConfig | None:
        provider = os.environ.get("BE_LLM_PROVIDER")
        if not provider:
            return None
        if provider not in DEFAULT_MODELS:
            raise ModelError(f"BE_LLM_PROVIDER={provider!r}: use one of {sorted(DEFAULT_MODELS)}")
        price_in, price_out = env_prices()
        return cls(
            provider=provider,  # type: ignore[arg-type]
            model=os.environ.get("BE_LLM_MODEL"),
            base_url=os.environ.get("BE_LLM_BASE_URL"),
            api_key_env=os.environ.get("BE_LLM_API_KEY_ENV"),
            script=os.environ.get("BE_LLM_SCRIPT"),
            input_per_mtok=price_in,
            output_per_mtok=price_out,
            prices_file=os.environ.get("BE_LLM_PRICES") or None,
        )

    @property
    def model_name(self) -> str:
        return self.model or DEFAULT_MODELS[self.provider]

    def price(self) -> PriceQuote:
        """The price this run counts with (raises :class:`ModelError` for a bad price file)."""
        return quote(self.provider, self.model_name, self.input_per_mtok, self.output_per_mtok, self.prices_file)

    def describe(self) -> str:
        if self.replay:
            return f"replay of {self.replay}"
        where = f" at {self.base_url}" if self.base_url else ""
        return f"{self.provider}:{self.model_name}{where}"


def make_model(config: LlmConfig) -> ModelPort:
    """Build the provider; raises :class:`ModelError` naming the missing key, script or transcript."""
    if config.replay:
        from backend_engineer.llm.transcript import ReplayModel

        return ReplayModel(config.replay)
    pricing = config.price().pricing
    model = config.model_name
    if config.provider == "scripted":
        from backend_engineer.llm.providers.scripted import ScriptedModel

        if not config.script:
            raise ModelError("the scripted provider needs a script: pass --script FILE or a shipped script name")
        return ScriptedModel(config.script)
    if config.provider == "openai":
        from backend_engineer.llm.providers.openai_compat import OpenAICompatProvider

        return OpenAICompatProvider(
            model, config.base_url, config.api_key_env or KEY_ENVS["openai"], config.max_retries, pricing=pricing
        )
    from backend_engineer.llm.providers.anthropic import AnthropicProvider

    return AnthropicProvider(
        model, config.base_url, config.api_key_env or KEY_ENVS["anthropic"], config.max_retries, pricing=pricing
    )
