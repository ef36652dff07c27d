"""The handoff as one self-contained HTML page, rendered in headless Chromium with a screenshot."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from backend_engineer.handoff.html import render_html

HOSTILE = "<script>alert('x')</script>"
SAMPLE = {
    "run_id": "20261122-000000-abcdef",
    "persona": "Casey (Backend Engineer)",
    "summary": f"projects {HOSTILE}",
    "plan_hash": "a" * 64,
    "plan": {
        "checklist": ["Apply migrations first", "Implement 17 operations"],
        "endpoints": [
            {
                "operation_id": "listProjects",
                "method": "get",
                "path": "/v1/projects",
                "service": "ProjectService.list",
                "data_change": "SELECT projects",
                "status": "mapped",
            }
        ],
        "self_check": [
            {
                "policy": "security.yaml",
                "item": "deny by default",
                "status": "pass",
                "evidence": "authorization.default = deny",
            }
        ],
    },
    "approvals": [
        {
            "decision": "approved",
            "phrase": "May I proceed with implementing this backend solution?",
            "answer": "yes",
            "via": "--yes flag",
            "at": "2026-11-22T00:00:00Z",
        }
    ],
    "tests": {"passed": 99, "failed": 0, "skipped": 1, "details": "99 passed (sqlite)"},
    "verification": {"checks": [{"name": "probe", "status": "passed", "summary": "252 requests"}]},
    "findings": [
        {
            "severity": "minor",
            "title": "BE106 unbounded string",
            "where": {"path": "openapi.yaml", "lines": [3, 3]},
            "recommendation": "add maxLength",
        }
    ],
    "api_deviations": [],
    "migration_notes": [
        {
            "revision": "0001",
            "file": "migrations/versions/0001_initial.py",
            "description": "Initial schema",
            "rollback_steps": ["alembic downgrade base"],
            "irreversible": ["dropping tables deletes data"],
        }
    ],
    "commits": [{"sha": "0123456789abcdef", "message": "feat(db): initial schema"}],
}


def test_html_is_self_contained_and_escaped() -> None:
    page = render_html(SAMPLE)
    assert HOSTILE not in page and "&lt;script&gt;" in page
    assert '<html lang="en">' in page and "<script" not in page.replace("&lt;script", "")
    assert "<link" not in page and "src=" not in page, "no external assets"
    for text in ("Approvals", "Test results", "Migration notes", "Review findings", "[APPROVED]", "[PASS]"):
        assert text in page


def _chromium() -> str:
    found = shutil.which("chromium")
    if found is None:
        if os.environ.get("CI") == "true":
            pytest.fail("chromium is not installed; run scripts/ensure-chromium.sh (CI requires it)")
        pytest.skip("chromium is not installed; run scripts/ensure-chromium.sh")
    return found


def test_chromium_renders_the_page_with_a_screenshot(tmp_path: Path) -> None:
    chromium = _chromium()
    page = tmp_path / "handoff.html"
    page.write_text(render_html(SAMPLE))
    shot = tmp_path / "handoff.png"
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    subprocess.run(
        [chromium, *flags, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=False,
    )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000
    width, height = struct.unpack(">II", data[16:24])
    assert (width, height) == (1280, 1600)
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=False
    ).stdout
    assert "Handoff: run 20261122-000000-abcdef" in dom and "[APPROVED]" in dom and "ProjectService.list" in dom
