"""The run's transcript: JSONL, one line per event, flushed and fsynced as it happens; and its replay.

Lines (``kind``):

- ``header``: version, task, provider and model, price, budget, validation checks, the repository tree
  the run started from, tool names.
- ``turn``: one model call: the request (the messages added since the previous call, the total count and
  a fingerprint of the whole conversation) and the response (text, tool calls, token usage and cost).
- ``error``: a model call that failed (the message).
- ``end``: the report and the repository tree the run left (the committed tree, when it committed).

Every string is passed through :class:`Redactor` first: the values of secret-looking environment
variables (``*_KEY``, ``*_TOKEN``, ...) and well-known token shapes (``sk-...``, ``Bearer ...``,
``Authorization:`` and ``x-api-key:`` headers, GitHub/Slack/AWS tokens, JWTs, private-key blocks).

:class:`ReplayModel` answers from a transcript instead of a provider, offline. The conversation's
*structure* (roles, tool-call ids, names and arguments, and every non-tool message) must match what was
recorded, else the replay stops as diverged; tool outputs may legitimately differ (timings, absolute
paths) and are counted, not fatal.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import IO, Any

from backend_engineer.llm.providers.base import Message, ModelError, ModelTurn, ToolCall, ToolSpec, Usage

VERSION = 1
SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL|AUTH)", re.I)
PATTERNS = (
    re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    re.compile(r"(?i)\b(authorization|proxy-authorization)(\"?\s*[:=]\s*\"?)((?:[A-Za-z]+\s+)?[^\s\"',]+)"),
    re.compile(r"(?i)\b(x-api-key|api[_-]?key|access[_-]?token|secret|password)(\"?\s*[:=]\s*\"?)([^\s\"',}]{6,})"),
    re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{8,}"),
    re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{16,}"),
    re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}"),
    re.compile(r"\bxox[abprs]-[A-Za-z0-9-]{10,}"),
    re.compile(r"\bAKIA[0-9A-Z]{16}\b"),
    re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"),
)
MASK = "[REDACTED]"


class Redactor:
    """Replaces secrets in text: known secret values from the environment first, then token shapes."""

    def __init__(self, environ: dict[str, str] | None = None, extra: tuple[str, ...] = ()) -> None:
        env = os.environ if environ is None else environ
        values = {v for k, v in env.items() if SECRET_ENV.search(k) and len(v) >= 8}
        values |= {v for v in extra if len(v) >= 8}
        self.values = sorted(values, key=len, reverse=True)

    def text(self, value: str) -> str:
        for secret in self.values:
            value = value.replace(secret, MASK)
        for pattern in PATTERNS:
            value = pattern.sub(_mask_match, value)
        return value

    def data(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {k: self.data(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.data(v) for v in value]
        return value


def _mask_match(match: re.Match[str]) -> str:
    if match.lastindex and match.lastindex >= 3:
        return f"{match.group(1)}{match.group(2)}{MASK}"
    return MASK


def message_dict(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.tool_calls:
        out["tool_calls"] = [asdict(c) for c in m.tool_calls]
    if m.tool_call_id:
        out["tool_call_id"] = m.tool_call_id
    if m.name:
        out["name"] = m.name
    return out


def turn_dict(turn: ModelTurn) -> dict[str, Any]:
    return {
        "text": turn.text,
        "tool_calls": [asdict(c) for c in turn.tool_calls],
        "usage": asdict(turn.usage),
    }


def fingerprint(messages: list[dict[str, Any]]) -> str:
    """The conversation's structure: tool outputs are left out (they carry timings and absolute paths)."""
    shape = [{**m, "content": None} if m["role"] == "tool" else m for m in messages]
    return hashlib.sha256(json.dumps(shape, sort_keys=True, default=str).encode()).hexdigest()


def tool_digest(messages: list[dict[str, Any]]) -> str:
    outputs = [m["content"] for m in messages if m["role"] == "tool"]
    return hashlib.sha256(json.dumps(outputs).encode()).hexdigest()


