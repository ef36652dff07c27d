"""A small real git repository for the agent tests: a package, its tests and a ruff config."""

from __future__ import annotations

import subprocess
from pathlib import Path

from backend_engineer.llm.sandbox import Host, Runner, select

FILES = {
    "pyproject.toml": '[project]\nname = "calc"\nversion = "0.1.0"\n\n[tool.ruff]\nline-length = 110\n',
    "calc/__init__.py": "",
    "calc/ops.py": '"""Arithmetic."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n',
    "tests/__init__.py": "",
    "tests/test_ops.py": "from calc.ops import add\n\n\ndef test_add() -> None:\n    assert add(2, 3) == 5\n",
    "infra/deploy.sh": "#!/bin/sh\necho deploy\n",
    "conftest.py": "",
}
OWNED = ("calc/", "tests/")
FORBIDDEN = ("infra/",)


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout


def make_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for rel, text in FILES.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "init")
    return root


def head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD").strip()


def status(repo: Path) -> str:
    return git(repo, "status", "--porcelain", "--untracked-files=all")


def call(name: str, **arguments: object) -> dict[str, object]:
    return {"name": name, "arguments": arguments}


MUL_SRC = (
    '"""Arithmetic."""\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n\n\n'
    "def mul(a: int, b: int) -> int:\n    return a * b\n"
)
MUL_TEST = "from calc.ops import mul\n\n\ndef test_mul() -> None:\n    assert mul(3, 4) == 12\n"


def runner(repo: Path) -> Runner:
    """The agent's sandbox when bubblewrap works here, else the host (these tests are not about isolation)."""
    found, _ = select(repo)
    return found or Host()
