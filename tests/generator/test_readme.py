"""The generated README's instructions, run literally: export, migrate, serve, mint a dev token, call the API.

Its environment table is compared with the variables the service itself declares (``app.config.ENV_VARS``).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.generator.conftest import BUILDABLE, Generated
from tests.generator.support import BIN, run

SECTION = "## Get a token and call the API"


def _section(readme: str, title: str) -> str:
    start = readme.index(title)
    end = readme.find("\n## ", start + len(title))
    return readme[start : end if end != -1 else None]


def _blocks(text: str, lang: str = "sh") -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", text, flags=re.S)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _port_env(service: Path) -> str:
    probe = run([sys.executable, "-c", "from app.spec_config import PORT_ENV; print(PORT_ENV)"], service)
    assert probe.returncode == 0, probe.stderr
    return probe.stdout.strip()


def _shell_env(port_env: str, port: int) -> dict[str, str]:
    """The user's shell: the service's Python first on PATH, nothing of ours that the README sets itself."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DATABASE_URL", "DEV_MODE"))}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env[port_env] = str(port)
    return env


@pytest.mark.parametrize("example", BUILDABLE)
def test_the_readme_token_instructions_work_as_written(generated: Generated, example: str, tmp_path: Path) -> None:
    service = generated.service(example)
    exports, serve, call = _blocks(_section((service / "README.md").read_text(), SECTION))
    assert "dev-token" in call and "python -m app" in serve
    (service / "service.db").unlink(missing_ok=True)
    port_env, port = _port_env(service), _free_port()
    env = _shell_env(port_env, port)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        ["bash", "-ec", exports + serve],
        cwd=service,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        for _ in range(300):
            assert server.poll() is None, (tmp_path / "server.log").read_text()[-3000:]
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("the README's server did not start")
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", exports + call],
            cwd=service,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
        outputs = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
        assert outputs, "the README's calls printed nothing"
        created = outputs[0]
        assert "error" not in created and created.get("id"), created
        if len(outputs) > 1:
            assert created["id"] in [item["id"] for item in outputs[1]["items"]]
        refused = subprocess.run(
            ["bash", "-c", call.splitlines()[0] + ' && echo "$TOKEN"'],
            cwd=service,
            env={**env, "DEV_MODE": "false"},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert refused.returncode != 0 and "DEV_MODE" in refused.stderr, "dev-token must be refused without DEV_MODE"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        log.close()


ENV_PROBE = "import json; from app.config import ENV_VARS; print(json.dumps([[v.name, v.default] for v in ENV_VARS]))"


@pytest.mark.parametrize("example", BUILDABLE)
def test_the_readme_lists_every_environment_variable_the_service_reads(generated: Generated, example: str) -> None:
    service = generated.service(example)
    probe = run([sys.executable, "-c", ENV_PROBE], service)
    assert probe.returncode == 0, probe.stderr
    declared = {name: default for name, default in json.loads(probe.stdout)}
    table = _section((service / "README.md").read_text(), "## Environment variables")
    rows = dict(re.findall(r"^\| `([A-Z0-9_]+)` \| ([^|]+) \|", table, flags=re.M))
    assert sorted(rows) == sorted(declared)
    for name, default in declared.items():
        shown = rows[name].strip()
        assert shown in ({f"`{default}`"} if default else {"(required)", "(empty)"}), (name, shown)
    for name in ("API_HOST", "RATE_LIMIT_SCALE", "SHUTDOWN_GRACE_SECONDS", "SHUTDOWN_DRAIN_SECONDS", "DEV_MODE"):
        assert name in rows
    assert declared["API_HOST"] == "127.0.0.1"
    example_env = dict(
        line.split("=", 1)
        for line in (service / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    assert example_env == declared
    reads = set(
        re.findall(
            r"os\.environ(?:\.get)?[\[(]\"([A-Z0-9_]+)\"",
            "\n".join(p.read_text() for p in (service / "app").rglob("*.py")),
        )
    )
    assert reads <= set(declared), f"read but not documented: {sorted(reads - set(declared))}"


@pytest.mark.parametrize("example", BUILDABLE)
def test_the_readme_names_every_user_owned_path(generated: Generated, example: str) -> None:
    service = generated.service(example)
    manifest = json.loads((service / ".backend-engineer" / "manifest.json").read_text())
    owned = _section((service / "README.md").read_text(), "## Yours")
    roots = {"/".join(p.split("/")[:2]) + "/" for p in manifest["user_owned"]}
    for root in roots:
        assert f"`{root}`" in owned, root
    assert "`tests/custom/`" in owned and "`app/custom/`" in owned