class Transcript:
    """Appends redacted JSONL lines to ``path``; each line is flushed and fsynced before the run goes on."""

    def __init__(self, path: Path, redactor: Redactor | None = None, **meta: Any) -> None:
        self.path = path
        self.meta = meta
        self.redactor = redactor or Redactor()
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: IO[str] | None = path.open("w", encoding="utf-8")
        self._sent = 0
        self.started = time.monotonic()

    def _write(self, record: dict[str, Any]) -> None:
        if self._fh is None:
            return
        self._fh.write(json.dumps(self.redactor.data(record), sort_keys=True, default=str) + "\n")
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def header(self, **fields: Any) -> None:
        self._write({"kind": "header", "version": VERSION, "started_at": _now(), **fields})

    def _request(self, messages: list[Message]) -> dict[str, Any]:
        wire = [self.redactor.data(message_dict(m)) for m in messages]
        new = wire[self._sent :]
        self._sent = len(wire)
        return {
            "new_messages": new,
            "messages_total": len(wire),
            "fingerprint": fingerprint(wire),
            "tool_outputs": tool_digest(wire),
        }

    def turn(self, step: int, messages: list[Message], turn: ModelTurn) -> None:
        self._write(
            {
                "kind": "turn",
                "step": step,
                "elapsed_s": round(time.monotonic() - self.started, 3),
                "request": self._request(messages),
                "response": turn_dict(turn),
            }
        )

    def error(self, step: int, messages: list[Message], message: str) -> None:
        self._write({"kind": "error", "step": step, "request": self._request(messages), "message": message})

    def end(self, report: dict[str, Any], result_tree: str | None) -> None:
        self._write(
            {
                "kind": "end",
                "elapsed_s": round(time.monotonic() - self.started, 3),
                "report": report,
                "result_tree": result_tree,
            }
        )

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def read(path: str | Path) -> list[dict[str, Any]]:
    """The transcript's records; a missing or malformed file is a :class:`ModelError` naming the line."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ModelError(f"{file}: cannot read the transcript: {exc.strerror}") from None
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ModelError(f"{file}:{number}: not a JSON line: {exc.msg}") from None
        if not isinstance(record, dict) or "kind" not in record:
            raise ModelError(f"{file}:{number}: expected an object with a 'kind'")
        records.append(record)
    if not records or records[0]["kind"] != "header":
        raise ModelError(f"{file}: the first line must be the transcript header (kind: header)")
    if records[0].get("version") != VERSION:
        raise ModelError(f"{file}: transcript version {records[0].get('version')!r}; this tool reads {VERSION}")
    return records


class ReplayModel:
    """A model port that answers from a transcript, checking that the conversation takes the same course."""

    name = "replay"

    def __init__(self, source: str | Path | list[dict[str, Any]], strict: bool = True) -> None:
        self.source = str(source) if not isinstance(source, list) else "<records>"
        records = read(source) if not isinstance(source, list) else source
        self.header = records[0]
        self.calls = [r for r in records if r["kind"] in ("turn", "error")]
        self.end = next((r for r in records if r["kind"] == "end"), None)
        self.strict = strict
        self.redactor = Redactor()
        self.index = 0
        self.divergences: list[str] = []
        self.tool_output_differences: list[int] = []

    def complete(self, messages: list[Message], tools: list[ToolSpec]) -> ModelTurn:
        step = self.index + 1
        if self.index >= len(self.calls):
            raise ModelError(f"replay diverged: the run asked for step {step}; the transcript has {len(self.calls)}")
        record = self.calls[self.index]
        self.index += 1
        wire = [self.redactor.data(message_dict(m)) for m in messages]
        request = record.get("request") or {}
        if request.get("fingerprint") and fingerprint(wire) != request["fingerprint"]:
            why = f"step {step}: the conversation differs from the recorded one ({len(wire)} messages now, " + (
                f"{request.get('messages_total')} recorded)"
            )
            self.divergences.append(why)
            if self.strict:
                raise ModelError(f"replay diverged at {why}")
        if request.get("tool_outputs") and tool_digest(wire) != request["tool_outputs"]:
            self.tool_output_differences.append(step)
        if record["kind"] == "error":
            raise ModelError(str(record.get("message", "recorded model error")))
        response = record["response"]
        calls = tuple(
            ToolCall(str(c["id"]), str(c["name"]), dict(c.get("arguments") or {}))
            for c in response.get("tool_calls") or []
        )
        usage = Usage(**{k: response.get("usage", {}).get(k, 0) for k in ("input_tokens", "output_tokens", "cost_usd")})
        return ModelTurn(str(response.get("text", "")), calls, usage)

    def summary(self) -> dict[str, Any]:
        return {
            "transcript": self.source,
            "steps_replayed": self.index,
            "steps_recorded": len(self.calls),
            "divergences": list(self.divergences),
            "tool_output_differences": list(self.tool_output_differences),
        }
