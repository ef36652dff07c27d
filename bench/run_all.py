"""Runs every benchmark script in bench/ (bench_*.py and */run.py) one after another.

Each benchmark prints its own ratios against a baseline measured in the same run.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    scripts = sorted(HERE.glob("bench_*.py")) + sorted(HERE.glob("*/run.py"))
    failures = 0
    for script in scripts:
        print(f"[START] {script.relative_to(HERE.parent)}", flush=True)
        code = subprocess.call([sys.executable, str(script)], cwd=HERE.parent)
        print(f"[{'PASS' if code == 0 else 'FAIL'}] {script.relative_to(HERE.parent)} exited {code}", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
