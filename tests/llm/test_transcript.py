"""Transcripts: written every step, secrets redacted; `change --replay` reproduces a run offline.

The committed fixture ``transcripts/mul_openai.jsonl`` was recorded by :func:`record` (an OpenAI-wire
run against the local fake server); replaying it is a regression test of the whole agent loop. To
re-record after an intended change of the conversation: ``python -m tests.llm.test_transcript``.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.llm.transcript import MASK, Redactor
from tests.llm.fake_server import FakeModelServer, running
from tests.llm.support import MUL_SRC, MUL_TEST, call, git, head, make_repo, status

FIXTURE = Path(__file__).parent / "transcripts" / "mul_openai.jsonl"
SECRET = "sk-proj-TRANSCRIPT-SECRET-0123456789"
LEAKED = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"
REQUEST = "add a mul function to calc ops"
TURNS = [
    {"text": "Reading the module and its config first.", "tool_calls": [call("read", path="calc/settings.py")]},
    {"tool_calls": [call("write", path="calc/ops.py", content=MUL_SRC)]},
    {"tool_calls": [call("write", path="tests/test_mul.py", content=MUL_TEST)]},
    {"tool_calls": [call("bash", command="python -m pytest -q -p no:cacheprovider tests/test_mul.py")]},
    {"tool_calls": [call("finish", summary="added mul with a test")]},
]
runner = CliRunner()


def owned_repo(root: Path) -> Path:
    """The calc repository with its ownership and a settings file that holds a token (it must not leak)."""
    repo = make_repo(root)
    bundle = repo / ".backend-engineer" / "bundle" / "company.config.yaml"
    bundle.parent.mkdir(parents=True)
    bundle.write_text(yaml.safe_dump({"ownership": {"owned": ["calc/", "tests/"], "forbidden": ["infra/"]}}))
    (repo / "calc/settings.py").write_text(
        f'GITHUB_TOKEN = "{LEAKED}"\nAUTH_HEADER = "Authorization: Bearer abc.def-123456789"\n'
    )
    git(repo, "add", "-A")
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false", "commit", "-q", "-m", "own")
    return repo


def change(repo: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = runner.invoke(app, ["change", *args, "--repo", str(repo), "--yes", "--json"])
    return result.exit_code, json.loads(result.stdout)


def record(fake: FakeModelServer, repo: Path) -> tuple[int, dict[str, Any]]:
    fake.push({"status": 429, "retry_after": "0.01"}, *[{**t, "usage": "estimate"} for t in TURNS])
    return change(repo, REQUEST, "--provider", "openai", "--base-url", f"{fake.url}/v1", "--model", "gpt-4o-mini")


def lines(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_redactor_masks_keys_headers_and_tokens() -> None:
    redact = Redactor({"OPENAI_API_KEY": SECRET, "HOME": "/root"})
    text = (
        f"key {SECRET} header Authorization: Bearer abcdefghijkl x-api-key: sk-ant-api03-abcdefghijklmnopqrstu "
        f"gh {LEAKED} aws AKIAABCDEFGHIJKLMNOP jwt eyJhbGciOiJIUzI1.eyJzdWIiOiIxMjM0.c2lnbmF0dXJlMTIz "
        "-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- password=hunter2hunter2 home /root"
    )
    out = redact.text(text)
    for secret in (
        SECRET,
        "abcdefghijkl",
        "sk-ant-api03",
        LEAKED,
        "AKIAABCDEFGHIJKLMNOP",
        "eyJhbGci",
        "MIIE",
        "hunter2",
    ):
        assert secret not in out, (secret, out)
    assert out.count(MASK) >= 7 and "home /root" in out
    assert redact.data({"a": [text], "n": 3}) == {"a": [out], "n": 3}


def test_the_transcript_is_written_every_step_without_secrets(
    tmp_path: Path, fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    repo = owned_repo(tmp_path / "a")
    code, out = record(fake, repo)
    assert code == 0, out
    path = Path(out["transcript"])
    raw = path.read_text()
    assert SECRET not in raw and LEAKED not in raw and "abc.def-123456789" not in raw
    assert MASK in raw
    records = lines(path)
    assert [r["kind"] for r in records] == ["header", "turn", "turn", "turn", "turn", "turn", "end"]
    header = records[0]
    assert header["request"] == REQUEST and header["provider"] == "openai" and header["model"] == "gpt-4o-mini"
    assert header["price"]["input_per_mtok"] == 0.15 and header["validation"] == ["tests", "lint"]
    turns = records[1:-1]
    assert [t["step"] for t in turns] == [1, 2, 3, 4, 5]
    assert turns[0]["request"]["messages_total"] == 2 and turns[0]["request"]["new_messages"][0]["role"] == "system"
    assert turns[1]["request"]["new_messages"][-1]["role"] == "tool"
    assert [c["name"] for t in turns for c in t["response"]["tool_calls"]] == [
        "read",
        "write",
        "write",
        "bash",
        "finish",
    ]
    assert sum(t["response"]["usage"]["input_tokens"] for t in turns) == out["usage"]["input_tokens"]
    assert records[-1]["report"]["status"] == "completed"
    assert records[-1]["result_tree"] == git(repo, "rev-parse", "HEAD^{tree}").strip()
    # what the provider received is the unredacted conversation; only the record on disk is masked
    assert LEAKED in json.dumps(fake.requests[2]["body"]["messages"])


def test_replay_reproduces_the_run_offline(
    tmp_path: Path, fake: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    first = owned_repo(tmp_path / "a")
    code, out = record(fake, first)
    assert code == 0, out
    transcript = tmp_path / "run.jsonl"
    shutil.copy(out["transcript"], transcript)
    served = len(fake.requests)
    monkeypatch.delenv("OPENAI_API_KEY")
    second = owned_repo(tmp_path / "b")
    code, again = change(second, "--replay", str(transcript))
    assert code == 0, again
    assert again["replay"]["differences"] == [] and again["replay"]["divergences"] == []
    assert again["replay"]["steps_replayed"] == 5
    assert again["plan"]["request"] == REQUEST and again["plan"]["model"] == f"replay of {transcript}"
    assert again["usage"]["input_tokens"] == out["usage"]["input_tokens"]
    assert again["usage"]["cost_usd"] == out["usage"]["cost_usd"] > 0
    assert again["plan"]["price"] == again["usage"]["price"] == out["usage"]["price"]
    assert git(second, "rev-parse", "HEAD^{tree}") == git(first, "rev-parse", "HEAD^{tree}")
    assert len(fake.requests) == served


def test_the_committed_transcript_replays_to_the_recorded_tree(tmp_path: Path) -> None:
    repo = owned_repo(tmp_path / "repo")
    code, out = change(repo, "--replay", str(FIXTURE))
    assert code == 0, out
    assert out["status"] == "completed" and out["report"]["files"] == ["calc/ops.py", "tests/test_mul.py"]
    assert out["replay"]["differences"] == [] and out["replay"]["divergences"] == []
    recorded = lines(FIXTURE)[-1]
    assert git(repo, "rev-parse", "HEAD^{tree}").strip() == recorded["result_tree"]
    assert status(repo) == ""


def test_a_replay_that_does_not_match_fails(tmp_path: Path) -> None:
    other = make_repo(tmp_path / "other")
    code, out = change(other, "--replay", str(FIXTURE))
    assert code == 8 and "the transcript was recorded on tree" in out["message"]

    records = lines(FIXTURE)
    for record in records:
        for c in (record.get("response") or {}).get("tool_calls", []):
            if c["name"] == "write" and c["arguments"]["path"] == "calc/ops.py":
                c["arguments"]["content"] = c["arguments"]["content"].replace("a * b", "b * a")
    tampered = tmp_path / "tampered.jsonl"
    tampered.write_text("".join(json.dumps(r) + "\n" for r in records))
    repo = owned_repo(tmp_path / "repo")
    before = head(repo)
    code, out = change(repo, "--replay", str(tampered))
    assert code == 1, out
    assert out["replay"]["differences"] or out["replay"]["divergences"]
    assert head(repo) == before or out["status"] != "completed"

    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"kind": "turn"}\n')
    code, out = change(repo, "--replay", str(broken))
    assert code == 2 and "the first line must be the transcript header" in out["message"]


def _record_fixture() -> None:
    import os
    import tempfile

    os.environ["OPENAI_API_KEY"] = SECRET
    with tempfile.TemporaryDirectory() as tmp, running() as fake:
        code, out = record(fake, owned_repo(Path(tmp) / "repo"))
        assert code == 0, out
        FIXTURE.parent.mkdir(exist_ok=True)
        shutil.copy(out["transcript"], FIXTURE)
    print(f"recorded {FIXTURE}")


if __name__ == "__main__":
    _record_fixture()
