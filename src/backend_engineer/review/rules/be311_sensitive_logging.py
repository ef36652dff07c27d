"""BE311: logging request bodies or PII fields."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name

CODE = "BE311"
SEVERITY = Severity.MAJOR
TITLE = "request body or PII in logs"
CATEGORY = "privacy"
LOG_METHODS = {"debug", "info", "warning", "warn", "error", "exception", "critical", "log"}
SENSITIVE = re.compile(
    r"request\.(body|json|data|form|get_json)|\b(body|payload)\b|email|password|passwd|ssn|"
    r"phone|card_number|credit_card|token|secret|authorization",
    re.I,
)


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if not isinstance(node, ast.Call):
            continue
        parts = call_name(node).split(".")
        if parts[-1] not in LOG_METHODS or not any(
            p in {"logger", "log", "logging", "LOG", "_log"} or p.endswith("logger") for p in parts[:-1]
        ):
            continue
        args = [a for a in node.args[1:]] + [k.value for k in node.keywords if k.arg not in ("exc_info", "stacklevel")]
        first = node.args[0] if node.args else None
        texts = [ctx.segment(a) for a in args]
        if isinstance(first, ast.JoinedStr):
            texts += [ctx.segment(v) for v in first.values if isinstance(v, ast.FormattedValue)]
        hit = next((t for t in texts if SENSITIVE.search(t)), None)
        if hit:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {hit[:40]}",
                node,
                "log ids and outcomes only; redact PII and never log bodies or credentials",
                CATEGORY,
            )
