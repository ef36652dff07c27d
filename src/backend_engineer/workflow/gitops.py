"""Git operations for the output repository: one atomic commit per planned change.

All commits are made in a staging clone next to the output folder; the output is replaced (new
folder) or fast-forwarded (existing repo) only after every commit succeeded, so an interruption
leaves the output tree exactly as it was.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path


class GitError(Exception):
    pass


@dataclass(frozen=True)
class Commit:
    sha: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"sha": self.sha, "message": self.message}


def git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    full_env = {**os.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})}
    proc = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, env=full_env, check=False)
    if proc.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed in {repo}: {proc.stderr.strip() or proc.stdout.strip()}")
    return proc.stdout.strip()


def is_repo(path: Path) -> bool:
    return (path / ".git").exists()


def is_clean(repo: Path) -> bool:
    return git(repo, "status", "--porcelain") == ""


class Staging:
    """A temporary clone (or fresh repo) beside the output folder."""

    def __init__(self, out_dir: Path, author: str) -> None:
        self.out_dir = out_dir.resolve()
        self.out_dir.parent.mkdir(parents=True, exist_ok=True)
        self.path = Path(tempfile.mkdtemp(prefix=f".{self.out_dir.name}.staging-", dir=self.out_dir.parent))
        self.existing = self.out_dir.exists()
        self.author = author
        if self.existing:
            if not is_repo(self.out_dir):
                if any(self.out_dir.iterdir()):
                    self.discard()
                    raise GitError(
                        f"{self.out_dir} exists, is not empty and is not a git repository; "
                        "choose a new --out folder or make it a git repository"
                    )
                self.existing = False
            else:
                if not is_clean(self.out_dir):
                    self.discard()
                    raise GitError(f"{self.out_dir} has uncommitted changes; commit or stash them first")
                shutil.rmtree(self.path)
                proc = subprocess.run(
                    ["git", "clone", "-q", str(self.out_dir), str(self.path)],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                if proc.returncode != 0:
                    raise GitError(f"cannot clone {self.out_dir}: {proc.stderr.strip()}")
        if not self.existing:
            git(self.path, "init", "-q", "-b", "main")
        self.base = git(self.path, "rev-parse", "HEAD") if self._has_head() else ""

    def _has_head(self) -> bool:
        try:
            git(self.path, "rev-parse", "--verify", "-q", "HEAD")
            return True
        except GitError:
            return False

    def _env(self) -> dict[str, str]:
        name = self.author
        email = "backend-engineer@localhost"
        return {
            "GIT_AUTHOR_NAME": name,
            "GIT_AUTHOR_EMAIL": email,
            "GIT_COMMITTER_NAME": name,
            "GIT_COMMITTER_EMAIL": email,
        }

    def commit_files(self, files: dict[str, bytes], message: str) -> Commit:
        for rel, content in files.items():
            target = self.path / rel
            if self.path.resolve() not in target.resolve().parents:
                raise GitError(f"refusing to write outside the output repository: {rel}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
            if rel.endswith(".sh") or content.startswith(b"#!"):
                target.chmod(0o755)
        git(self.path, "add", "--", *files)
        git(self.path, "-c", "commit.gpgsign=false", "commit", "-q", "--allow-empty", "-m", message, env=self._env())
        return Commit(git(self.path, "rev-parse", "HEAD"), message.splitlines()[0])

    def publish(self) -> None:
        """Move the staged history into place: rename for a new folder, fast-forward for a repo."""
        if self.existing:
            git(self.out_dir, "pull", "-q", "--ff-only", str(self.path), "HEAD")
            self.discard()
        else:
            if self.out_dir.exists():
                self.out_dir.rmdir()
            os.replace(self.path, self.out_dir)

    def discard(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)
