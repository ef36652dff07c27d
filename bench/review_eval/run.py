"""Recall and precision of backend-engineer review vs Bandit vs plain ruff on the planted-defect apps.

A finding is a true positive when it names the same file, the same category and a line within 2 of
a planted defect (truth.json, documented in DEFECTS.md). Every other finding is a false positive.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
APPS = HERE / "apps"
BIN = Path(sys.executable).parent
sys.path.insert(0, str(HERE.parents[1] / "src"))

BANDIT = {
    "B105": "secrets",
    "B106": "secrets",
    "B107": "secrets",
    "B608": "sql-injection",
    "B201": "information-disclosure",
    "B310": "ssrf",
    "B113": "timeout",
}
RUFF = {
    "S105": "secrets",
    "S106": "secrets",
    "S107": "secrets",
    "S608": "sql-injection",
    "S201": "information-disclosure",
    "S310": "ssrf",
    "S113": "timeout",
}

Row = tuple[str, int, str]


def ours() -> list[Row]:
    from backend_engineer.review.engine import review_path

    report = review_path(APPS, include_tests=True)
    return [(f.path, f.line, f.category) for f in report.findings]


def bandit() -> list[Row]:
    proc = subprocess.run(
        [str(BIN / "bandit"), "-r", str(APPS), "-f", "json", "-q"], capture_output=True, text=True, check=False
    )
    rows = json.loads(proc.stdout or "{}").get("results", [])
    return [
        (str(Path(r["filename"]).resolve().relative_to(APPS)), r["line_number"], BANDIT.get(r["test_id"], r["test_id"]))
        for r in rows
    ]


def ruff() -> list[Row]:
    proc = subprocess.run(
        [
            str(BIN / "ruff"),
            "check",
            "--isolated",
            "--select",
            "S,FAST,ASYNC,BLE",
            "--output-format",
            "json",
            "--exit-zero",
            "--no-cache",
            str(APPS),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        (str(Path(r["filename"]).resolve().relative_to(APPS)), r["location"]["row"], RUFF.get(r["code"], r["code"]))
        for r in json.loads(proc.stdout or "[]")
    ]


def score(found: list[Row], truth: list[dict]) -> dict[str, float]:
    matched: set[int] = set()
    true_positive = 0
    for path, line, category in found:
        hit = next(
            (
                i
                for i, t in enumerate(truth)
                if t["file"] == path and t["category"] == category and abs(t["line"] - line) <= 2
            ),
            None,
        )
        if hit is not None:
            true_positive += 1
            matched.add(hit)
    recall = len(matched) / len(truth)
    precision = true_positive / len(found) if found else 0.0
    return {"findings": len(found), "defects_found": len(matched), "recall": recall, "precision": precision}


def main() -> int:
    truth = json.loads((HERE / "truth.json").read_text())
    results = {}
    for name, tool in (("backend-engineer", ours), ("bandit", bandit), ("ruff S/FAST/ASYNC/BLE", ruff)):
        started = time.perf_counter()
        found = tool()
        results[name] = {**score(found, truth), "seconds": round(time.perf_counter() - started, 2)}
    print(f"{len(truth)} planted defects in 3 apps (FastAPI, Flask, Django)")
    print(f"{'tool':24} {'findings':>8} {'found':>6} {'recall':>7} {'precision':>9} {'seconds':>8}")
    for name, r in results.items():
        print(
            f"{name:24} {r['findings']:>8} {r['defects_found']:>6} {r['recall']:>7.0%} {r['precision']:>9.0%} "
            f"{r['seconds']:>8}"
        )
    base = results["bandit"]
    ours_r = results["backend-engineer"]
    print(
        f"recall ratio vs bandit: {ours_r['recall'] / base['recall']:.2f}x"
        if base["recall"]
        else "bandit found nothing"
    )
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
