"""Writes handoff.md and handoff.json (and handoff.html when the renderer is present) for a run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend_engineer import TOOL_NAME, __version__
from backend_engineer.handoff.deviations import api_deviations
from backend_engineer.handoff.migrations import migration_notes
from backend_engineer.runs.folder import atomic_write, load_state
from backend_engineer.runs.ledger import read_ledger


def _read_json(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text())
    return data if isinstance(data, dict) else None


def _tests(verification: dict[str, Any] | None) -> dict[str, Any]:
    if not verification:
        return {"passed": 0, "failed": 0, "skipped": 0, "details": "verification did not run"}
    for check in verification.get("checks", []):
        if check.get("name") == "tests":
            details = check.get("details") or {}
            return {
                "passed": int(details.get("passed", 0)),
                "failed": int(details.get("failed", 0)),
                "skipped": int(details.get("skipped", 0)),
                "details": check.get("summary", ""),
            }
    return {"passed": 0, "failed": 0, "skipped": 0, "details": "no test check in the verification report"}


def build_handoff(run_dir: Path) -> dict[str, Any]:
    state = load_state(run_dir)
    plan = _read_json(run_dir / "plan.json") or {}
    verification = _read_json(run_dir / "verification.json")
    review = _read_json(run_dir / "review.json")
    out_dir = Path(state.out_dir)
    files_changed = [
        {"path": f["path"], "action": f["action"], "change": c["index"]}
        for c in plan.get("changes", [])
        for f in c["files"]
    ]
    checks = (verification or {}).get("checks", [])
    verify_line = (
        f"{sum(c.get('status') == 'passed' for c in checks)}/{len(checks)} verification checks passed"
        if checks
        else "verification did not run"
    )
    review_line = (
        f"review {review.get('status')} with {len(review.get('findings', []))} finding(s)"
        if review
        else "review did not run"
    )
    summary = (
        f"{plan.get('service', '?')}: {len(plan.get('endpoints', []))} operation(s), "
        f"{len(state.commits)} commit(s) in {out_dir}; {verify_line}; {review_line}."
    )
    return {
        "tool": TOOL_NAME,
        "version": __version__,
        "run_id": state.run_id,
        "bundle": state.bundle,
        "out_dir": str(out_dir),
        "persona": plan.get("persona"),
        "status": state.status,
        "summary": summary,
        "plan": {k: plan.get(k) for k in ("checklist", "endpoints", "changes", "self_check", "needs_business_logic")},
        "plan_hash": state.plan_hash,
        "approvals": [r.to_dict() for r in read_ledger(run_dir)],
        "files_changed": files_changed,
        "commits": state.commits,
        "tests": _tests(verification),
        "verification": verification or {"checks": []},
        "findings": (review or {}).get("findings", []),
        "review_status": (review or {}).get("status"),
        "api_deviations": api_deviations(Path(state.bundle), out_dir, plan, verification) if out_dir.is_dir() else [],
        "migration_notes": migration_notes(out_dir) if out_dir.is_dir() else [],
        "llm_usage": _read_json(run_dir / "usage.json"),
    }


def _usage_line(usage: dict[str, Any]) -> str:
    """Tokens and cost of the LLM engine's calls, as the engine reported them."""
    return ", ".join(f"{key.replace('_', ' ')}: {value}" for key, value in usage.items() if not isinstance(value, dict))


def to_markdown(data: dict[str, Any]) -> str:
    out = [f"# Handoff: run {data['run_id']}", ""]
    if data.get("persona"):
        out += [f"From {data['persona']}.", ""]
    out += ["## Summary", "", data["summary"], "", f"Plan hash: `{data['plan_hash']}`", ""]
    if data.get("llm_usage"):
        out += ["## Model usage", "", _usage_line(data["llm_usage"]), ""]
    out += ["## Approvals", ""]
    out += [
        f'- [{a["decision"].upper()}] "{a["phrase"]}" answered {a["answer"]!r} via {a["via"]} at {a["at"]}'
        for a in data["approvals"]
    ] or ["- none"]
    tests = data["tests"]
    out += [
        "",
        "## Test results",
        "",
        f"- [{'PASS' if tests['failed'] == 0 and tests['passed'] else 'FAIL'}] {tests['passed']} passed, "
        f"{tests['failed']} failed, {tests['skipped']} skipped ({tests['details']})",
    ]
    for check in data["verification"].get("checks", []):
        out.append(f"- [{str(check.get('status', '')).upper()}] {check.get('name')}: {check.get('summary', '')}")
    out += ["", "## Review findings", ""]
    out += [
        f"- [{f['severity'].upper()}] {f['title']} at {f['where']['path']}:{(f['where']['lines'] or [0])[0]}"
        for f in data["findings"]
    ] or ["- none"]
    out += ["", "## API deviations", ""]
    out += [f"- {d}" for d in data["api_deviations"]] or ["- none: the service follows the contract"]
    out += ["", "## Migration notes", ""]
    for note in data["migration_notes"]:
        out += [
            f"### {note['revision']} ({note['file']})",
            "",
            note.get("description", ""),
            "",
            "Rollback steps:",
            "",
        ] + [f"1. `{s}`" if i == 0 else f"   - {s}" for i, s in enumerate(note["rollback_steps"])]
        if note.get("irreversible"):
            out += ["", "Irreversible steps:"] + [f"- {s}" for s in note["irreversible"]]
        if note.get("verify"):
            out += ["", "Verify:"] + [f"- {s}" for s in note["verify"]]
        if note.get("operations"):
            out += ["", "Operations:"] + [f"- {s}" for s in note["operations"]]
        out.append("")
    if not data["migration_notes"]:
        out.append("- no migrations")
    out += ["", "## Files changed", ""]
    out += [f"- {f['action']} `{f['path']}` (change {f['change']})" for f in data["files_changed"]]
    out += ["", "## Commits", ""]
    out += [f"- `{c['sha'][:12]}` {c['message']}" for c in data["commits"]] or ["- none"]
    return "\n".join(out) + "\n"


def write_handoff(run_dir: Path) -> list[Path]:
    data = build_handoff(run_dir)
    paths = [run_dir / "handoff.json", run_dir / "handoff.md"]
    atomic_write(paths[0], json.dumps(data, indent=2) + "\n")
    atomic_write(paths[1], to_markdown(data))
    try:
        from backend_engineer.handoff.html import render_html
    except ImportError:
        return paths
    paths.append(run_dir / "handoff.html")
    atomic_write(paths[2], render_html(data))
    return paths
