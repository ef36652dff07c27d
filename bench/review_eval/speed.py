"""How long `review` takes on a 50,000-line codebase, against Bandit and ruff -S on the same tree.

The codebase is built from files in this repository (the generated SaaS service in tests/golden and the
review rule fixtures), copied into numbered packages until it holds >= 50,000 lines, so every run measures
the same code. Tools run interleaved, 3 rounds; prints the median, the spread and the ratio to each baseline.
Target: review under 30 s. Run: python bench/review_eval/speed.py [--lines 50000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "src"))
BIN = Path(sys.executable).parent
SOURCES = [ROOT / "tests" / "golden" / "projects-saas", ROOT / "tests" / "review" / "fixtures"]


def build(target: Path, lines: int) -> tuple[int, int]:
    files = [p for src in SOURCES for p in sorted(src.rglob("*.py")) if "__pycache__" not in p.parts]
    if not files:
        sys.exit("no source files to copy: tests/golden/projects-saas is missing")
    total = count = copy = 0
    while total < lines:
        package = target / f"pkg{copy:03d}"
        for file in files:
            rel = file.relative_to(file.parents[len(file.relative_to(ROOT).parts) - 2])
            out = package / str(rel).replace("/", "_")
            out.parent.mkdir(parents=True, exist_ok=True)
            text = file.read_text(encoding="utf-8")
            out.write_text(text, encoding="utf-8")
            total += text.count("\n")
            count += 1
        copy += 1
    return total, count


def run_ours(tree: Path) -> None:
    from backend_engineer.review.engine import review_path

    review_path(tree)


def run_bandit(tree: Path) -> None:
    subprocess.run([str(BIN / "bandit"), "-r", str(tree), "-f", "json", "-q"], capture_output=True, check=False)


def run_ruff(tree: Path) -> None:
    subprocess.run(
        [str(BIN / "ruff"), "check", "--isolated", "--select", "S", "--exit-zero", "--no-cache", str(tree)],
        capture_output=True,
        check=False,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--lines", type=int, default=50_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    tools = {"backend-engineer review": run_ours, "bandit": run_bandit, "ruff -S": run_ruff}
    times: dict[str, list[float]] = {name: [] for name in tools}
    tree = Path(tempfile.mkdtemp(prefix="be-review-bench-"))
    try:
        lines, files = build(tree, args.lines)
        print(f"codebase: {lines} lines in {files} files ({tree})")
        for _ in range(args.rounds):
            for name, run in tools.items():
                started = time.perf_counter()
                run(tree)
                times[name].append(time.perf_counter() - started)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    ours = statistics.median(times["backend-engineer review"])
    print(f"{'tool':26}{'median s':>10}{'min':>8}{'max':>8}{'ours / tool':>13}")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"{name:26}{median:>10.2f}{min(values):>8.2f}{max(values):>8.2f}{ours / median:>13.2f}")
    verdict = "PASS" if ours < 30 else "FAIL"
    print(f"[{verdict}] review of {lines} lines: median {ours:.2f} s (target < 30 s)")
    return 0 if ours < 30 else 1


if __name__ == "__main__":
    raise SystemExit(main())
