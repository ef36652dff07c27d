"""Spec loading: backend-engineer's bounded libyaml loader against PyYAML's pure-Python SafeLoader.

Both produce the same data; the baseline composes and constructs with ``yaml.SafeLoader`` (what the
loader did before it ran on libyaml), measured in the same run, interleaved, 5 rounds. It also times a
"billion laughs" document, which the loader refuses in a single linear pass.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from backend_engineer.spec import yamlio  # noqa: E402

FILES = sorted((ROOT / "examples").glob("*/*.yaml"))
ROUNDS, REPEAT = 5, 5


def baseline(text: str) -> object:
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    loader = yaml.SafeLoader("")
    try:
        return loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()


def timed(fn: object, texts: list[str]) -> float:
    started = time.perf_counter()
    for _ in range(REPEAT):
        for text in texts:
            fn(text)  # type: ignore[operator]
    return time.perf_counter() - started


def bomb(levels: int = 9) -> str:
    text = "a: &a [" + ", ".join(['"lol"'] * 9) + "]\n"
    for i in range(1, levels):
        text += f"l{i}: &l{i} [" + ", ".join([f"*{'a' if i == 1 else f'l{i - 1}'}"] * 9) + "]\n"
    return text


def main() -> int:
    texts = [p.read_text() for p in FILES]
    # SafeLoader reads `on:` as a boolean (YAML 1.1); every other file must load to the same data.
    assert all(yamlio.loads(t)[0] == baseline(t) for t in texts if "on:" not in t), "both loaders must agree"
    ratios, ours_s, base_s = [], [], []
    for _ in range(ROUNDS):
        base = timed(baseline, texts)
        ours = timed(lambda t: yamlio.loads(t), texts)
        base_s.append(base)
        ours_s.append(ours)
        ratios.append(base / ours)
    kb = sum(len(t) for t in texts) * REPEAT / 1024
    print(
        f"spec loading, {len(texts)} example files x {REPEAT}, {ROUNDS} interleaved rounds (libyaml={yamlio.LIBYAML})"
    )
    print(
        f"  baseline yaml.SafeLoader: median {statistics.median(base_s):.3f} s ({kb / statistics.median(base_s):.0f} KiB/s)"
    )
    print(
        f"  backend-engineer loader:  median {statistics.median(ours_s):.3f} s ({kb / statistics.median(ours_s):.0f} KiB/s)"
    )
    print(
        f"  speed-up: median x{statistics.median(ratios):.2f}, spread x{min(ratios):.2f}..x{max(ratios):.2f} "
        "(includes the duplicate-key check, line index and alias limits the baseline lacks)"
    )
    started = time.perf_counter()
    try:
        yamlio.loads(bomb())
    except yamlio.YamlError as exc:
        print(f"  billion laughs (10^9 values): refused in {time.perf_counter() - started:.4f} s: {exc.message}")
    else:
        print("  billion laughs was NOT refused")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
