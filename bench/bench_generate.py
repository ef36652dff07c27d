"""Generation time: projects-saas and a synthetic 50-entity bundle, in process and as a whole process.

The whole-process time is what a user waits for: `backend-engineer generate BUNDLE --out DIR`, from interpreter
start to the last file written. Its baseline, measured interleaved in the same rounds, is the bare interpreter
start (`python -c pass`), so the ratio shows the tool's own cost. The goal is 1 s for a 50-entity bundle.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backend_engineer.engines.deterministic.engine import render_service  # noqa: E402
from backend_engineer.spec.bundle import load_bundle  # noqa: E402

SAAS = ROOT / "examples" / "projects-saas"


def synthetic_bundle(folder: Path, entities: int) -> Path:
    """The projects-saas bundle with `entities` extra CRUD entities, each with list/get/create/update/delete."""
    for name in ("company.config.yaml", "techspec.yaml", "perf.yaml", "ops.yaml"):
        (folder / name).write_text((SAAS / name).read_text())
    api: dict[str, Any] = yaml.safe_load((SAAS / "openapi.yaml").read_text())
    dm: dict[str, Any] = yaml.safe_load((SAAS / "datamodel.yaml").read_text())
    sec: dict[str, Any] = yaml.safe_load((SAAS / "security.yaml").read_text())
    for i in range(entities):
        ent, table = f"Thing{i}", f"things_{i}"
        dm["entities"][ent] = {
            "table": table,
            "tenant_scoped": True,
            "retention": {"policy": "keep"},
            "fields": {
                "id": {"type": "uuid", "primary_key": True, "generated": "uuid4"},
                "name": {"type": "string", "min_length": 1, "max_length": 100, "required": True},
                "size": {"type": "integer", "minimum": 0, "maximum": 1000},
                "created_at": {"type": "datetime", "generated": "created", "readonly": True},
                "updated_at": {"type": "datetime", "generated": "updated", "readonly": True},
                "version": {"type": "integer", "generated": "version", "readonly": True},
            },
            "indexes": [{"fields": ["tenant_id", "name"], "unique": True}],
        }
        schemas = api["components"]["schemas"]
        props = {
            "name": {"type": "string", "minLength": 1, "maxLength": 100},
            "size": {"type": "integer", "minimum": 0, "maximum": 1000},
        }
        schemas[ent] = {
            "type": "object",
            "required": ["id", "name"],
            "properties": {
                "id": {"type": "string", "format": "uuid"},
                **props,
                "created_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
                "version": {"type": "integer"},
            },
        }
        schemas[f"{ent}Create"] = {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": props,
        }
        schemas[f"{ent}Update"] = {
            "type": "object",
            "additionalProperties": False,
            "minProperties": 1,
            "properties": props,
        }
        schemas[f"{ent}Page"] = {
            "type": "object",
            "required": ["items", "next_cursor"],
            "properties": {
                "items": {"type": "array", "maxItems": 200, "items": {"$ref": f"#/components/schemas/{ent}"}},
                "next_cursor": {"type": ["string", "null"]},
            },
        }
        errors = {
            c: {"$ref": f"#/components/responses/{r}"}
            for c, r in (("401", "Unauthorized"), ("403", "Forbidden"), ("429", "TooManyRequests"))
        }
        key = {"$ref": "#/components/parameters/IdempotencyKey"}
        item_param = {
            "name": "thing_id",
            "in": "path",
            "required": True,
            "schema": {"type": "string", "format": "uuid"},
        }
        body = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ent}Create"}}},
        }
        patch = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ent}Update"}}},
        }
        one = {
            "description": "ok",
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ent}"}}},
        }
        api["paths"][f"/v1/{table}"] = {
            "get": {
                "operationId": f"list{ent}",
                "parameters": [{"$ref": "#/components/parameters/Cursor"}, {"$ref": "#/components/parameters/Limit"}],
                "responses": {
                    "200": {
                        "description": "page",
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{ent}Page"}}},
                    },
                    **errors,
                },
            },
            "post": {
                "operationId": f"create{ent}",
                "parameters": [key],
                "requestBody": body,
                "responses": {"201": one, **errors},
            },
        }
        api["paths"][f"/v1/{table}/{{thing_id}}"] = {
            "parameters": [item_param],
            "get": {"operationId": f"get{ent}", "responses": {"200": one, **errors}},
            "patch": {
                "operationId": f"update{ent}",
                "parameters": [key],
                "requestBody": patch,
                "responses": {"200": one, **errors},
            },
            "delete": {
                "operationId": f"delete{ent}",
                "parameters": [key],
                "responses": {"204": {"description": "gone"}, **errors},
            },
        }
        perms = {
            f"list{ent}": "thing:read",
            f"get{ent}": "thing:read",
            f"create{ent}": "thing:write",
            f"update{ent}": "thing:write",
            f"delete{ent}": "thing:write",
        }
        sec["authorization"]["operations"].update(perms)
    sec["authorization"]["roles"]["admin"] += ["thing:read", "thing:write"]
    (folder / "openapi.yaml").write_text(yaml.safe_dump(api, sort_keys=False))
    (folder / "datamodel.yaml").write_text(yaml.safe_dump(dm, sort_keys=False))
    (folder / "security.yaml").write_text(yaml.safe_dump(sec, sort_keys=False))
    return folder


def timed(bundle_dir: Path, runs: int) -> tuple[float, int]:
    bundle = load_bundle(bundle_dir).bundle
    assert bundle is not None, load_bundle(bundle_dir).errors
    times, files = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        files = len(render_service(bundle))
        times.append(time.perf_counter() - started)
    return statistics.median(times), files


def _wall(cmd: list[str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} exited {done.returncode}: {(done.stdout + done.stderr)[-800:]}")
    return time.perf_counter() - started


def whole_process(bundles: dict[str, Path], rounds: int, tmp: Path) -> dict[str, list[float]]:
    """Each round runs the bare interpreter and every bundle's `generate`, one after another."""
    cli = str(Path(sys.executable).with_name("backend-engineer"))
    times: dict[str, list[float]] = {"python -c pass": []}
    for round_no in range(rounds):
        times["python -c pass"].append(_wall([sys.executable, "-c", "pass"]))
        for name, bundle in bundles.items():
            out = tmp / f"out-{name}-{round_no}"
            times.setdefault(name, []).append(_wall([cli, "generate", str(bundle), "--out", str(out)]))
    return times


