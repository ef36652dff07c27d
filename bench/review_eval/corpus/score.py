"""Recall per class and precision of `backend-engineer review` against Bandit, ruff -S and semgrep on the
public vulnerable apps of manifest.json (materialised by materialise.py; their code is never committed).

A finding is true when it names a file and a line inside (or within 2 lines of) a documented item of
truth/<app>.json and its class is the item's class; every other finding is false. Every finding of every
tool is classified this way, so precision = true findings / all security findings of that tool.
Run: python bench/review_eval/corpus/score.py [--split dev|held-out|all] [--json out.json]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2] / "src"))
sys.path.insert(0, str(HERE))

from materialise import load_manifest, materialise  # noqa: E402

BIN = Path(sys.executable).parent
API_CLASSES = {
    "bola",
    "broken-auth",
    "data-exposure",
    "mass-assignment",
    "function-auth",
    "rate-limit",
    "user-enumeration",
}
SAME = {"ssti": {"ssti", "xss"}, "xss": {"xss", "ssti"}}
CODE_CLASS = {
    **dict.fromkeys(["105", "106", "107"], "secrets"),
    "608": "sql-injection",
    "201": "debug",
    **dict.fromkeys(["301", "302", "403", "506"], "deserialization"),
    **dict.fromkeys(["303", "324"], "weak-hash"),
    **dict.fromkeys(["701", "702", "703", "704", "308"], "xss"),
    **dict.fromkeys(["602", "605", "604", "607", "609", "102", "307"], "command-injection"),
    **dict.fromkeys(["310", "113"], "ssrf"),
    **dict.fromkeys(["313", "314", "315", "316", "317", "318", "319", "320", "405", "408", "410"], "xxe"),
    **dict.fromkeys(["501", "502", "503", "504", "505"], "tls"),
}
SEMGREP_CLASS = [
    (re.compile(r"sql|raw-query|cursor|execute|formatted-sql", re.I), "sql-injection"),
    (re.compile(r"jwt", re.I), "broken-auth"),
    (re.compile(r"csrf", re.I), "csrf"),
    (re.compile(r"cors", re.I), "cors"),
    (re.compile(r"render-template-string|template-injection|ssti", re.I), "ssti"),
    (re.compile(r"xss|autoescape|safe|markup|html", re.I), "xss"),
    (re.compile(r"pickle|yaml|deserial|marshal|shelve", re.I), "deserialization"),
    (re.compile(r"md5|sha1|insecure-hash|weak-hash|hashlib", re.I), "weak-hash"),
    (re.compile(r"secret|password|hardcoded|key", re.I), "secrets"),
    (re.compile(r"redirect", re.I), "open-redirect"),
    (re.compile(r"path-traversal|send-file|open-|directory", re.I), "path-traversal"),
    (re.compile(r"debug", re.I), "debug"),
    (re.compile(r"xxe|xml", re.I), "xxe"),
    (re.compile(r"subprocess|os-system|exec|eval|command|shell", re.I), "command-injection"),
    (re.compile(r"ssrf|request", re.I), "ssrf"),
]

Row = tuple[str, int, str, str]  # path relative to the app root, line, class, rule


def _rel(path: str, root: Path) -> str:
    p = Path(path)
    p = p if p.is_absolute() else (Path.cwd() / p)
    return str(p.resolve().relative_to(root.resolve()))


def ours(root: Path) -> list[Row]:
    from backend_engineer.review.engine import review_path

    report = review_path(root, include_tests=False)
    return [(f.path, f.line, f.category, f.code) for f in report.security]


def bandit(root: Path) -> list[Row]:
    proc = subprocess.run(
        [str(BIN / "bandit"), "-r", str(root), "-f", "json", "-q"], capture_output=True, text=True, check=False
    )
    rows = json.loads(proc.stdout or "{}").get("results", [])
    return [
        (_rel(r["filename"], root), r["line_number"], CODE_CLASS.get(r["test_id"][1:], r["test_id"]), r["test_id"])
        for r in rows
    ]


def ruff_s(root: Path) -> list[Row]:
    proc = subprocess.run(
        [
            str(BIN / "ruff"),
            "check",
            "--isolated",
            "--select",
            "S",
            "--output-format",
            "json",
            "--exit-zero",
            "--no-cache",
            str(root),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return [
        (_rel(r["filename"], root), r["location"]["row"], CODE_CLASS.get(str(r["code"])[1:], r["code"]), r["code"])
        for r in json.loads(proc.stdout or "[]")
    ]


def semgrep_binary() -> str | None:
    for candidate in (BIN / "semgrep", Path("/tmp/h15-semgrep/bin/semgrep")):
        if candidate.exists():
            return str(candidate)
    return shutil.which("semgrep")


SEMGREP_RULES = {"repo": "semgrep/semgrep-rules", "folder": "python"}


def semgrep_rules() -> Path | None:
    """semgrep's public Python rules, extracted (YAML rules only) from the fetch mirror into .cache/."""
    target = HERE / ".cache" / "_semgrep-rules"
    if (target / "python").is_dir():
        return target / "python"
    git = Path(os.environ.get("MIRROR", "/work/.mirror")) / "semgrep+semgrep-rules" / "repo"
    if not git.is_dir():
        return None
    proc = subprocess.run(
        ["git", "--git-dir", str(git), "archive", "--format=tar", "HEAD", "python"], capture_output=True, check=False
    )
    if proc.returncode != 0:
        return None
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        members = [m for m in tar.getmembers() if m.isdir() or m.name.endswith((".yaml", ".yml"))]
        members = [m for m in members if not m.name.endswith((".test.yaml", ".test.yml"))]
        tar.extractall(target, members=members, filter="data")
    return target / "python"


