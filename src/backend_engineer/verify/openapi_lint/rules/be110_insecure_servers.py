"""BE110 (OWASP API8, security misconfiguration): a non-local server URL over plain HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from backend_engineer.findings import Finding, Severity
from backend_engineer.verify.openapi_lint.context import LintContext

CODE = "BE110"
SEVERITY = Severity.MINOR
TITLE = "server URL without TLS"
LOCAL = {"localhost", "127.0.0.1", "::1"}


def check(ctx: LintContext) -> Iterator[Finding]:
    for i, server in enumerate(ctx.doc.get("servers") or []):
        url = str(server.get("url", "")) if isinstance(server, dict) else ""
        parts = urlsplit(url)
        if parts.scheme == "http" and parts.hostname not in LOCAL:
            yield ctx.finding(CODE, SEVERITY, TITLE, ("servers", i), url, "use https for every non-local server")
