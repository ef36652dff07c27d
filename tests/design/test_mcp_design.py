"""The MCP `design` tool over a real stdio client session: draft (read-only by default) and refine."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
from pathlib import Path
from typing import Any

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from tests.conftest import EXAMPLES
from tests.design.support import LIBRARY, bundle_without_contract
from tests.integrations.test_mcp import _payload


async def _session(tmp_path: Path, library: Path, notes: Path) -> dict[str, Any]:
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
        out["draft"] = _payload(await session.call_tool("design", {"bundle": str(library)}))
        out["written"] = _payload(await session.call_tool("design", {"bundle": str(library), "write": True}))
        out["again"] = await session.call_tool("design", {"bundle": str(library), "write": True})
        out["proposal"] = _payload(await session.call_tool("design", {"bundle": str(notes), "refine": True}))
        out["accepted"] = _payload(
            await session.call_tool("design", {"bundle": str(notes), "refine": True, "accept": "BE102,BE107"})
        )
    return out


def test_mcp_design_tool(tmp_path: Path) -> None:
    library = bundle_without_contract(LIBRARY, tmp_path / "library")
    notes = Path(shutil.copytree(EXAMPLES / "incomplete-notes", tmp_path / "notes"))
    out = asyncio.run(_session(tmp_path, library, notes))
    assert "design" in out["tools"]
    assert out["draft"]["written"] is False and out["draft"]["major_findings"] == 0
    assert out["draft"]["contract"].startswith("openapi: 3.1.0")
    assert out["written"]["written"] is True and (library / "openapi.yaml").read_text() == out["written"]["contract"]
    assert out["again"].is_error and "already exists" in out["again"].content[0].text
    assert out["proposal"]["written"] is False and {c["code"] for c in out["proposal"]["changes"]} >= {"BE102", "BE104"}
    assert all(c["diff"].startswith("--- a/openapi.yaml") for c in out["proposal"]["changes"])
    assert out["accepted"]["written"] is True
    assert sorted(out["accepted"]["accepted"]) == ["BE102-1", "BE102-2", "BE107-1", "BE107-2"]
