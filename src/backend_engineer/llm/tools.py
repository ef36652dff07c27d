"""The agent's tools: read, write, edit, grep, glob and bash, all confined by a :class:`ScopePolicy`.

Every tool returns text for the model; refusals and failures are results (``ToolResult.ok`` False),
not exceptions, so the loop can tell the model what went wrong. Output is capped so a noisy command
cannot flood the context. ``bash`` runs in the repository with a timeout and a scrubbed environment
(no API keys); files it changes outside the owned paths are restored and reported as refused.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_engineer.llm import gitrepo
from backend_engineer.llm.providers.base import ToolSpec
from backend_engineer.llm.sandbox import REFUSAL, Runner
from backend_engineer.llm.scope import ScopeError, ScopePolicy

OUTPUT_CAP = 10_000
BASH_TIMEOUT_S = 120.0
SECRET_ENV = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|CREDENTIAL)", re.I)
SKIP_DIRS = {".git", "__pycache__", ".venv", "node_modules", ".mypy_cache", ".ruff_cache", ".pytest_cache"}


@dataclass(frozen=True)
class ToolResult:
    ok: bool
    output: str
    refused: bool = False
    wrote: tuple[str, ...] = ()


def cap(text: str, limit: int = OUTPUT_CAP) -> str:
    if len(text) <= limit:
        return text
    head = limit * 2 // 5
    tail = limit - head
    return f"{text[:head]}\n... [{len(text) - limit} characters elided] ...\n{text[-tail:]}"


def scrubbed_env() -> dict[str, str]:
    """The environment without anything that looks like a secret; this interpreter's bin folder first on PATH."""
    env = {k: v for k, v in os.environ.items() if not SECRET_ENV.search(k)}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "read",
        "Read a text file in the repository. Returns numbered lines.",
        {
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "offset": {"type": "integer", "description": "first line, 1-based"},
                "limit": {"type": "integer", "description": "number of lines"},
            },
            "required": ["path"],
        },
    ),
    ToolSpec(
        "write",
        "Create or overwrite a file with the given content (owned paths only).",
        {
            "type": "object",
            "properties": {"path": {"type": "string"}, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    ),
    ToolSpec(
        "edit",
        "Replace one exact occurrence of old_string with new_string in a file (owned paths only).",
        {
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "old_string": {"type": "string"},
                "new_string": {"type": "string"},
            },
            "required": ["path", "old_string", "new_string"],
        },
    ),
    ToolSpec(
        "grep",
        "Search file contents with a Python regular expression. Returns path:line: text.",
        {
            "type": "object",
            "properties": {
                "pattern": {"type": "string"},
                "path": {"type": "string", "description": "folder or file, default the repository"},
                "glob": {"type": "string", "description": "only files whose path matches, e.g. *.py"},
            },
            "required": ["pattern"],
        },
    ),
    ToolSpec(
        "glob",
        "List repository files matching a glob pattern such as app/**/*.py.",
        {"type": "object", "properties": {"pattern": {"type": "string"}}, "required": ["pattern"]},
    ),
    ToolSpec(
        "bash",
        "Run a shell command in the repository root with a timeout; output is capped.",
        {
            "type": "object",
            "properties": {"command": {"type": "string"}, "timeout": {"type": "number"}},
            "required": ["command"],
        },
    ),
    ToolSpec(
        "finish",
        "Say the change is complete; the engine then validates it (tests, lint, migration check).",
        {"type": "object", "properties": {"summary": {"type": "string"}}, "required": ["summary"]},
    ),
    ToolSpec(
        "ask_clarification",
        "Stop before coding and ask for missing inputs instead of assuming them.",
        {
            "type": "object",
            "properties": {
                "questions": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "file": {"type": "string"},
                            "field": {"type": "string"},
                            "question": {"type": "string"},
                        },
                        "required": ["question"],
                    },
                }
            },
            "required": ["questions"],
        },
    ),
)


