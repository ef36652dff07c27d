"""The model port: one call that takes the conversation and the tool specs and returns one turn."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class ToolSpec:
    name: str
    description: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


@dataclass(frozen=True)
class ModelTurn:
    text: str
    tool_calls: tuple[ToolCall, ...] = ()
    usage: Usage = field(default_factory=Usage)


@dataclass
class Message:
    """Provider-neutral message. ``role`` is system, user, assistant or tool."""

    role: str
    content: str
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


class ModelError(RuntimeError):
    """The provider failed after its own retries (HTTP error, bad response, missing key)."""


@dataclass(frozen=True)
class Pricing:
    """USD per million tokens; used to turn usage into cost when the provider does not report it."""

    input_per_mtok: float = 0.0
    output_per_mtok: float = 0.0

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        return (input_tokens * self.input_per_mtok + output_tokens * self.output_per_mtok) / 1_000_000


class ModelPort(Protocol):
    name: str

    def complete(self, messages: list[Message], tools: list[ToolSpec]) -> ModelTurn: ...