def main() -> int:
    saas, saas_files = timed(SAAS, 5)
    with tempfile.TemporaryDirectory() as tmp:
        synthetic = synthetic_bundle(Path(tmp), 50)
        big, big_files = timed(synthetic, 3)
        walls = whole_process({"projects-saas": SAAS, "synthetic-54": synthetic}, 3, Path(tmp))
    print(f"in process, projects-saas (4 entities, 17 operations): {saas * 1000:.0f} ms median for {saas_files} files")
    print(f"in process, synthetic (54 entities, 267 operations):   {big * 1000:.0f} ms median for {big_files} files")
    print(f"ratio 54-entity / 4-entity: {big / saas:.2f}x time for {big_files / saas_files:.2f}x files")
    floor = statistics.median(walls["python -c pass"])
    for name, values in walls.items():
        median = statistics.median(values)
        print(
            f"whole process, {name}: median {median * 1000:.0f} ms (spread {min(values) * 1000:.0f}-"
            f"{max(values) * 1000:.0f} ms over {len(values)} rounds), {median / floor:.1f}x the bare interpreter"
        )
    goal = statistics.median(walls["synthetic-54"])
    print(f"goal: a 50-entity bundle in at most 1 s as a whole process: {'[PASS]' if goal <= 1.0 else '[FAIL]'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