def run_shell(command: str, cwd: Path, timeout: float, runner: Runner | None = None) -> tuple[int, str]:
    """Run ``bash -c`` in its own process group; on timeout the whole group is killed, children included."""
    code, out = run_argv(["bash", "-c", command], cwd, timeout, runner)
    return (-1, f"timed out after {timeout:.0f}s\n{out}") if code is None else (code, f"exit {code}\n{out}")


def run_argv(argv: list[str], cwd: Path, timeout: float, runner: Runner | None = None) -> tuple[int | None, str]:
    """Exit code (None on timeout) and combined output; a timeout kills the whole process group.

    With a ``runner`` the command runs inside it (sandbox and resource limits); without one it runs as is,
    which only the tool's own trusted commands (git) may do.
    """
    proc = subprocess.Popen(
        runner.argv(argv, cwd) if runner else argv,
        cwd=cwd,
        env=scrubbed_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
        preexec_fn=runner.limits.preexec(timeout) if runner else None,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        return None, out or ""
    return proc.returncode, out or ""


@dataclass
class Toolbox:
    scope: ScopePolicy
    bash_timeout_s: float = BASH_TIMEOUT_S
    output_cap: int = OUTPUT_CAP
    refusals: list[str] = field(default_factory=list)
    runner: Runner | None = None
    no_runner_reason: str = "no sandbox was configured"
    deadline: float | None = None

    @property
    def root(self) -> Path:
        return self.scope.root

    def run(self, name: str, args: dict[str, Any]) -> ToolResult:
        handler: Callable[[dict[str, Any]], ToolResult] | None = getattr(self, f"_t_{name}", None)
        if handler is None:
            return ToolResult(False, f"unknown tool {name!r}; use one of read, write, edit, grep, glob, bash, finish")
        if "_invalid_json" in args:
            return ToolResult(False, "the tool arguments were not valid JSON; send a JSON object")
        try:
            return handler(args)
        except ScopeError as exc:
            self.refusals.append(str(exc))
            return ToolResult(False, f"REFUSED: {exc}", refused=True)
        except KeyError as exc:
            return ToolResult(False, f"missing argument {exc.args[0]!r} for {name}")
        except (OSError, UnicodeDecodeError, re.error, TypeError, ValueError) as exc:
            return ToolResult(False, f"{name} failed: {type(exc).__name__}: {exc}")

    def _t_read(self, args: dict[str, Any]) -> ToolResult:
        rel = self.scope.check_read(str(args["path"]))
        path = self.root / rel
        if not path.is_file():
            return ToolResult(False, f"{rel}: no such file")
        lines = path.read_text(encoding="utf-8").splitlines()
        start = max(int(args.get("offset") or 1), 1)
        count = int(args.get("limit") or 400)
        chunk = lines[start - 1 : start - 1 + count]
        body = "\n".join(f"{i:>5}  {line}" for i, line in enumerate(chunk, start))
        more = f"\n[{len(lines) - (start - 1 + len(chunk))} more lines]" if start - 1 + len(chunk) < len(lines) else ""
        return ToolResult(True, cap(body + more, self.output_cap))

    def _write(self, rel: str, content: str) -> None:
        target = self.root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.be-tmp")
        tmp.write_text(content, encoding="utf-8")
        os.replace(tmp, target)
        self.scope.record(rel)

    def _t_write(self, args: dict[str, Any]) -> ToolResult:
        rel = self.scope.check_write(str(args["path"]))
        content = str(args["content"])
        self._write(rel, content)
        return ToolResult(True, f"wrote {rel} ({len(content.splitlines())} lines)", wrote=(rel,))

    def _t_edit(self, args: dict[str, Any]) -> ToolResult:
        rel = self.scope.check_write(str(args["path"]))
        path = self.root / rel
        if not path.is_file():
            return ToolResult(False, f"{rel}: no such file; use write to create it")
        text = path.read_text(encoding="utf-8")
        old, new = str(args["old_string"]), str(args["new_string"])
        count = text.count(old) if old else 0
        if count != 1:
            why = "was not found" if count == 0 else f"occurs {count} times; include more context"
            return ToolResult(False, f"{rel}: old_string {why}")
        self._write(rel, text.replace(old, new, 1))
        return ToolResult(True, f"edited {rel}", wrote=(rel,))

    def _files(self, base: Path) -> list[str]:
        out = []
        if base.is_file():
            return [base.relative_to(self.root).as_posix()]
        for dirpath, dirnames, filenames in os.walk(base):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in sorted(filenames):
                rel = (Path(dirpath) / name).relative_to(self.root).as_posix()
                try:
                    self.scope.check_read(rel)
                except ScopeError:
                    continue
                out.append(rel)
        return out

    def _t_grep(self, args: dict[str, Any]) -> ToolResult:
        regex = re.compile(str(args["pattern"]))
        base = self.root / self.scope.check_read(str(args.get("path") or "."))
        pattern = args.get("glob")
        hits: list[str] = []
        for rel in self._files(base):
            if pattern and not (Path(rel).match(str(pattern)) or Path(rel).name == pattern):
                continue
            try:
                lines = (self.root / rel).read_text(encoding="utf-8").splitlines()
            except (UnicodeDecodeError, OSError):
                continue
            hits += [f"{rel}:{i}: {line[:200]}" for i, line in enumerate(lines, 1) if regex.search(line)]
            if len(hits) > 500:
                break
        return ToolResult(True, cap("\n".join(hits[:500]) or "no matches", self.output_cap))

    def _t_glob(self, args: dict[str, Any]) -> ToolResult:
        pattern = str(args["pattern"])
        if pattern.startswith("/") or ".." in Path(pattern).parts:
            raise ScopeError(f"{pattern}: glob patterns must be relative to the repository")
        found = []
        for path in sorted(self.root.glob(pattern)):
            if path.is_file() and not (set(path.relative_to(self.root).parts) & SKIP_DIRS):
                try:
                    found.append(self.scope.check_read(str(path)))
                except ScopeError:
                    continue
        return ToolResult(True, cap("\n".join(found) or "no files", self.output_cap))

    def _t_bash(self, args: dict[str, Any]) -> ToolResult:
        command = str(args["command"])
        if self.runner is None:
            msg = REFUSAL.format(why=self.no_runner_reason)
            self.refusals.append(f"bash {command[:80]!r}: no sandbox")
            return ToolResult(False, msg, refused=True)
        timeout = min(float(args.get("timeout") or self.bash_timeout_s), self.bash_timeout_s)
        if self.deadline is not None:
            timeout = max(1.0, min(timeout, self.deadline - time.monotonic()))
        before = gitrepo.snapshot(self.root)
        code, text = run_shell(command, self.root, timeout, self.runner)
        changed = gitrepo.changed_since(self.root, before)
        outside = [rel for rel in changed if not self.scope.is_writable(rel)]
        if outside:
            gitrepo.restore(self.root, outside, before)
            msg = f"bash changed paths outside the owned scope, restored: {outside[:10]}"
            self.refusals.append(msg)
            return ToolResult(False, cap(f"REFUSED: {msg}\n{text}", self.output_cap), refused=True)
        inside = [rel for rel in changed if rel not in self.scope.touched]
        if len(self.scope.touched) + len(inside) > self.scope.max_files:
            gitrepo.restore(self.root, inside, before)
            msg = f"bash would raise the change above {self.scope.max_files} files; restored {inside[:10]}"
            self.refusals.append(msg)
            return ToolResult(False, f"REFUSED: {msg}", refused=True)
        for rel in inside:
            self.scope.record(rel)
        return ToolResult(code == 0, cap(text, self.output_cap), wrote=tuple(changed))
