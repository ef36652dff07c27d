"""Re-record the tasks' reference transcripts (``tasks/*/transcript.jsonl``) after an intended change.

There is no model here, so each task's reference solution (``solution.yaml``) is served over the OpenAI wire
by the tests' local fake server (127.0.0.1), which reports token usage estimated from what was sent (about
four characters a token); the harness runs in live mode against it with gpt-4o-mini's listed price, so the
transcripts carry realistic tokens and cost. A transcript is kept only when the task's hidden tests pass.
To record a real model instead: ``python bench/llm_eval/run.py --mode live --update-fixtures``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE))

from run import evaluate, load_tasks, print_table  # noqa: E402

from tests.llm.fake_server import running  # noqa: E402


def main() -> int:
    results = []
    for task in load_tasks(sys.argv[1].split(",") if len(sys.argv) > 1 else None):
        turns = yaml.safe_load((task / "solution.yaml").read_text())["turns"]
        with running() as fake:
            fake.push(*[{**t, "usage": "estimate"} for t in turns])
            os.environ.update(
                BE_LLM_PROVIDER="openai",
                BE_LLM_MODEL="gpt-4o-mini",
                BE_LLM_BASE_URL=f"{fake.url}/v1",
                OPENAI_API_KEY="sk-reference-recording-not-a-key",
            )
            results += evaluate("live", [task.name], update=True)
    print_table("live (reference solutions over the fake OpenAI server)", results)
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
