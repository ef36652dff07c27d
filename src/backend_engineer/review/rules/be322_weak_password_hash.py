"""BE322: passwords hashed with a fast digest (md5, sha1, sha2) instead of a password hash (argon2, bcrypt,
scrypt, pbkdf2)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from backend_engineer.findings import Finding, Severity
from backend_engineer.review.context import FileContext, call_name

CODE = "BE322"
SEVERITY = Severity.MAJOR
TITLE = "password hashed with a fast digest"
CATEGORY = "weak-hash"
DIGESTS = {"md5", "sha1", "sha224", "sha256", "sha384", "sha512", "blake2b", "blake2s", "new"}
PASSWORD = re.compile(r"pass(word|wd)?\b|pwd|passphrase", re.I)


def check(ctx: FileContext) -> Iterator[Finding]:
    for node in ctx.nodes:
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = call_name(node)
        last = name.split(".")[-1]
        if last not in DIGESTS or (last == "new" and "hashlib" not in name):
            continue
        if "." in name and not name.startswith("hashlib."):
            continue
        if PASSWORD.search(ast.unparse(node.args[-1] if last == "new" else node.args[0])):
            yield ctx.finding(
                CODE,
                SEVERITY,
                f"{TITLE}: {name}()",
                node,
                "hash passwords with argon2 (argon2-cffi / pwdlib) or bcrypt",
                CATEGORY,
            )
