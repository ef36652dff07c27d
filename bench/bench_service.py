"""Generated service vs a hand-written minimal FastAPI+SQLAlchemy CRUD: requests/s and p95 for the same
list and get endpoints, on loopback, in the same run, plus the generated service's queries per request.

Both servers run one uvicorn worker on SQLite with the same 200 seeded projects. Loads are bounded.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backend_engineer.engines.deterministic.engine import render_service  # noqa: E402
from backend_engineer.spec.bundle import load_bundle  # noqa: E402
from backend_engineer.verify.service import free_port, run_service  # noqa: E402
from backend_engineer.verify.slo import percentile  # noqa: E402

REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1500"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "8"))


def load(base: str, paths: list[str], headers: dict[str, str]) -> tuple[float, float]:
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(base_url=base, headers=headers, limits=limits, timeout=10) as client:
        for path in paths[:20]:
            client.get(path)

        def one(i: int) -> float:
            started = time.perf_counter()
            response = client.get(paths[i % len(paths)])
            assert response.status_code == 200, response.text
            return (time.perf_counter() - started) * 1000

        started = time.perf_counter()
        with ThreadPoolExecutor(CONCURRENCY) as pool:
            latencies = list(pool.map(one, range(REQUESTS)))
        elapsed = time.perf_counter() - started
    return REQUESTS / elapsed, percentile(latencies, 95)


def main() -> int:
    bundle = load_bundle(ROOT / "examples" / "projects-saas").bundle
    assert bundle is not None
    with tempfile.TemporaryDirectory() as tmp:
        service = Path(tmp) / "svc"
        for rel, content in render_service(bundle).items():
            (service / rel).parent.mkdir(parents=True, exist_ok=True)
            (service / rel).write_bytes(content)
        db_url = f"sqlite:///{tmp}/bench.db"
        with run_service(service, database_url=db_url) as svc:
            headers = {"Authorization": f"Bearer {svc.token('bench', svc.admin_roles())}"}
            ids = []
            with httpx.Client(base_url=svc.base_url, headers=headers) as client:
                for i in range(200):
                    r = client.post(
                        "/v1/projects", json={"name": f"project {i}"}, headers={"Idempotency-Key": f"bench-key-{i:06d}"}
                    )
                    ids.append(r.json()["id"])
                before = client.get("/metrics").text
            results = {}
            results["generated list"] = load(svc.base_url, ["/v1/projects?limit=50"], headers)
            results["generated get"] = load(svc.base_url, [f"/v1/projects/{i}" for i in ids], headers)
            with httpx.Client(base_url=svc.base_url) as client:
                after = client.get("/metrics").text
            port = free_port()
            env = {**os.environ, "DATABASE_URL": db_url}
            proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app:app", "--port", str(port), "--log-level", "warning"],
                cwd=ROOT / "bench" / "baseline_crud",
                env=env,
            )
            try:
                base = f"http://127.0.0.1:{port}"
                for _ in range(100):
                    try:
                        httpx.get(f"{base}/v1/projects?limit=1", timeout=0.5)
                        break
                    except httpx.HTTPError:
                        time.sleep(0.1)
                results["baseline list"] = load(base, ["/v1/projects?limit=50"], {})
                results["baseline get"] = load(base, [f"/v1/projects/{i}" for i in ids], {})
            finally:
                proc.terminate()
                proc.wait(timeout=10)
    print(f"{REQUESTS} requests per endpoint at concurrency {CONCURRENCY}, loopback, SQLite, one worker each")
    for name, (rps, p95) in results.items():
        print(f"{name:16} {rps:8.0f} req/s   p95 {p95:6.1f} ms")
    for ep in ("list", "get"):
        g, b = results[f"generated {ep}"], results[f"baseline {ep}"]
        print(
            f"{ep}: generated/baseline throughput {g[0] / b[0]:.2f}x, p95 {g[1] / b[1]:.2f}x "
            "(the generated one also verifies JWTs, rate-limits, sets the tenant, logs and meters)"
        )

    def counter(text: str, name: str, op: str) -> int:
        match = re.search(rf'^{name}\{{operation="{op}"[^}}]*\}} (\d+)', text, re.M)
        return int(match.group(1)) if match else 0

    budget = bundle.perf.query_budget.max_queries_per_request if bundle.perf and bundle.perf.query_budget else 0
    for op in ("listProjects", "getProject"):
        requests = sum(
            int(m) for m in re.findall(rf'^http_requests_total\{{operation="{op}"[^}}]*\}} (\d+)', after, re.M)
        ) - sum(int(m) for m in re.findall(rf'^http_requests_total\{{operation="{op}"[^}}]*\}} (\d+)', before, re.M))
        queries = counter(after, "http_request_db_queries_total", op) - counter(
            before, "http_request_db_queries_total", op
        )
        per = queries / requests if requests else 0
        print(f"{op}: {per:.2f} queries per request (budget {budget}) {'[PASS]' if per <= budget else '[FAIL]'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
