"""Generation time: projects-saas and a synthetic 50-entity bundle, with the ratio between them."""

from __future__ import annotations

import statistics
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


def main() -> int:
    saas, saas_files = timed(SAAS, 5)
    with tempfile.TemporaryDirectory() as tmp:
        big, big_files = timed(synthetic_bundle(Path(tmp), 50), 3)
    print(f"projects-saas (4 entities, 17 operations): {saas * 1000:.0f} ms median for {saas_files} files")
    print(f"synthetic (54 entities, 267 operations):   {big * 1000:.0f} ms median for {big_files} files")
    print(f"ratio 54-entity / 4-entity: {big / saas:.2f}x time for {big_files / saas_files:.2f}x files")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
