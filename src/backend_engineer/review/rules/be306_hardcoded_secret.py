"""BE306: secrets in code, found by value pattern and entropy, not only by variable name."""

from __future__ import annotations

import ast
import math
import re
from collections import Counter
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, walk

CODE = "BE306"
SEVERITY = Severity.BLOCKER
TITLE = "hard-coded secret"
CATEGORY = "secrets"
PATTERNS = {
    "AWS access key": re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b"),
    "private key": re.compile(r"-----BEGIN (RSA |EC |OPENSSH |)PRIVATE KEY-----"),
    "GitHub token": re.compile(r"\bgh[pousr]_[A-Za-z0-9]{30,}\b"),
    "Stripe live key": re.compile(r"\b[sr]k_live_[A-Za-z0-9]{16,}\b"),
    "Slack token": re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}\b"),
    "JWT": re.compile(r"\beyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\b"),
    "credentials in URL": re.compile(r"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]{4,}@"),
}
SECRET_NAME = re.compile(r"secret|passw|token|api_?key|private|credential|signing", re.I)
HEX_KEY = re.compile(r"^[0-9a-fA-F]{40,}$")
TOKEN_CHARS = re.compile(r"^[A-Za-z0-9+/=_.-]+$")
"""Unnamed strings count only when they look like a token: no regex, path or URL punctuation."""
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def entropy(value: str) -> float:
    counts = Counter(value)
    return -sum(c / len(value) * math.log2(c / len(value)) for c in counts.values())


def _names(tree: ast.Module) -> dict[int, str]:
    """The name each string constant is bound to: an assignment target, a keyword or a dict key."""
    out: dict[int, str] = {}
    for node in walk(tree):
        if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Constant):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            out[id(node.value)] = " ".join(ast.unparse(t) for t in targets)
        elif isinstance(node, ast.keyword) and isinstance(node.value, ast.Constant) and node.arg:
            out[id(node.value)] = node.arg
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(value, ast.Constant) and isinstance(key, ast.Constant):
                    out[id(value)] = str(key.value)
        elif (
            isinstance(node, ast.Compare)
            and len(node.comparators) == 1
            and isinstance(node.comparators[0], ast.Constant)
        ):
            out[id(node.comparators[0])] = ast.unparse(node.left)
    return out


def check(ctx: FileContext) -> Iterator[Finding]:
    names = _names(ctx.tree)
    for node in ctx.nodes:
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str) or len(node.value) < 8:
            continue
        value = node.value
        kind = next((k for k, rx in PATTERNS.items() if rx.search(value)), None)
        if kind is None:
            compact = value.strip()
            high = len(compact) >= 20 and " " not in compact and entropy(compact) >= 4.0
            named = bool(SECRET_NAME.search(names.get(id(node), "")))
            hex_key = bool(HEX_KEY.match(compact)) and entropy(compact) >= 3.5
            token_like = bool(TOKEN_CHARS.match(compact)) and any(c.isdigit() for c in compact)
            unnamed_token = token_like and len(compact) >= 32 and entropy(compact) >= 4.5 and not UUID.match(compact)
            if (high and named) or unnamed_token or (hex_key and named):
                kind = f"high-entropy string (entropy {entropy(compact):.1f})"
            elif (
                named
                and len(compact) >= 8
                and " " not in compact
                and not compact.isupper()
                and not compact.startswith(("http", "/", "$", "{", "<"))
                and entropy(compact) >= 3.0
            ):
                kind = "secret-named literal"
        if kind:
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {kind}",
                node,
                "load secrets from the environment or a secret store, and rotate this one",
                CATEGORY,
            )
