"""The image's commands, run directly on this machine against PostgreSQL as the compose app role.

No container engine is needed: the Dockerfile's exec-form CMD and HEALTHCHECK, the migrate Job's and the
worker Deployment's commands are read from the generated files and run as they are, with the image's ENV,
from the service root (the image's WORKDIR layout). The database role comes from the generated init SQL.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import PG_HOST, PG_PORT, PG_USER, need_server
from tests.deploy.conftest import BIN, k8s, service_settings

POLL_LIMIT = 240
POLL_PAUSE = 0.25


def _dockerfile_runtime(service: Path) -> tuple[dict[str, str], list[str], list[str]]:
    """The runtime stage's ENV, HEALTHCHECK command and CMD, exactly as the Dockerfile states them."""
    text = (service / "Dockerfile").read_text().replace("\\\n", " ")
    stage = text.rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for line in stage.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"(\w+)=(\S+)", line)))
    healthcheck = json.loads(re.search(r"^HEALTHCHECK .*? CMD (\[.*\])$", stage, re.M).group(1))  # type: ignore[union-attr]
    (cmd,) = re.findall(r"^CMD (\[.*\])$", stage, re.M)
    return env, healthcheck, json.loads(cmd)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _image_env(service: Path, extra: dict[str, str]) -> dict[str, str]:
    env, _, _ = _dockerfile_runtime(service)
    path = f"{BIN}:{os.environ.get('PATH', '')}"
    resolved = {k: v.replace("$PATH", path).replace("/opt/venv/bin", str(BIN)) for k, v in env.items()}
    return {"HOME": os.environ.get("HOME", "/tmp"), "PATH": path, **resolved, **extra}


def _role_sql(service: Path) -> tuple[str, str]:
    sql = (service / "deploy" / "postgres" / "init-app-role.sql").read_text()
    role = re.search(r"CREATE ROLE (\w+) LOGIN", sql)
    assert role, sql
    return role.group(1), sql


@pytest.fixture
def database(service: Path) -> Iterator[dict[str, Any]]:
    """A fresh database with the generated app role, like compose's db service on first start."""
    need_server("PostgreSQL", PG_HOST, PG_PORT)
    import psycopg

    role, _ = _role_sql(service)
    name = f"be_deploy_{uuid.uuid4().hex[:10]}"
    admin = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
        conn.execute(f"DROP ROLE IF EXISTS {role}")
    try:
        yield {
            "name": name,
            "role": role,
            "owner_url": f"postgresql+psycopg://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}",
            "app_url": f"postgresql+psycopg://{role}:app-pw@{PG_HOST}:{PG_PORT}/{name}",
            "psycopg_owner": f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}",
            "psycopg_app": f"postgresql://{role}:app-pw@{PG_HOST}:{PG_PORT}/{name}",
        }
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f"DROP ROLE IF EXISTS {role}")


def _run(cmd: list[str], service: Path, env: dict[str, str], timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, cwd=service, env=env, capture_output=True, text=True, timeout=timeout, check=False)


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def _poll(check: Any, proc: subprocess.Popen[str]) -> bool:
    for _ in range(POLL_LIMIT):
        if proc.poll() is not None:
            return False
        if check():
            return True
        time.sleep(POLL_PAUSE)
    return False


BODY = b'{"name": "in flight during shutdown"}'


def _start_request(service: Path, port: int) -> socket.socket:
    """A POST to the contract's first collection whose body is only half sent: in flight in the app."""
    contract = json.loads((service / "docs" / "openapi.json").read_text())
    path = next(p for p, item in contract["paths"].items() if "post" in item and "{" not in p)
    sock = socket.create_connection(("127.0.0.1", port), timeout=30)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        f"Idempotency-Key: {uuid.uuid4()}\r\nContent-Length: {len(BODY)}\r\n\r\n"
    )
    sock.sendall(head.encode() + BODY[:5])
    return sock


def _finish_request(sock: socket.socket) -> bytes:
    with sock:
        sock.sendall(BODY[5:])
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def _stop(proc: subprocess.Popen[str], grace: float) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    return _exit(proc, grace)


