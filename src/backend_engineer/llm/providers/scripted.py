"""A model that replays scripted turns, for offline demos and tests. Scripts ship in ``llm/scripts/``.

A script is JSON or YAML: ``{"turns": [{"text": ..., "tool_calls": [{"name": ..., "arguments": {...}}],
"usage": {"input_tokens": N, "output_tokens": N, "cost_usd": X}}, ...]}``. When the turns run out the
model answers with a final text turn, so a loop always ends.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from backend_engineer.llm.providers.base import Message, ModelError, ModelTurn, ToolCall, ToolSpec, Usage


def _turn(raw: dict[str, Any], index: int) -> ModelTurn:
    calls = tuple(
        ToolCall(str(c.get("id") or f"call_{index}_{j}"), str(c["name"]), dict(c.get("arguments") or {}))
        for j, c in enumerate(raw.get("tool_calls") or [])
    )
    u = raw.get("usage") or {}
    usage = Usage(int(u.get("input_tokens", 0)), int(u.get("output_tokens", 0)), float(u.get("cost_usd", 0.0)))
    return ModelTurn(str(raw.get("text", "")), calls, usage)


def load_script(source: str | Path) -> list[dict[str, Any]]:
    """A path to a JSON/YAML file, or the name of a script shipped in the package (without extension)."""
    path = Path(source)
    if path.is_file():
        text, suffix = path.read_text(encoding="utf-8"), path.suffix
    else:
        pkg = resources.files("backend_engineer.llm") / "scripts"
        for ext in (".yaml", ".json"):
            candidate = pkg / f"{source}{ext}"
            if candidate.is_file():
                text, suffix = candidate.read_text(encoding="utf-8"), ext
                break
        else:
            shipped = sorted(p.name.rsplit(".", 1)[0] for p in pkg.iterdir() if p.name.endswith((".yaml", ".json")))
            raise ModelError(f"no script {source!r}: pass a JSON/YAML file or one of {shipped}")
    try:
        data = json.loads(text) if suffix == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise ModelError(f"{source}: the script is not valid {suffix.lstrip('.').upper()}: {exc}") from None
    turns = data.get("turns") if isinstance(data, dict) else None
    if not isinstance(turns, list) or not all(isinstance(t, dict) for t in turns):
        raise ModelError(f"{source}: expected a mapping with a 'turns' list of mappings")
    return turns


class ScriptedModel:
    name = "scripted"

    def __init__(self, turns: list[dict[str, Any]] | str | Path) -> None:
        raw = load_script(turns) if isinstance(turns, (str, Path)) else turns
        self.turns = [_turn(t, i) for i, t in enumerate(raw)]
        self.calls = 0
        self.seen: list[list[Message]] = []

    def complete(self, messages: list[Message], tools: list[ToolSpec]) -> ModelTurn:
        self.seen.append(list(messages))
        index = self.calls
        self.calls += 1
        if index < len(self.turns):
            return self.turns[index]
        return ModelTurn("The script has no more turns; stopping.")
