"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions and Anthropic messages wire formats.

It replays a queue of scripted items: a model turn (``{"text", "tool_calls", "usage"}``) or an error
(``{"status": 429, "retry_after": "0.05"}``, ``{"status": 500}``). Every request is recorded (body and
whether an Authorization/x-api-key header came) so tests can check what the real SDK clients sent.
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

_ids = itertools.count(1)


def estimate_usage(turn: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """``"usage": "estimate"``: about four characters a token, of what was sent and of the answer."""
    if turn.get("usage") != "estimate":
        return turn
    sent = json.dumps(request.get("messages", [])) + json.dumps(request.get("system", ""))
    sent += json.dumps(request.get("tools", []))
    answer = json.dumps({"text": turn.get("text", ""), "tool_calls": turn.get("tool_calls", [])})
    return {**turn, "usage": {"input_tokens": len(sent) // 4, "output_tokens": len(answer) // 4}}


def _openai_body(turn: dict[str, Any], model: str) -> dict[str, Any]:
    calls = [
        {
            "id": c.get("id") or f"call_{next(_ids)}",
            "type": "function",
            "function": {"name": c["name"], "arguments": json.dumps(c.get("arguments", {}))},
        }
        for c in turn.get("tool_calls", [])
    ]
    message: dict[str, Any] = {"role": "assistant", "content": turn.get("text") or None}
    if calls:
        message["tool_calls"] = calls
    usage = turn.get("usage", {})
    tin, tout = usage.get("input_tokens", 10), usage.get("output_tokens", 5)
    return {
        "id": f"chatcmpl-{next(_ids)}",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": "tool_calls" if calls else "stop"}],
        "usage": {"prompt_tokens": tin, "completion_tokens": tout, "total_tokens": tin + tout},
    }


def _anthropic_body(turn: dict[str, Any], model: str) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if turn.get("text"):
        content.append({"type": "text", "text": turn["text"]})
    for c in turn.get("tool_calls", []):
        content.append(
            {
                "type": "tool_use",
                "id": c.get("id") or f"toolu_{next(_ids)}",
                "name": c["name"],
                "input": c.get("arguments", {}),
            }
        )
    usage = turn.get("usage", {})
    return {
        "id": f"msg_{next(_ids)}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": content,
        "stop_reason": "tool_use" if turn.get("tool_calls") else "end_turn",
        "stop_sequence": None,
        "usage": {"input_tokens": usage.get("input_tokens", 10), "output_tokens": usage.get("output_tokens", 5)},
    }


class FakeModelServer:
    def __init__(self) -> None:
        self.queue: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                server._handle(self, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def push(self, *items: dict[str, Any]) -> None:
        with self.lock:
            self.queue.extend(items)

    def _send(
        self, handler: BaseHTTPRequestHandler, status: int, body: dict[str, Any], headers: dict[str, str]
    ) -> None:
        data = json.dumps(body).encode()
        handler.send_response(status)
        handler.send_header("content-type", "application/json")
        handler.send_header("content-length", str(len(data)))
        for k, v in headers.items():
            handler.send_header(k, v)
        handler.end_headers()
        handler.wfile.write(data)

    def _handle(self, handler: BaseHTTPRequestHandler, body: dict[str, Any]) -> None:
        path = handler.path.split("?")[0]
        wire = "openai" if path.endswith("/chat/completions") else "anthropic" if path.endswith("/messages") else ""
        with self.lock:
            self.requests.append(
                {
                    "path": path,
                    "wire": wire,
                    "body": body,
                    "auth": handler.headers.get("authorization") or handler.headers.get("x-api-key") or "",
                }
            )
            item = self.queue.pop(0) if self.queue else {"status": 500, "message": "script exhausted"}
        if not wire:
            self._send(handler, 404, {"error": {"message": f"no route {path}"}}, {})
            return
        status = int(item.get("status", 200))
        if status != 200:
            kind = "rate_limit_error" if status == 429 else "api_error"
            message = item.get("message", "rate limited" if status == 429 else "internal error")
            err = (
                {"error": {"message": message, "type": kind, "code": None}}
                if wire == "openai"
                else {"type": "error", "error": {"type": kind, "message": message}}
            )
            headers = {"retry-after": str(item["retry_after"])} if "retry_after" in item else {}
            self._send(handler, status, err, headers)
            return
        model = str(body.get("model", "fake"))
        item = estimate_usage(item, body)
        out = _openai_body(item, model) if wire == "openai" else _anthropic_body(item, model)
        self._send(handler, 200, out, {})

    def start(self) -> FakeModelServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@contextmanager
def running() -> Iterator[FakeModelServer]:
    server = FakeModelServer().start()
    try:
        yield server
    finally:
        server.stop()
