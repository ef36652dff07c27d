"""The MCP server, exercised with a real MCP client session over stdio."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.conftest import EXAMPLES

TOOLS = {"intake", "plan", "approve", "openapi_lint", "migration_check", "review", "verify", "handoff"}


def _payload(result: Any) -> Any:
    if getattr(result, "structured_content", None):
        data = result.structured_content
        return data.get("result", data) if isinstance(data, dict) else data
    return json.loads(result.content[0].text)


async def _session(tmp_path: Path) -> dict[str, Any]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "backend_engineer.cli.main", "mcp"],
        env={**os.environ, "BACKEND_ENGINEER_RUNS": str(tmp_path / "runs")},
        cwd=str(tmp_path),
    )
    out: dict[str, Any] = {}
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        out["tools"] = {t.name for t in (await session.list_tools()).tools}
        out["incomplete"] = _payload(await session.call_tool("intake", {"bundle": str(EXAMPLES / "incomplete-notes")}))
        out["complete"] = _payload(await session.call_tool("intake", {"bundle": str(EXAMPLES / "projects-saas")}))
        out["lint"] = _payload(
            await session.call_tool("openapi_lint", {"file": str(EXAMPLES / "incomplete-notes" / "openapi.yaml")})
        )
        out["missing"] = await session.call_tool("intake", {"bundle": str(tmp_path / "nope")})
        plan = _payload(
            await session.call_tool("plan", {"bundle": str(EXAMPLES / "projects-saas"), "out": str(tmp_path / "svc")})
        )
        out["plan"] = plan
        out["refused"] = await session.call_tool("approve", {"run_dir": plan["run_dir"], "answer": "sounds good"})
        out["approved"] = _payload(await session.call_tool("approve", {"run_dir": plan["run_dir"], "answer": "yes"}))
    return out


def test_mcp_tools_over_stdio(tmp_path: Path) -> None:
    out = asyncio.run(_session(tmp_path))
    assert out["tools"] >= TOOLS
    assert out["incomplete"]["status"] == "incomplete" and out["incomplete"]["blockers"] == 10
    assert out["complete"]["status"] == "complete"
    assert any(f["code"] == "BE102" for f in out["lint"]["findings"])
    assert out["missing"].is_error and "no such bundle folder" in out["missing"].content[0].text
    assert out["plan"]["question"].endswith(("?", "."))
    assert out["refused"].is_error and "not an explicit approval" in out["refused"].content[0].text
    assert out["approved"]["decision"] == "approved" and out["approved"]["via"] == "mcp tool call"
    ledger = Path(out["plan"]["run_dir"]) / "approvals.jsonl"
    assert [json.loads(line)["decision"] for line in ledger.read_text().splitlines()] == ["declined", "approved"]
