"""Generated service vs a fair hand-written FastAPI + SQLAlchemy baseline, under wrk, interleaved.

Both servers serve the same projects table with the same rows (10,000 in the measured tenant, 1,000 in another)
from the same database, one uvicorn process each, at INFO with one JSON access line per request, with JWT
verification, tenant scoping, rate limits and metrics on (see bench/baseline_crud/app.py). wrk (a C load
generator) drives each workload for a fixed time; the rounds alternate which server goes first, and the ratio is
generated/baseline throughput per round: median and spread (min-max) over the rounds.

Workloads: list limit 50, list limit 200, and get of a random id. On PostgreSQL the statements each read sends to
the server are counted in a separate pass through a small protocol-counting proxy on loopback (Query and Execute
messages), for both servers.

Where there are 2 or more cores the servers run on core 0 and wrk on core 1 (taskset), so the load generator does
not take the servers' CPU. Loads are bounded in time and target 127.0.0.1 only.

    python bench/bench_service.py [--db sqlite,postgresql] [--rounds 3] [--duration 5] [--rows 10000]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backend_engineer.engines.deterministic.engine import render_service  # noqa: E402
from backend_engineer.spec.bundle import load_bundle  # noqa: E402
from backend_engineer.verify.service import RunningService, free_port, run_service  # noqa: E402

PG_ADMIN = os.environ.get("BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
TENANT = "bench"
WRK_SCRIPT = """
local paths = {}
local token = os.getenv("BENCH_TOKEN")
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
end
request = function()
  return wrk.format("GET", paths[math.random(#paths)], {["Authorization"] = "Bearer " .. token})
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,'
    .. '"status_errors":%d,"socket_errors":%d}\\n', summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), e.status,
    e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass(frozen=True)
class Target:
    name: str
    base_url: str
    token: str


@dataclass(frozen=True)
class Run:
    rps: float
    p95_ms: float
    errors: int


def cores_for(role: str) -> list[str]:
    if (os.cpu_count() or 1) < 2 or not shutil.which("taskset"):
        return []
    return ["taskset", "-c", "0" if role == "server" else "1"]


def wrk(target: Target, paths_file: Path, script: Path, duration: int, connections: int) -> Run:
    cmd = [*cores_for("load"), "wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "5s"]
    cmd += ["-s", str(script), target.base_url, "--", str(paths_file)]
    out = subprocess.run(
        cmd, env={**os.environ, "BENCH_TOKEN": target.token}, capture_output=True, text=True, timeout=duration + 60
    )
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed against {target.name}: {out.stderr or out.stdout}")
    data = json.loads(line)
    return Run(
        data["requests"] / (data["duration_us"] / 1e6),
        data["p95_us"] / 1000,
        data["status_errors"] + data["socket_errors"],
    )


def seed(url: str, rows: int) -> list[uuid.UUID]:
    """Rows inserted straight into the migrated table: `rows` in the measured tenant, a tenth in another."""
    engine = sa.create_engine(url)
    table = sa.Table(
        "projects",
        sa.MetaData(),
        sa.Column("id", sa.Uuid(), primary_key=True),
        *(sa.Column(name, sa.String()) for name in ("tenant_id", "name", "description", "status", "owner_id")),
        sa.Column("created_at", sa.DateTime(timezone=True)),
        sa.Column("updated_at", sa.DateTime(timezone=True)),
        sa.Column("version", sa.Integer()),
    )
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    ids: list[uuid.UUID] = []
    with engine.begin() as conn:
        for tenant, count in ((TENANT, rows), ("other", max(1, rows // 10))):
            batch = []
            for i in range(count):
                item = uuid.uuid4()
                if tenant == TENANT:
                    ids.append(item)
                at = start + dt.timedelta(seconds=i)
                batch.append(
                    {
                        "id": item,
                        "tenant_id": tenant,
                        "name": f"project {i:06d}",
                        "description": "a project seeded for the benchmark" if i % 3 else None,
                        "status": "active" if i % 5 else "archived",
                        "owner_id": f"user-{i % 50}",
                        "created_at": at,
                        "updated_at": at,
                        "version": 1,
                    }
                )
                if len(batch) == 1000:
                    conn.execute(table.insert(), batch)
                    batch = []
            if batch:
                conn.execute(table.insert(), batch)
    engine.dispose()
    return ids


@contextlib.contextmanager
def database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{tmp}/bench.db"
        return
    import psycopg

    name = f"be_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def baseline(url: str, svc: RunningService, log: Path) -> Iterator[Target]:
    auth = svc.bundle.security.authentication if svc.bundle.security else None
    assert auth is not None
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "JWT_SECRET": svc.secret,
        "JWT_ISSUER": str(auth.issuer),
        "JWT_AUDIENCE": str(auth.audience),
        "RATE_LIMIT_PER_MINUTE": str(600 * 1000),
    }
    cmd = [*cores_for("server"), sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1"]
    cmd += ["--port", str(port), "--log-level", "info", "--no-access-log"]
    with log.open("w") as sink:
        proc = subprocess.Popen(cmd, cwd=ROOT / "bench" / "baseline_crud", env=env, stdout=sink, stderr=sink)
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(300):
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(f"{base}/metrics", timeout=0.5)
                    break
                time.sleep(0.1)
            yield Target("baseline", base, svc.token(TENANT, svc.admin_roles()))
        finally:
            proc.terminate()
            proc.wait(timeout=30)


class StatementCounter:
    """A loopback TCP proxy to PostgreSQL counting the statements clients send (Query and Execute messages)."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.count = 0
        self.lock = threading.Lock()
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.upstream)
            threading.Thread(target=self._pipe, args=(upstream, client), daemon=True).start()
            threading.Thread(target=self._count, args=(client, upstream), daemon=True).start()

    @staticmethod
    def _pipe(src: socket.socket, dst: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
        with contextlib.suppress(OSError):
            dst.close()

    def _count(self, src: socket.socket, dst: socket.socket) -> None:
        buffer, started = b"", False
        with contextlib.suppress(OSError):
            while data := src.recv(65536):
                dst.sendall(data)
                buffer += data
                while True:
                    if not started:
                        if len(buffer) < 4:
                            break
                        size = int.from_bytes(buffer[:4], "big")
                        if len(buffer) < size:
                            break
                        buffer, started = buffer[size:], True
                        continue
                    if len(buffer) < 5:
                        break
                    size = int.from_bytes(buffer[1:5], "big")
                    if len(buffer) < size + 1:
                        break
                    if buffer[:1] in (b"Q", b"E"):
                        with self.lock:
                            self.count += 1
                    buffer = buffer[size + 1 :]
        with contextlib.suppress(OSError):
            dst.close()

    def close(self) -> None:
        self.server.close()


def statements_per_read(service: Path, url: str, paths: dict[str, list[str]], tmp: Path) -> dict[str, dict[str, float]]:
    """Statements per request for each workload and server, through the counting proxy, sequential requests."""
    out: dict[str, dict[str, float]] = {}
    counter = StatementCounter(("127.0.0.1", 5432))
    proxied = url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{counter.port}/") + "?sslmode=disable&gssencmode=disable"
    try:
        with run_service(service, database_url=proxied, env={"LOG_LEVEL": "INFO"}) as svc:
            generated = Target("generated", svc.base_url, svc.token(TENANT, svc.admin_roles()))
            with baseline(proxied, svc, tmp / "baseline-statements.log") as base:
                for target in (generated, base):
                    with httpx.Client(
                        base_url=target.base_url, headers={"Authorization": f"Bearer {target.token}"}
                    ) as c:
                        for name, workload in paths.items():
                            for path in workload[:20]:
                                c.get(path)
                            before = counter.count
                            for path in workload[:200]:
                                assert c.get(path).status_code == 200
                            out.setdefault(name, {})[target.name] = (counter.count - before) / min(200, len(workload))
    finally:
        counter.close()
    return out


def measure(kind: str, service: Path, args: argparse.Namespace, tmp: Path) -> None:
    script = tmp / "bench.lua"
    script.write_text(WRK_SCRIPT)
    with database(kind, tmp) as url:
        server_env = {"LOG_LEVEL": "INFO"}
        with run_service(service, database_url=url, env=server_env, command_prefix=cores_for("server")) as svc:
            ids = seed(url, args.rows)
            paths = {
                "list50": ["/v1/projects?limit=50"],
                "list200": ["/v1/projects?limit=200"],
                "get": [f"/v1/projects/{i}" for i in ids[:5000]],
            }
            files = {}
            for name, workload in paths.items():
                files[name] = tmp / f"{name}.paths"
                files[name].write_text("\n".join(workload) + "\n")
            generated = Target("generated", svc.base_url, svc.token(TENANT, svc.admin_roles()))
            with baseline(url, svc, tmp / "baseline.log") as base:
                for target in (generated, base):
                    for name in paths:
                        wrk(target, files[name], script, 1, args.connections)
                results: dict[tuple[str, str], list[Run]] = {}
                for round_no in range(args.rounds):
                    order = (generated, base) if round_no % 2 == 0 else (base, generated)
                    for name in paths:
                        for target in order:
                            results.setdefault((name, target.name), []).append(
                                wrk(target, files[name], script, args.duration, args.connections)
                            )
        statements = statements_per_read(service, url, paths, tmp) if kind == "postgresql" else {}
    report(kind, args, results, statements)


def report(
    kind: str,
    args: argparse.Namespace,
    results: dict[tuple[str, str], list[Run]],
    statements: dict[str, dict[str, float]],
) -> None:
    print(
        f"\n## {kind}: {args.rows} rows, wrk -t1 -c{args.connections}, {args.duration} s per run, "
        f"{args.rounds} interleaved rounds"
    )
    print("| workload | generated req/s | baseline req/s | ratio median (min-max) | p95 gen / base ms | errors |")
    print("|---|---|---|---|---|---|")
    for name in ("list50", "list200", "get"):
        gen, base = results[(name, "generated")], results[(name, "baseline")]
        ratios = [g.rps / b.rps for g, b in zip(gen, base, strict=True)]
        print(
            f"| {name} | {statistics.median(r.rps for r in gen):.0f} | {statistics.median(r.rps for r in base):.0f} "
            f"| {statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) "
            f"| {statistics.median(r.p95_ms for r in gen):.1f} / {statistics.median(r.p95_ms for r in base):.1f} "
            f"| {sum(r.errors for r in gen)} / {sum(r.errors for r in base)} |"
        )
    for name, counts in statements.items():
        print(
            f"statements per {name} request on PostgreSQL: generated {counts['generated']:.2f}, "
            f"baseline {counts['baseline']:.2f}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite,postgresql")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("[SKIP] wrk is not installed (Debian: apt-get install wrk); the benchmark needs a C load generator")
        return 0
    bundle = load_bundle(ROOT / "examples" / "projects-saas").bundle
    assert bundle is not None
    print(f"machine: {os.cpu_count()} cores; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        service = tmp / "svc"
        for rel, content in render_service(bundle).items():
            (service / rel).parent.mkdir(parents=True, exist_ok=True)
            (service / rel).write_bytes(content)
        for kind in args.db.split(","):
            measure(kind, service, args, tmp)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