def _exit(proc: subprocess.Popen[str], grace: float) -> tuple[int, str]:
    """Wait at most the grace period after SIGTERM; the exit status and everything the process logged."""
    try:
        out, err = proc.communicate(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        pytest.fail(f"did not stop within the {grace:g} s grace period after SIGTERM:\n{(out + err)[-2000:]}")
    return proc.returncode, out + err


def _messages(log: str) -> list[str]:
    return [json.loads(line)["message"] for line in log.splitlines() if line.startswith("{")]


def test_image_commands_start_serve_and_drain_as_the_app_role(service: Path, database: dict[str, Any]) -> None:
    import psycopg

    settings = service_settings(service)
    grace = settings["grace"]
    _role, _ = _role_sql(service)
    psql = shutil.which("psql")
    assert psql, "psql (postgresql-client) runs the init SQL the way the postgres image does; install it"
    init = _run(
        [
            psql,
            "-X",
            "-q",
            "-h",
            PG_HOST,
            "-p",
            str(PG_PORT),
            "-U",
            PG_USER,
            "-d",
            database["name"],
            "-f",
            "deploy/postgres/init-app-role.sql",
        ],
        service,
        {**os.environ, "APP_DB_PASSWORD": "app-pw"},
    )
    assert init.returncode == 0, init.stderr

    objects = k8s(service)
    migrate = next(d for d in objects.values() if d["kind"] == "Job")["spec"]["template"]["spec"]["containers"][0]
    migrated = _run(migrate["command"], service, _image_env(service, {"DATABASE_URL": database["owner_url"]}))
    assert migrated.returncode == 0, migrated.stderr[-2000:]

    with psycopg.connect(database["psycopg_app"]) as conn:
        row = conn.execute("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
        assert row == (False, False)
        conn.execute("SELECT set_config('app.tenant_id', 'tenant-a', true)")
        conn.execute(
            "INSERT INTO idempotency_keys (tenant_id, key, fingerprint, operation_id, subject, status_code,"
            " created_at) VALUES ('tenant-a', 'k-1', 'f', 'op', 's', 201, now())"
        )
        conn.commit()
        counts = {}
        for tenant in ("tenant-a", "tenant-b", ""):
            conn.execute("SELECT set_config('app.tenant_id', %s, true)", (tenant,))
            counts[tenant] = conn.execute("SELECT count(*) FROM idempotency_keys").fetchone()[0]  # type: ignore[index]
            conn.commit()
    assert counts == {"tenant-a": 1, "tenant-b": 0, "": 0}, "row-level security does not apply to the app role"

    port = _free_port()
    app_env = _image_env(
        service,
        {settings["port_env"]: str(port), "DATABASE_URL": database["app_url"], settings["jwt_env"]: "s" * 32},
    )
    _, healthcheck, cmd = _dockerfile_runtime(service)
    assert cmd == json.loads(json.dumps(cmd)) and cmd[0] == "python", "exec form"
    api = subprocess.Popen(cmd, cwd=service, env=app_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        ready = f"http://127.0.0.1:{port}{settings['health']['readiness']}"
        assert _poll(lambda: _status(ready) == 200, api), "the API never became ready"
        probe = _run(healthcheck, service, app_env, timeout=30)
        assert probe.returncode == 0, probe.stderr
        in_flight = _start_request(service, port)
        assert _status(ready) == 200  # served after the partial request's bytes, so the app is awaiting its body
        api.send_signal(signal.SIGTERM)
        assert _poll(lambda: not _accepts(port), api), "the API kept accepting connections after SIGTERM"
        response = _finish_request(in_flight)
        code, err = _exit(api, grace)
    finally:
        if api.poll() is None:
            api.kill()
            api.communicate()
    # uvicorn re-raises the SIGTERM it handled once the drain is over, so the status is 0 or "killed by SIGTERM";
    # the log shows the drain ran to its end.
    assert re.match(rb"HTTP/1\.1 \d{3} ", response), f"the in-flight request was dropped: {response[:200]!r}"
    assert b'"error"' in response or b"201" in response.split(b"\r\n", 1)[0], response[:300]
    assert code in (0, -signal.SIGTERM), err[-2000:]
    messages = _messages(err)
    assert "Application shutdown complete." in messages, err[-2000:]
    assert any(m.startswith("Finished server process") for m in messages), err[-2000:]
    assert _status(ready) == 0
    assert _run(healthcheck, service, app_env, timeout=30).returncode != 0

    worker_cmd = next(
        d for d in objects.values() if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("-worker")
    )["spec"]["template"]["spec"]["containers"][0]["command"]
    event_id = uuid.uuid4()
    with psycopg.connect(database["psycopg_owner"]) as conn:
        conn.execute(
            "INSERT INTO outbox (id, tenant_id, event_type, payload, status, attempts, created_at, next_attempt_at)"
            " VALUES (%s, 'tenant-a', 'probe.event', '{}', 'pending', 0, now(), now())",
            (event_id,),
        )
    worker = subprocess.Popen(
        worker_cmd, cwd=service, env=app_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:

        def delivered() -> bool:
            with psycopg.connect(database["psycopg_owner"]) as conn:
                row = conn.execute("SELECT status FROM outbox WHERE id = %s", (event_id,)).fetchone()
            return row is not None and row[0] == "delivered"

        assert _poll(delivered, worker), "the worker never processed the outbox"
        code, err = _stop(worker, grace)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    assert code == 0, err[-2000:]

    purge_cmd = next(p["command"] for p in _containers_named(objects, "purge")) if settings["retention"] else None
    if purge_cmd:
        purged = _run(purge_cmd, service, app_env)
        assert purged.returncode == 0, purged.stderr[-2000:]
        assert set(json.loads(purged.stdout)) == {r["table"] for r in settings["retention"]}


def _containers_named(objects: dict[str, dict[str, Any]], name: str) -> list[dict[str, Any]]:
    out = []
    for doc in objects.values():
        spec = doc.get("spec", {})
        template = spec.get("template") or spec.get("jobTemplate", {}).get("spec", {}).get("template")
        for container in template["spec"]["containers"] if template else []:
            if container["name"] == name:
                out.append(container)
    return out
