"""The corpus scorer: pinned extraction from a mirror, and the true/false classification of findings."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "bench" / "review_eval" / "corpus"))

import materialise
import score

ITEMS = [
    {"id": "sqli", "class": "sql-injection", "file": "app.py", "lines": [10, 12]},
    {"id": "ssti", "class": "ssti", "file": "app.py", "lines": [30, 30]},
]


def test_a_finding_is_true_only_for_its_file_lines_and_class() -> None:
    rows = [
        ("app.py", 14, "sql-injection", "BE303"),
        ("app.py", 15, "sql-injection", "BE303"),
        ("app.py", 11, "xss", "BE316"),
        ("app.py", 31, "xss", "BE316"),
        ("other.py", 11, "sql-injection", "S608"),
        ("app.py", 50, "secrets", "S105"),
    ]
    reviewed = [{"class": "secrets", "file": "app.py", "lines": [50, 50]}]
    verdicts, found, with_review = score.classify(rows, ITEMS, reviewed)
    assert verdicts == [True, False, False, True, False, False]
    assert found == {"sqli", "ssti"}
    assert with_review == [True, False, False, True, False, True]


def test_every_truth_file_cites_docs_and_matches_the_manifest() -> None:
    import json

    names = {str(a["name"]) for a in materialise.load_manifest()}
    truth = {p.stem for p in (materialise.HERE / "truth").glob("*.json")}
    assert names == truth
    for name in names:
        data = json.loads((materialise.HERE / "truth" / f"{name}.json").read_text())
        assert data["docs"] and data["items"]
        for item in data["items"]:
            assert item["cite"] and item["class"] and len(item["lines"]) == 2 and item["lines"][0] <= item["lines"][1]
    assert {a["split"] for a in materialise.load_manifest()} == {"dev", "held-out"}


def test_materialise_extracts_the_pinned_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "src"
    work.mkdir()
    git = ["git", "-c", "user.email=t@t", "-c", "user.name=t", "-C", str(work)]
    subprocess.run(["git", "init", "-q", str(work)], check=True)
    (work / "app.py").write_text("print('v1')\n")
    (work / "docs.md").write_text("docs\n")
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], check=True)
    pinned = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True, check=True).stdout.strip()
    (work / "app.py").write_text("print('v2')\n")
    subprocess.run([*git, "commit", "-qam", "v2"], check=True)
    mirror = tmp_path / "mirror" / "owner+app"
    mirror.mkdir(parents=True)
    subprocess.run(["git", "clone", "-q", "--bare", str(work), str(mirror / "repo")], check=True)
    monkeypatch.setenv("MIRROR", str(tmp_path / "mirror"))
    app = {"name": "app", "repo": "owner/app", "commit": pinned, "include": ["app.py"]}
    target = materialise.materialise(app, tmp_path / "cache")
    assert (target / "app.py").read_text() == "print('v1')\n" and not (target / "docs.md").exists()
    with pytest.raises(SystemExit, match="fetch"):
        materialise.materialise({**app, "repo": "owner/missing", "name": "missing"}, tmp_path / "cache")