SEMGREP_RESULTS: dict[str, list[dict[str, object]]] = {}


def semgrep_all(roots: list[Path]) -> None:
    """One semgrep run over every app (loading the rules dominates its time); results are split per app."""
    binary, rules = semgrep_binary(), semgrep_rules()
    if binary is None or rules is None:
        return
    proc = subprocess.run(
        [
            binary,
            "scan",
            "--config",
            str(rules),
            "--json",
            "--metrics=off",
            "--disable-version-check",
            "--no-git-ignore",
            "--quiet",
            *map(str, roots),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=1800,
    )
    for r in json.loads(proc.stdout or "{}").get("results", []):
        path = Path(r["path"]).resolve()
        owner = next((root for root in roots if path.is_relative_to(root.resolve())), None)
        if owner is not None:
            SEMGREP_RESULTS.setdefault(str(owner), []).append(r)


def semgrep(root: Path) -> list[Row]:
    out = []
    for r in SEMGREP_RESULTS.get(str(root), []):
        rule = str(r["check_id"]).rsplit(".", 1)[-1]
        klass = next((k for rx, k in SEMGREP_CLASS if rx.search(rule)), rule)
        out.append((_rel(str(r["path"]), root), int(r["start"]["line"]), klass, rule))  # type: ignore[index]
    return out


def classify(
    rows: list[Row],
    items: list[dict[str, object]],
    reviewed: list[dict[str, object]] = (),  # type: ignore[assignment]
) -> tuple[list[bool], set[str], list[bool]]:
    """Each finding: true by the docs? the documented items it finds; true once reviewed (docs + undocumented)."""
    verdicts: list[bool] = []
    extra: list[bool] = []
    found: set[str] = set()
    for path, line, klass, _rule in rows:
        extra.append(
            any(
                item["file"] == path and item["lines"][0] - 2 <= line <= item["lines"][1] + 2 and klass == item["class"]  # type: ignore[index]
                for item in reviewed
            )
        )
        hit = False
        for item in items:
            start, end = item["lines"]  # type: ignore[misc]
            if (
                item["file"] == path
                and start - 2 <= line <= end + 2
                and klass in SAME.get(str(item["class"]), {str(item["class"])})
            ):
                found.add(str(item["id"]))
                hit = True
        verdicts.append(hit)
    return verdicts, found, [a or b for a, b in zip(verdicts, extra, strict=True)]


TOOLS: dict[str, Callable[[Path], list[Row]]] = {
    "backend-engineer": ours,
    "bandit": bandit,
    "ruff -S": ruff_s,
    "semgrep (p/python rules)": semgrep,
}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="all", choices=["dev", "held-out", "all"])
    parser.add_argument("--json", type=Path)
    parser.add_argument("--verbose", action="store_true", help="print every finding with its verdict")
    args = parser.parse_args()
    apps = [a for a in load_manifest() if args.split == "all" or a["split"] == args.split]
    results: dict[str, dict[str, object]] = {}
    by_class_total: dict[str, int] = defaultdict(int)
    items_all: list[tuple[str, dict[str, object]]] = []
    reviewed_all: dict[str, list[dict[str, object]]] = {}
    roots = {}
    for app in apps:
        roots[str(app["name"])] = materialise(app)
        truth = json.loads((HERE / "truth" / f"{app['name']}.json").read_text())
        reviewed_all[str(app["name"])] = list(truth.get("undocumented_true", {}).get("items", []))
        for item in truth["items"]:
            items_all.append((str(app["name"]), item))
            by_class_total[str(item["class"])] += 1
    semgrep_seconds = 0.0
    if semgrep_binary() is None or semgrep_rules() is None:
        print("semgrep: not run (no semgrep binary or no offline copy of semgrep-rules/python)")
        del TOOLS["semgrep (p/python rules)"]
    else:
        started = time.perf_counter()
        semgrep_all(list(roots.values()))
        semgrep_seconds = time.perf_counter() - started
    for tool, run in TOOLS.items():
        started = time.perf_counter() - (semgrep_seconds if run is semgrep else 0.0)
        true = false = reviewed_true = 0
        found: set[tuple[str, str]] = set()
        for name, root in roots.items():
            items = [i for n, i in items_all if n == name]
            rows = run(root)
            verdicts, hits, reviewed = classify(rows, items, reviewed_all[name])
            reviewed_true += sum(reviewed)
            true += sum(verdicts)
            false += len(verdicts) - sum(verdicts)
            found |= {(name, h) for h in hits}
            if args.verbose:
                for row, ok, rev in zip(rows, verdicts, reviewed, strict=True):
                    verdict = "TRUE " if ok else ("true*" if rev else "false")
                    print(f"  {tool:10} {verdict} {name}/{row[0]}:{row[1]} {row[2]} {row[3]}")
        per_class: dict[str, int] = defaultdict(int)
        for name, item in items_all:
            if (name, str(item["id"])) in found:
                per_class[str(item["class"])] += 1
        api_total = sum(v for k, v in by_class_total.items() if k in API_CLASSES)
        results[tool] = {
            "findings": true + false,
            "true": true,
            "precision": true / (true + false) if true + false else 0.0,
            "reviewed_true": reviewed_true,
            "precision_reviewed": reviewed_true / (true + false) if true + false else 0.0,
            "recall": len(found) / len(items_all),
            "api_recall": sum(v for k, v in per_class.items() if k in API_CLASSES) / api_total if api_total else 0.0,
            "per_class": dict(per_class),
            "seconds": round(time.perf_counter() - started, 1),
        }
    names = list(results)
    print(f"corpus split={args.split}: {len(apps)} apps, {len(items_all)} documented vulnerabilities")
    print(f"{'class':20}{'items':>6}" + "".join(f"{n[:16]:>18}" for n in names))
    for klass in sorted(by_class_total):
        mark = "*" if klass in API_CLASSES else " "
        cells = "".join(f"{results[n]['per_class'].get(klass, 0):>18}" for n in names)  # type: ignore[union-attr]
        print(f"{mark}{klass:19}{by_class_total[klass]:>6}{cells}")
    for label, key, fmt in (
        ("recall (all)", "recall", "{:.0%}"),
        ("recall (*API)", "api_recall", "{:.0%}"),
        ("findings", "findings", "{}"),
        ("true findings", "true", "{}"),
        ("precision (docs only)", "precision", "{:.0%}"),
        ("true findings (reviewed)", "reviewed_true", "{}"),
        ("precision (reviewed)", "precision_reviewed", "{:.0%}"),
        ("seconds", "seconds", "{}"),
    ):
        print(f"{label:26}" + "".join(f"{fmt.format(results[n][key]):>18}" for n in names))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
