"""Helpers for generator tests: write a rendered tree, run a command in it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from backend_engineer.engines.deterministic.engine import render_service
from backend_engineer.spec.bundle import load_bundle

BIN = Path(sys.executable).parent


def write_tree(files: dict[str, bytes], root: Path) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    return root


def generate(bundle_dir: Path, root: Path) -> Path:
    bundle = load_bundle(bundle_dir).bundle
    assert bundle is not None
    return write_tree(render_service(bundle), root)


def run(
    cmd: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 600
) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    full.update(env or {})
    return subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, text=True, timeout=timeout, check=False)


def pytest_in(
    service: Path, env: dict[str, str] | None = None, *, all_failures: bool = False
) -> subprocess.CompletedProcess[str]:
    """The service's own suite; it stops at the first failure unless ``all_failures``."""
    stop = [] if all_failures else ["-x"]
    return run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            "-o",
            "addopts=",
            "-q",
            *stop,
            "--junitxml",
            str(service / "junit.xml"),
        ],
        service,
        env,
    )
