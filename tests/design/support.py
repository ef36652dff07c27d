"""Helpers for the design tests: bundles without a contract, drafted and generated once per session."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.conftest import EXAMPLES

HERE = Path(__file__).resolve().parent
LIBRARY = HERE / "bundles" / "library"
COMPLETE_EXAMPLES = ("projects-saas", "projects-saas-v2", "ledger")


def bundle_without_contract(source: Path, dest: Path) -> Path:
    """A copy of the bundle with only the inputs design reads (and perf/ops): no openapi.yaml."""
    shutil.copytree(source, dest)
    (dest / "openapi.yaml").unlink(missing_ok=True)
    return dest


def saas_without_contract(dest: Path) -> Path:
    return bundle_without_contract(EXAMPLES / "projects-saas", dest)


def resolve(doc: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = doc
        for part in node["$ref"][2:].split("/"):
            target = target[part]
        node = target
    return node


def media_types(doc: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(operationId, where, media type object) for every request body and response with content."""
    out = []
    for item in doc["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            body = resolve(doc, op.get("requestBody"))
            if body:
                for media in body["content"].values():
                    out.append((op["operationId"], "request", media))
            for status, response in op["responses"].items():
                for media in (resolve(doc, response).get("content") or {}).values():
                    out.append((op["operationId"], str(status), media))
    return out
