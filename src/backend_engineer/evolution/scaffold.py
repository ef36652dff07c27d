"""Scaffold files (Dockerfile, compose.yaml, CI workflow, deploy/, docs/topology.md) on regeneration.

They are the user's to edit after the first generation. The manifest records the hash of what the generator
last rendered for each (``scaffold``). On regeneration, per file:

- unchanged by the user (its hash is the recorded one): it is updated to the new rendering;
- edited by the user: the user's version is kept; when the new rendering differs from the last one, it is
  written to ``.backend-engineer/proposed/<path>`` and reported, so the user merges the change by hand;
- missing (deleted by the user or new in this version): it is (re)created.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from backend_engineer.engines.deterministic.tree import SCAFFOLD_PREFIXES

PROPOSED = ".backend-engineer/proposed/"


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def reconcile(repo: Path, files: dict[str, bytes], recorded: dict[str, str]) -> dict[str, bytes]:
    """The files to write, with the user's edited scaffold files kept and the new renderings set aside."""
    out = {p: c for p, c in files.items() if not p.startswith(PROPOSED)}
    for path, content in files.items():
        target = repo / path
        if not path.startswith(SCAFFOLD_PREFIXES) or not target.is_file():
            continue
        current = target.read_bytes()
        if current == content or _sha(current) == recorded.get(path):
            continue
        out[path] = current
        if recorded.get(path) != _sha(content):
            out[f"{PROPOSED}{path}"] = content
    return out


def conflict_notes(files: dict[str, bytes]) -> list[str]:
    return [
        f"{p.removeprefix(PROPOSED)}: you edited it and the bundle now renders it differently; yours is kept, "
        f"the new rendering is in {p}: merge it by hand"
        for p in sorted(files)
        if p.startswith(PROPOSED)
    ]
