"""Anthropic Messages API provider (``ANTHROPIC_API_KEY``, optional ``base_url``); the key is never logged."""

from __future__ import annotations

import os
from typing import Any

import anthropic

from backend_engineer.llm.providers.base import Message, ModelError, ModelTurn, Pricing, ToolCall, ToolSpec, Usage


def _to_wire(messages: list[Message]) -> tuple[str, list[dict[str, Any]]]:
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            continue
        if m.role == "tool":
            block = {"type": "tool_result", "tool_use_id": m.tool_call_id, "content": m.content}
            if out and out[-1]["role"] == "user" and isinstance(out[-1]["content"], list):
                out[-1]["content"].append(block)
            else:
                out.append({"role": "user", "content": [block]})
        elif m.role == "assistant":
            blocks: list[dict[str, Any]] = []
            if m.content:
                blocks.append({"type": "text", "text": m.content})
            blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls]
            out.append({"role": "assistant", "content": blocks or [{"type": "text", "text": ""}]})
        else:
            out.append({"role": "user", "content": [{"type": "text", "text": m.content}]})
    return system, out


class AnthropicProvider:
    name = "anthropic"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "ANTHROPIC_API_KEY",
        max_retries: int = 3,
        timeout_s: float = 120.0,
        pricing: Pricing | None = None,
        max_tokens: int = 4096,
    ) -> None:
        key = os.environ.get(api_key_env) or os.environ.get("BE_LLM_API_KEY")
        if not key:
            raise ModelError(f"no API key: set the {api_key_env} (or BE_LLM_API_KEY) environment variable")
        self.model = model
        self.pricing = pricing or Pricing()
        self.max_tokens = max_tokens
        self._client = anthropic.Anthropic(api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout_s)

    def __repr__(self) -> str:
        return f"AnthropicProvider(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    def complete(self, messages: list[Message], tools: list[ToolSpec]) -> ModelTurn:
        system, wire = _to_wire(messages)
        kwargs: dict[str, Any] = {"model": self.model, "max_tokens": self.max_tokens, "messages": wire}
        if system:
            kwargs["system"] = system
        if tools:
            kwargs["tools"] = [
                {"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools
            ]
        try:
            resp = self._client.messages.create(**kwargs)
        except anthropic.APIStatusError as exc:
            raise ModelError(f"anthropic provider answered HTTP {exc.status_code}: {str(exc.message)[:300]}") from None
        except anthropic.APIError as exc:
            raise ModelError(f"anthropic provider error: {str(exc)[:300]}") from None
        texts, calls = [], []
        for block in resp.content:
            if block.type == "text":
                texts.append(block.text)
            elif block.type == "tool_use":
                args = block.input if isinstance(block.input, dict) else {}
                calls.append(ToolCall(block.id, block.name, dict(args)))
        tin, tout = resp.usage.input_tokens, resp.usage.output_tokens
        return ModelTurn("\n".join(texts), tuple(calls), Usage(tin, tout, self.pricing.cost(tin, tout)))
