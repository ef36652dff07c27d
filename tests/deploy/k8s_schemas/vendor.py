"""Rebuild the vendored Kubernetes schemas (run by hand; the tests only read the output).

Source: the ``v1.33.0-local-strict`` schemas shipped in the kubernetes-validate wheel (Apache-2.0,
https://github.com/willthames/kubernetes-validate), generated from the Kubernetes OpenAPI document
(Apache-2.0) in the yannh/kubernetes-json-schema layout. Each kind file refers into a 1.4 MB
``_definitions.json``; this script writes one self-contained schema per kind: the kind file with the
definitions it reaches copied under ``$defs``, references rewritten to ``#/$defs/...`` and
``description`` texts dropped (they do not affect validation).

    python tests/deploy/k8s_schemas/vendor.py /path/to/kubernetes_validate/kubernetes-json-schema/v1.33.0-local-strict
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

KINDS = (
    "deployment-apps-v1",
    "job-batch-v1",
    "cronjob-batch-v1",
    "networkpolicy-networking-v1",
    "service-v1",
    "serviceaccount-v1",
    "poddisruptionbudget-policy-v1",
)
PREFIXES = ("/api/_definitions.json#/$defs/", "#/$defs/")


def _strip(node: Any, reached: set[str]) -> Any:
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                continue
            if key == "$ref" and isinstance(value, str) and value.startswith(PREFIXES):
                name = value.rpartition("/")[2]
                reached.add(name)
                out[key] = f"#/$defs/{name}"
                continue
            out[key] = _strip(value, reached)
        return out
    if isinstance(node, list):
        return [_strip(v, reached) for v in node]
    return node


def build(source: Path, target: Path) -> None:
    definitions = json.loads((source / "_definitions.json").read_text())["$defs"]
    for kind in KINDS:
        reached: set[str] = set()
        schema = _strip(json.loads((source / f"{kind}.json").read_text()), reached)
        defs: dict[str, Any] = {}
        pending = sorted(reached)
        while pending:
            name = pending.pop()
            if name in defs:
                continue
            found: set[str] = set()
            defs[name] = _strip(definitions[name], found)
            pending.extend(sorted(found - defs.keys()))
        schema.pop("$id", None)
        schema["$defs"] = dict(sorted(defs.items()))
        (target / f"{kind}.json").write_text(json.dumps(schema, indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    build(Path(sys.argv[1]), Path(__file__).resolve().parent)
