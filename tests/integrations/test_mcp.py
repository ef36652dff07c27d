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


async def _workflow(tmp_path: Path, errlog: Any) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k != "BACKEND_ENGINEER_RUNS"}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "backend_engineer.cli.main", "mcp"], env=env, cwd=str(tmp_path / "cwd")
    )
    svc = tmp_path / "work" / "svc"
    out: dict[str, Any] = {}
    async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        out["schemas"] = {t.name: t.input_schema for t in (await session.list_tools()).tools}
        plan = _payload(await session.call_tool("plan", {"bundle": str(EXAMPLES / "projects-saas"), "out": str(svc)}))
        out["plan"] = plan
        out["unapproved"] = await session.call_tool("build", {"run_dir": plan["run_dir"], "verify": False})
        out["written_before_approval"] = (svc / "app").exists()
        out["bad_engine"] = await session.call_tool(
            "plan", {"bundle": str(EXAMPLES / "projects-saas"), "out": str(svc), "engine": "magic"}
        )
        await session.call_tool("approve", {"run_dir": plan["run_dir"], "answer": "yes"})
        out["built"] = _payload(await session.call_tool("build", {"run_dir": plan["run_dir"], "verify": False}))
        routes = svc / "app" / "entrypoints" / "api" / "routes.py"
        routes.write_text(routes.read_text() + "\n# hand edit\n")
        out["conflict"] = await session.call_tool(
            "plan", {"bundle": str(EXAMPLES / "projects-saas-v2"), "out": str(svc)}
        )
    return out


def test_mcp_workflow_errors_enums_build_and_run_folders(tmp_path: Path) -> None:
    from backend_engineer.engines.registry import ENGINES

    (tmp_path / "cwd").mkdir()
    with (tmp_path / "server.log").open("w") as errlog:
        out = asyncio.run(_workflow(tmp_path, errlog))
    server_log = (tmp_path / "server.log").read_text()
    for name, schema in out["schemas"].items():
        for param, spec in schema.get("properties", {}).items():
            assert spec.get("description"), f"{name}.{param} has no description"
    assert set(out["schemas"]["plan"]["properties"]["engine"]["enum"]) == set(ENGINES)
    assert out["schemas"]["build"]["properties"]["db"]["enum"] == ["sqlite", "postgresql"]
    assert out["schemas"]["build"]["required"] == ["run_dir"]

    run_dir = Path(out["plan"]["run_dir"])
    assert run_dir.parent == tmp_path / "work" / ".backend-engineer" / "runs", "run folders sit beside the output"
    assert not (tmp_path / "cwd" / ".backend-engineer").exists()

    unapproved = out["unapproved"]
    assert unapproved.is_error and "[exit 4 (not-approved)]" in unapproved.content[0].text
    assert out["written_before_approval"] is False
    assert out["bad_engine"].is_error and "magic" in out["bad_engine"].content[0].text
    assert out["built"]["exit_code"] == 0 and len(out["built"]["commits"]) >= 5
    assert any(e["stage"] == "approve" and "approved earlier" in e["message"] for e in out["built"]["events"])

    conflict = out["conflict"]
    text = conflict.content[0].text
    assert conflict.is_error and "app/entrypoints/api/routes.py" in text and "[exit 8 (conflict)]" in text
    assert "Traceback" not in server_log, server_log[-2000:]
