"""Template files (Jinja2, Django): output marked safe or autoescape switched off (BE316, XSS)."""

from __future__ import annotations

import re
from pathlib import Path

from backend_engineer.findings import Finding, Severity

TEMPLATE_SUFFIXES = {".html", ".htm", ".jinja", ".jinja2", ".j2", ".tpl"}
SKIP = {".git", "node_modules", ".venv", "venv", "site-packages", "static", "dist", "build"}
UNSAFE = [
    (
        re.compile(r"\{\{-?\s*(?!\s)(?!csrf_token\b|form\b|field\b)[^}]*\|\s*safe\b[^}]*\}\}"),
        "value rendered with |safe",
    ),
    (re.compile(r"\{%-?\s*autoescape\s+(false|off)\s*-?%\}", re.I), "autoescape switched off"),
]


def check_templates(path: Path, base: Path) -> list[Finding]:
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in TEMPLATE_SUFFIXES)
    out: list[Finding] = []
    for file in files:
        if file.suffix not in TEMPLATE_SUFFIXES or set(file.relative_to(base).parts) & SKIP:
            continue
        text = file.read_text(encoding="utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            for rx, what in UNSAFE:
                if rx.search(line):
                    out.append(
                        Finding(
                            "BE316",
                            Severity.MAJOR,
                            f"cross-site scripting: {what}",
                            str(file.relative_to(base)),
                            number,
                            number,
                            evidence=line.strip()[:200],
                            recommendation="let the template engine escape the value; sanitise HTML with a "
                            "maintained allow-list sanitiser (nh3) before marking it safe",
                            category="xss",
                        )
                    )
    return out
