"""Shared rendering for every command: NO_COLOR, text status labels, --json, findings tables."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table

from backend_engineer.events import Event, Status
from backend_engineer.findings import Finding, Severity

LABELS: dict[str, str] = {
    Status.START.value: "[START]",
    Status.INFO.value: "[INFO]",
    Status.OK.value: "[PASS]",
    Status.WARN.value: "[WARN]",
    Status.FAIL.value: "[FAIL]",
    Status.SKIP.value: "[SKIP]",
    Status.ASK.value: "[ASK]",
    Status.CANCELLED.value: "[CANCELLED]",
}
STYLES: dict[str, str] = {
    Status.OK.value: "green",
    Status.WARN.value: "yellow",
    Status.FAIL.value: "bold red",
    Status.CANCELLED.value: "bold red",
    Status.SKIP.value: "dim",
    Status.ASK.value: "bold cyan",
    Status.START.value: "cyan",
}
SEVERITY_STYLES = {Severity.BLOCKER: "bold red", Severity.MAJOR: "red", Severity.MINOR: "yellow", Severity.INFO: "dim"}


def make_console(stderr: bool = False) -> Console:
    no_color = "NO_COLOR" in os.environ and os.environ["NO_COLOR"] != ""
    return Console(
        stderr=stderr,
        no_color=no_color,
        highlight=False,
        soft_wrap=True,
        force_terminal=None if sys.stdout.isatty() else False,
    )


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    sys.stdout.flush()


def status_label(status: str) -> str:
    return LABELS.get(status, f"[{status.upper()}]")


def render_event(console: Console, event: Event) -> None:
    label = status_label(event.status.value)
    style = STYLES.get(event.status.value, "")
    console.print(
        f"[{style}]{label}[/]" if style else label, f"{event.stage}: {event.message}", markup=True, highlight=False
    )


def render_findings(console: Console, findings: Iterable[Finding], title: str = "Findings") -> None:
    rows = list(findings)
    if not rows:
        console.print("[PASS] no findings", markup=False)
        return
    table = Table(title=title, show_lines=False)
    for col in ("severity", "code", "where", "title"):
        table.add_column(col)
    for f in rows:
        where = f"{f.path}:{f.line}" if f.line else f.path
        table.add_row(f"[{SEVERITY_STYLES[f.severity]}]{f.severity.label.upper()}[/]", f.code, where, f.title)
    console.print(table)
