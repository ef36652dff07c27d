"""Git plumbing for the target repository: snapshot the working tree, detect changes, restore, commit.

A change stays uncommitted until validation passes. Reverting restores every path that differs from
the snapshot taken before the change: tracked files from their previous content, new files deleted.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

Snapshot = dict[str, bytes | None]
CACHE_PARTS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache", ".hypothesis"})


class GitError(RuntimeError):
    pass


def git(root: Path, *args: str, input_bytes: bytes | None = None) -> bytes:
    env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C"}
    proc = subprocess.run(
        ["git", "-C", str(root), *args], input=input_bytes, capture_output=True, env=env, timeout=60, check=False
    )
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args[:2])} failed: {proc.stderr.decode(errors='replace').strip()[:300]}")
    return proc.stdout


def is_repo(root: Path) -> bool:
    try:
        return git(root, "rev-parse", "--is-inside-work-tree").strip() == b"true"
    except (GitError, OSError):
        return False


def dirty_paths(root: Path) -> list[str]:
    """Paths that differ from HEAD, untracked ones included; tool caches (bytecode, pytest, mypy) are not changes."""
    out = git(root, "status", "--porcelain", "-z", "--untracked-files=all", "--no-renames")
    paths = []
    for entry in out.split(b"\0"):
        if len(entry) > 3:
            rel = entry[3:].decode()
            if not (CACHE_PARTS & set(rel.split("/")) or rel.endswith(".pyc")):
                paths.append(rel)
    return sorted(set(paths))


def _read(root: Path, rel: str) -> bytes | None:
    path = root / rel
    return path.read_bytes() if path.is_file() and not path.is_symlink() else None


def snapshot(root: Path) -> Snapshot:
    """The content of every path that differs from HEAD right now (None when deleted)."""
    return {rel: _read(root, rel) for rel in dirty_paths(root)}


def changed_since(root: Path, before: Snapshot) -> list[str]:
    """Paths whose content now differs from the snapshot (HEAD content for paths clean at the time)."""
    now = snapshot(root)
    out = []
    for rel in set(now) | set(before):
        previous = before[rel] if rel in before else _head_or_none(root, rel)
        current = now[rel] if rel in now else _head_or_none(root, rel)
        if previous != current:
            out.append(rel)
    return sorted(out)


def _head_or_none(root: Path, rel: str) -> bytes | None:
    try:
        return git(root, "show", f"HEAD:{rel}")
    except GitError:
        return None


def restore(root: Path, paths: list[str], before: Snapshot) -> None:
    for rel in paths:
        content = before[rel] if rel in before else _head_or_none(root, rel)
        target = root / rel
        if content is None:
            if target.is_symlink() or target.is_file():
                target.unlink()
            _prune_empty(root, target.parent)
        else:
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.is_symlink():
                target.unlink()
            target.write_bytes(content)


def _prune_empty(root: Path, folder: Path) -> None:
    while folder != root and folder.is_dir() and not any(folder.iterdir()):
        folder.rmdir()
        folder = folder.parent


def commit(root: Path, paths: list[str], message: str, author: str = "backend-engineer") -> str:
    if not paths:
        raise GitError("nothing to commit")
    git(root, "add", "-A", "--", *paths)
    git(
        root,
        "-c",
        f"user.name={author}",
        "-c",
        "user.email=backend-engineer@localhost",
        "commit",
        "-q",
        "--no-verify",
        "-m",
        message,
        "--",
        *paths,
    )
    return git(root, "rev-parse", "HEAD").decode().strip()
