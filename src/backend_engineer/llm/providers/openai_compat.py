"""OpenAI-compatible chat completions: OpenAI, vLLM, Ollama, llama.cpp server, OpenRouter via ``base_url``.

The key is read from the environment variable named in the config and never logged or echoed; the
SDK retries 429 and 5xx answers itself (honouring Retry-After) up to ``max_retries``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import openai

from backend_engineer.llm.providers.base import Message, ModelError, ModelTurn, Pricing, ToolCall, ToolSpec, Usage


def _to_wire(messages: list[Message]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "tool":
            out.append({"role": "tool", "tool_call_id": m.tool_call_id, "content": m.content})
        elif m.role == "assistant" and m.tool_calls:
            out.append(
                {
                    "role": "assistant",
                    "content": m.content or None,
                    "tool_calls": [
                        {
                            "id": c.id,
                            "type": "function",
                            "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                        }
                        for c in m.tool_calls
                    ],
                }
            )
        else:
            out.append({"role": m.role, "content": m.content})
    return out


def _tools_wire(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {"type": "function", "function": {"name": t.name, "description": t.description, "parameters": t.parameters}}
        for t in tools
    ]


def _parse_args(raw: str | None) -> dict[str, Any]:
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        return {"_invalid_json": raw[:200]}
    return value if isinstance(value, dict) else {"_invalid_json": raw[:200]}


class OpenAICompatProvider:
    name = "openai"

    def __init__(
        self,
        model: str,
        base_url: str | None = None,
        api_key_env: str = "OPENAI_API_KEY",
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
        self._client = openai.OpenAI(api_key=key, base_url=base_url, max_retries=max_retries, timeout=timeout_s)

    def __repr__(self) -> str:
        return f"OpenAICompatProvider(model={self.model!r}, base_url={str(self._client.base_url)!r})"

    def complete(self, messages: list[Message], tools: list[ToolSpec]) -> ModelTurn:
        kwargs: dict[str, Any] = {"model": self.model, "messages": _to_wire(messages), "max_tokens": self.max_tokens}
        if tools:
            kwargs["tools"] = _tools_wire(tools)
        try:
            resp = self._client.chat.completions.create(**kwargs)
        except openai.APIStatusError as exc:
            raise ModelError(f"{self.name} provider answered HTTP {exc.status_code}: {_short(exc.message)}") from None
        except openai.APIError as exc:
            raise ModelError(f"{self.name} provider error: {_short(str(exc))}") from None
        if not resp.choices:
            raise ModelError(f"{self.name} provider returned no choices")
        msg = resp.choices[0].message
        calls = tuple(
            ToolCall(c.id, c.function.name, _parse_args(c.function.arguments))
            for c in (msg.tool_calls or [])
            if getattr(c, "function", None) is not None
        )
        u = resp.usage
        tin, tout = (u.prompt_tokens, u.completion_tokens) if u else (0, 0)
        return ModelTurn(msg.content or "", calls, Usage(tin, tout, self.pricing.cost(tin, tout)))


def _short(text: str) -> str:
    return text.replace("\n", " ")[:300]
