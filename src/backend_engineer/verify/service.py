"""Runs a generated service on loopback for the dynamic checks, and mints tokens from its bundle."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jwt

from backend_engineer.spec.bundle import Bundle, load_bundle


class ServiceError(Exception):
    pass


@dataclass
class RunningService:
    base_url: str
    bundle: Bundle
    secret: str
    database_url: str
    root: Path

    def token(self, tenant: str, roles: list[str], subject: str = "probe-user", **overrides: Any) -> str:
        auth = self.bundle.security.authentication if self.bundle.security else None
        if auth is None:
            raise ServiceError("security.yaml has no authentication section")
        claims = auth.claims
        now = int(time.time())
        payload: dict[str, Any] = {
            (claims.subject if claims else "sub"): subject,
            (claims.tenant if claims and claims.tenant else "tenant_id"): tenant,
            (claims.roles if claims and claims.roles else "roles"): roles,
            "iss": auth.issuer,
            "aud": auth.audience,
            "iat": now,
            "exp": now + 900,
        }
        payload.update(overrides)
        return jwt.encode(payload, self.secret, algorithm=auth.algorithms[0] if auth.algorithms else "HS256")

    def admin_roles(self) -> list[str]:
        """The fewest roles (greedy) whose permissions together cover every operation, one role when one does."""
        authz = self.bundle.security.authorization if self.bundle.security else None
        if authz is None:
            return []
        needed = set(authz.operations.values())
        chosen: list[str] = []
        while needed:
            best = max(authz.roles.items(), key=lambda kv: len(set(kv[1]) & needed), default=("", []))
            if not best[0] or not set(best[1]) & needed:
                break
            chosen.append(best[0])
            needed -= set(best[1])
        return chosen


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(bundle: Bundle, secret: str, db_url: str, port: int) -> dict[str, str]:
    auth = bundle.security.authentication if bundle.security else None
    port_env = (
        bundle.techspec.port.env
        if bundle.techspec and bundle.techspec.port and bundle.techspec.port.env
        else "API_PORT"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "REDIS_URL"))}
    env.update(
        {
            "DATABASE_URL": db_url,
            port_env: str(port),
            "API_HOST": "127.0.0.1",
            "LOG_LEVEL": "WARNING",
            (auth.secret.env if auth and auth.secret else "JWT_SECRET"): secret,
            "WEBHOOK_SIGNING_SECRET": secrets.token_hex(16),
            "RATE_LIMIT_SCALE": "1000",
            "SHUTDOWN_DRAIN_SECONDS": "0",
        }
    )
    return env


@contextmanager
def run_service(
    root: Path,
    *,
    database_url: str | None = None,
    timeout: float = 30.0,
    env: dict[str, str] | None = None,
    command_prefix: list[str] | None = None,
) -> Iterator[RunningService]:
    """Migrate a fresh database, start ``python -m app`` on a free loopback port, stop it afterwards.

    ``env`` overrides the service's environment (LOG_LEVEL, say); ``command_prefix`` runs the server under another
    command, such as ``taskset -c 0`` for a benchmark.
    """
    loaded = load_bundle(root / ".backend-engineer" / "bundle")
    if loaded.bundle is None:
        raise ServiceError(f"{root}: no readable .backend-engineer/bundle; is this a generated service?")
    if not (root / "app" / "main.py").is_file():
        raise ServiceError(f"{root}: app/main.py is missing; is this a generated service?")
    secret = secrets.token_hex(32)
    with tempfile.TemporaryDirectory(prefix="be-svc-") as tmp:
        db_url = database_url or f"sqlite:///{tmp}/service.db"
        port = free_port()
        env = {**_env(loaded.bundle, secret, db_url, port), **(env or {})}
        migrate = subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        if migrate.returncode != 0:
            raise ServiceError(f"alembic upgrade head failed: {migrate.stderr.strip()[-500:]}")
        log = Path(tmp) / "server.log"
        with log.open("w") as sink:
            proc = subprocess.Popen(
                [*(command_prefix or []), sys.executable, "-m", "app"], cwd=root, env=env, stdout=sink, stderr=sink
            )
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if proc.poll() is not None:
                        raise ServiceError(f"the service exited: {log.read_text()[-800:]}")
                    try:
                        if httpx.get(f"{base}/healthz", timeout=0.5).status_code == 200:
                            break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                else:
                    raise ServiceError(f"the service did not become healthy in {timeout}s")
                yield RunningService(base, loaded.bundle, secret, db_url, root)
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()


@contextmanager
def serve_asgi(app_ref: str, app_dir: Path, *, factory: bool = False, timeout: float = 30.0) -> Iterator[str]:
    """Serve any ASGI app (``module:attr``) with uvicorn on a free loopback port; yield its base URL."""
    port = free_port()
    cmd = [sys.executable, "-m", "uvicorn", app_ref, "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--app-dir", str(app_dir), "--log-level", "warning", *(["--factory"] if factory else [])]
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    with tempfile.TemporaryDirectory(prefix="be-asgi-") as tmp:
        log = Path(tmp) / "server.log"
        with log.open("w") as sink:
            proc = subprocess.Popen(cmd, cwd=app_dir, env=env, stdout=sink, stderr=sink)
            try:
                base = f"http://127.0.0.1:{port}"
                deadline = time.monotonic() + timeout
                while time.monotonic() < deadline:
                    if proc.poll() is not None:
                        raise ServiceError(f"{app_ref} exited: {log.read_text()[-800:]}")
                    try:
                        httpx.get(base + "/", timeout=0.5)
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                else:
                    raise ServiceError(f"{app_ref} did not answer on {base} within {timeout}s")
                yield base
            finally:
                proc.terminate()
                try:
                    proc.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    proc.kill()
