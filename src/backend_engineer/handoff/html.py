"""The handoff as one self-contained, accessible HTML page (inline CSS, no scripts, every value escaped)."""

from __future__ import annotations

from html import escape
from typing import Any

CSS = """
body{font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2rem auto;max-width:1100px;color:#1b1f24;
padding:0 1rem}h1{font-size:1.6rem}h2{margin-top:2rem;border-bottom:2px solid #d0d7de;padding-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.35rem .5rem;
text-align:left;vertical-align:top}th{background:#f6f8fa}code{background:#f6f8fa;padding:0 .2rem}
.label{font-weight:700;padding:0 .3rem;border-radius:3px}.pass{background:#dafbe1;color:#116329}
.fail{background:#ffebe9;color:#82071e}.warn{background:#fff8c5;color:#7d4e00}.info{background:#ddf4ff;color:#0a3069}
.summary{font-size:1.1rem;background:#f6f8fa;padding:.8rem;border-left:4px solid #0969da}
"""
CLASS = {
    "pass": "pass",
    "passed": "pass",
    "approved": "pass",
    "ready": "pass",
    "fail": "fail",
    "failed": "fail",
    "error": "fail",
    "blocked": "fail",
    "blocker": "fail",
    "major": "fail",
    "cancelled": "fail",
    "declined": "fail",
    "warn": "warn",
    "minor": "warn",
    "skipped": "info",
    "info": "info",
    "mapped": "pass",
}


def _label(status: Any) -> str:
    text = str(status or "")
    return f'<span class="label {CLASS.get(text.lower(), "info")}">[{escape(text.upper())}]</span>'


def _table(headers: list[str], rows: list[list[str]], caption: str) -> str:
    if not rows:
        return "<p>None.</p>"
    head = "".join(f'<th scope="col">{escape(h)}</th>' for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f"<table><caption>{escape(caption)}</caption><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(data: dict[str, Any]) -> str:
    e = escape
    plan = data.get("plan") or {}
    tests = data.get("tests") or {}
    parts = [f"<h1>Handoff: run {e(str(data.get('run_id', '')))}</h1>"]
    if data.get("persona"):
        parts.append(f"<p>From {e(str(data['persona']))}.</p>")
    parts.append(f'<p class="summary">{e(str(data.get("summary", "")))}</p>')
    parts.append(f"<p>Plan hash: <code>{e(str(data.get('plan_hash', '')))}</code></p>")
    parts.append("<h2>Plan</h2><ul>" + "".join(f"<li>{e(str(c))}</li>" for c in plan.get("checklist") or []) + "</ul>")
    parts.append(
        _table(
            ["operation", "method", "path", "service", "data change", "status"],
            [
                [
                    e(str(x.get("operation_id"))),
                    e(str(x.get("method", "")).upper()),
                    f"<code>{e(str(x.get('path')))}</code>",
                    e(str(x.get("service"))),
                    e(str(x.get("data_change"))),
                    _label(x.get("status")),
                ]
                for x in plan.get("endpoints") or []
            ],
            "Endpoint, service and data change",
        )
    )
    parts.append(
        _table(
            ["policy", "item", "status", "evidence"],
            [
                [e(str(s.get("policy"))), e(str(s.get("item"))), _label(s.get("status")), e(str(s.get("evidence")))]
                for s in plan.get("self_check") or []
            ],
            "Self-check against the security policy and SLOs",
        )
    )
    parts.append(
        "<h2>Approvals</h2>"
        + _table(
            ["decision", "question", "answer", "via", "at"],
            [
                [
                    _label(a.get("decision")),
                    e(str(a.get("phrase"))),
                    e(str(a.get("answer"))),
                    e(str(a.get("via"))),
                    e(str(a.get("at"))),
                ]
                for a in data.get("approvals") or []
            ],
            "Approvals ledger",
        )
    )
    status = "pass" if tests.get("failed", 1) == 0 and tests.get("passed") else "fail"
    parts.append(
        f"<h2>Test results</h2><p>{_label(status)} {e(str(tests.get('passed', 0)))} passed, "
        f"{e(str(tests.get('failed', 0)))} failed, {e(str(tests.get('skipped', 0)))} skipped "
        f"({e(str(tests.get('details', '')))})</p>"
    )
    parts.append(
        _table(
            ["check", "status", "summary"],
            [
                [e(str(c.get("name"))), _label(c.get("status")), e(str(c.get("summary")))]
                for c in (data.get("verification") or {}).get("checks") or []
            ],
            "Verification checks",
        )
    )
    parts.append(
        "<h2>Review findings</h2>"
        + _table(
            ["severity", "title", "where", "recommendation"],
            [
                [
                    _label(f.get("severity")),
                    e(str(f.get("title"))),
                    f"<code>{e(str((f.get('where') or {}).get('path')))}:{e(str(((f.get('where') or {}).get('lines') or [0])[0]))}</code>",
                    e(str(f.get("recommendation"))),
                ]
                for f in data.get("findings") or []
            ],
            "Review findings",
        )
    )
    parts.append(
        "<h2>API deviations</h2><ul>"
        + "".join(f"<li>{e(str(d))}</li>" for d in data.get("api_deviations") or [])
        + "</ul>"
        if data.get("api_deviations")
        else "<h2>API deviations</h2><p>None.</p>"
    )
    notes = []
    for n in data.get("migration_notes") or []:
        steps = "".join(f"<li><code>{e(str(s))}</code></li>" for s in n.get("rollback_steps") or [])
        irreversible = "".join(f"<li>{e(str(s))}</li>" for s in n.get("irreversible") or [])
        notes.append(
            f"<h3>{e(str(n.get('revision')))} <small>({e(str(n.get('file')))})</small></h3>"
            f"<p>{e(str(n.get('description', '')))}</p><p>Rollback steps:</p><ol>{steps}</ol>"
            + (f"<p>Irreversible:</p><ul>{irreversible}</ul>" if irreversible else "")
        )
    parts.append("<h2>Migration notes</h2>" + ("".join(notes) or "<p>No migrations.</p>"))
    parts.append(
        _table(
            ["commit", "message"],
            [
                [f"<code>{e(str(c.get('sha', ''))[:12])}</code>", e(str(c.get("message")))]
                for c in data.get("commits") or []
            ],
            "Commits",
        )
    )
    title = f"Handoff {e(str(data.get('run_id', '')))}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head>'
        f"<body><main>{''.join(parts)}</main></body></html>\n"
    )
