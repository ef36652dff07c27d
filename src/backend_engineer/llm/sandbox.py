"""Where the agent's commands run: a bubblewrap sandbox, or the host only when the user says so.

:class:`Bubblewrap` runs a command with no network (all namespaces unshared, only a private loopback),
no capabilities, the system and the Python installation bound read-only, a private ``/tmp`` and
``$HOME``, and the repository as the only writable path (its ``.git`` read-only, so a command cannot
plant hooks or config that git would run on the host; a virtualenv or source folder the tool runs from
stays read-only even when it lies inside the repository). Every command, sandboxed or not, gets resource
limits: address space (memory), CPU seconds and file size, set with ``setrlimit`` before ``exec``.

:func:`detect` probes for a working ``bwrap`` (Debian package ``bubblewrap``). Without one, commands are
refused unless the user passed ``--unsafe-host``; that choice goes into the plan and the approvals ledger.
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt")
MEMORY_MB = 4096
FILE_SIZE_MB = 512
Mode = Literal["bubblewrap", "unsafe-host", "none"]


@dataclass(frozen=True)
class Limits:
    """Per command: address space in MiB, CPU seconds (None: the wall-clock timeout), largest file in MiB."""

    memory_mb: int = MEMORY_MB
    cpu_s: int | None = None
    file_size_mb: int = FILE_SIZE_MB

    def preexec(self, timeout_s: float) -> Callable[[], None]:
        memory = self.memory_mb * 1024 * 1024
        cpu = int(self.cpu_s if self.cpu_s is not None else max(1, timeout_s) + 5)
        fsize = self.file_size_mb * 1024 * 1024

        def apply() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
            resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

        return apply

    def describe(self) -> str:
        return f"{self.memory_mb} MiB memory, {self.file_size_mb} MiB files, CPU time up to the command's timeout"


class Runner(Protocol):
    mode: Mode
    limits: Limits

    def argv(self, argv: list[str], cwd: Path) -> list[str]: ...

    def describe(self) -> str: ...


def _read_only_roots() -> list[str]:
    """System folders plus every folder Python imports from (the venv, the interpreter, source checkouts)."""
    wanted = [d for d in SYSTEM_DIRS if os.path.exists(d)]
    python = [sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.dirname(os.path.realpath(sys.executable))]
    python += [p for p in sys.path if p and os.path.isdir(p)]
    roots: list[str] = []
    for path in wanted + sorted({os.path.realpath(p) for p in python}, key=len):
        if not any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots):
            roots.append(path)
    return roots


@dataclass
class Bubblewrap:
    root: Path
    limits: Limits = field(default_factory=Limits)
    binary: str = "bwrap"
    mode: Mode = "bubblewrap"

    def argv(self, argv: list[str], cwd: Path) -> list[str]:
        root = str(self.root.resolve())
        out = [self.binary, "--unshare-all", "--cap-drop", "ALL", "--die-with-parent", "--new-session"]
        out += ["--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/run", "--dir", "/tmp/home"]
        roots = _read_only_roots()
        for path in roots:
            if os.path.islink(path):
                out += ["--symlink", os.readlink(path), path]
            else:
                out += ["--ro-bind", path, path]
        out += ["--bind", root, root]
        inside = [p for p in roots if p.startswith(root + "/") and not os.path.islink(p)]
        for path in [os.path.join(root, ".git"), *inside]:
            if os.path.isdir(path):
                out += ["--ro-bind", path, path]
        out += ["--setenv", "HOME", "/tmp/home", "--setenv", "TMPDIR", "/tmp", "--chdir", str(cwd.resolve()), "--"]
        return out + argv

    def describe(self) -> str:
        return (
            "bubblewrap: no network, only the repository writable (its .git read-only), system and Python "
            f"read-only, private /tmp; {self.limits.describe()}"
        )


@dataclass
class Host:
    """No isolation: only for ``--unsafe-host``; the resource limits still apply."""

    limits: Limits = field(default_factory=Limits)
    mode: Mode = "unsafe-host"

    def argv(self, argv: list[str], cwd: Path) -> list[str]:
        return argv

    def describe(self) -> str:
        return f"UNSAFE: commands run on the host without a sandbox (--unsafe-host); {self.limits.describe()}"


@dataclass(frozen=True)
class Probe:
    ok: bool
    reason: str


def probe(binary: str = "bwrap") -> Probe:
    """Does bubblewrap work here? Runs ``true`` in the same kind of sandbox the agent gets."""
    path = shutil.which(binary)
    if path is None:
        return Probe(False, "bwrap is not installed (Debian package bubblewrap: apt-get install bubblewrap)")
    scratch = Path(os.environ.get("TMPDIR", "/tmp"))
    try:
        proc = subprocess.run(
            Bubblewrap(scratch, binary=path).argv(["true"], scratch), capture_output=True, text=True, timeout=30
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return Probe(False, f"bwrap could not start: {exc}")
    if proc.returncode != 0:
        return Probe(False, f"bwrap cannot create namespaces here: {proc.stderr.strip()[:300]}")
    return Probe(True, path)


def select(root: Path, unsafe_host: bool = False, limits: Limits | None = None) -> tuple[Runner | None, str]:
    """The runner for ``root`` and why: bubblewrap when it works, the host only with ``unsafe_host``, else None."""
    limits = limits or Limits()
    found = probe()
    if found.ok:
        return Bubblewrap(root, limits, found.reason), "bubblewrap sandbox"
    if unsafe_host:
        return Host(limits), f"--unsafe-host: {found.reason}"
    return None, found.reason


REFUSAL = (
    "REFUSED: no sandbox is available for commands ({why}). Commands are not run on the host; "
    "the user can allow that with --unsafe-host. Use read, write, edit, grep and glob instead."
)
