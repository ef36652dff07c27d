"""A corpus of 200+ mutated spec bundles through intake and generate, in-process.

Each bundle is one of the examples with one defect a user or an attacker can produce: a missing file, a
directory or a binary file in its place, an empty file, broken YAML, a YAML bomb, a wrong top-level
type, a wrong type or a missing or unknown key at a random place, or a contradiction in the contract.
For every one: no traceback, no hang (a hard 10 s alarm around intake and around a refused generate),
an exit code from the README, `generate` refuses exactly what intake blocks, and nothing half-written.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner, Result

from backend_engineer import exit_codes
from backend_engineer.cli.main import app
from backend_engineer.spec.bundle import BUNDLE_FILES
from tests.conftest import EXAMPLES
from tests.workflow.test_yaml_limits import billion_laughs

BASES = ("projects-saas", "ledger", "projects-saas-v2")
HANG_SECONDS = 10
GENERATE_SECONDS = 180  # a real generation renders and formats a whole service; only a refusal must be quick
STRUCTURAL = {"missing", "directory", "binary", "bad-yaml", "bomb", "top-level"}
runner = CliRunner()

BAD_YAML = (
    "key: [unclosed, list\n",
    "a: 1\n\tb: 2\n",
    "a: b: c\n",
    "- a\nb: 1\n",
    "a: 'unterminated\n",
)
BOMBS = (
    billion_laughs(),
    "a: &a [*a]\n",
    "".join(" " * i + f"k{i}:\n" for i in range(300)) + " " * 300 + "v: 1\n",
    "[" * 20000 + "]" * 20000 + "\n",
)
TOP_LEVEL = ("- just\n- a list\n", "just a string\n", "42\n")


@dataclass(frozen=True)
class Mutation:
    kind: str
    base: str
    file: str
    variant: int

    @property
    def id(self) -> str:
        return f"{self.base}/{self.file}/{self.kind}-{self.variant}"


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _leaves(value, (*path, i))
    yield path, data


def _wrong_type(value: Any) -> Any:
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, (int, float)):
        return "ten"
    if isinstance(value, str):
        return {"nested": [value]}
    if isinstance(value, list):
        return "not a list"
    if isinstance(value, dict):
        return ["not", "a", "mapping"]
    return 3.5


def _set(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


def _delete(data: Any, path: tuple[Any, ...]) -> None:
    for key in path[:-1]:
        data = data[key]
    del data[path[-1]]


def _data_mutation(text: str, kind: str, rng: random.Random) -> str:
    data = yaml.safe_load(text)
    paths = [p for p, _ in _leaves(data) if p]
    if not paths:
        return text + "\nunknown_key: 1\n"
    path = rng.choice(paths)
    value = _get(data, path)
    if kind == "wrong-type":
        _set(data, path, _wrong_type(value))
    elif kind == "missing-key":
        _delete(data, path)
    else:  # unknown-key: a misspelt key next to a real one
        parent = _get(data, path[:-1])
        if isinstance(parent, dict):
            parent[f"{path[-1]}_typo"] = value
        else:
            data["unknown_top_level_key"] = value
    return yaml.safe_dump(data, sort_keys=False)


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        data = data[key]
    return data


def _contradiction(root: Path, variant: int) -> None:
    """Contract-level contradictions a schema check alone does not see."""
    path = root / "openapi.yaml"
    doc = yaml.safe_load(path.read_text())
    ops = [(p, m, op) for p, item in doc["paths"].items() for m, op in item.items() if isinstance(op, dict)]
    p, m, op = ops[variant % len(ops)]
    if variant % 4 == 0:
        op["responses"] = {
            "200": {
                "description": "x",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}},
            }
        }
    elif variant % 4 == 1:
        op["operationId"] = ops[(variant + 1) % len(ops)][2].get("operationId", "dup")
    elif variant % 4 == 2:
        op["x-entity"] = "NoSuchEntity"
    else:
        doc["paths"][p.rstrip("/") + "/{undeclaredId}"] = {m: op}
    path.write_text(yaml.safe_dump(doc, sort_keys=False))


def apply(mutation: Mutation, root: Path) -> None:
    target = root / mutation.file
    rng = random.Random(zlib.crc32(mutation.id.encode()))
    if mutation.kind == "missing":
        target.unlink()
    elif mutation.kind == "directory":
        target.unlink()
        target.mkdir()
        (target / "inner.yaml").write_text("a: 1\n")
    elif mutation.kind == "binary":
        target.write_bytes(b"\xff\xfe\x00garbage\x81\x82" * 16)
    elif mutation.kind == "empty":
        target.write_text("")
    elif mutation.kind == "bad-yaml":
        target.write_text(target.read_text() + BAD_YAML[mutation.variant % len(BAD_YAML)])
    elif mutation.kind == "bomb":
        target.write_text(BOMBS[mutation.variant % len(BOMBS)])
    elif mutation.kind == "top-level":
        target.write_text(TOP_LEVEL[mutation.variant % len(TOP_LEVEL)])
    elif mutation.kind == "contradiction":
        _contradiction(root, mutation.variant)
    else:
        target.write_text(_data_mutation(target.read_text(), mutation.kind, rng))


def corpus() -> list[Mutation]:
    out = []
    for b, base in enumerate(BASES):
        for f, name in enumerate(BUNDLE_FILES):
            variant = b * len(BUNDLE_FILES) + f
            for kind in ("missing", "directory", "binary", "empty", "bad-yaml", "bomb", "top-level"):
                out.append(Mutation(kind, base, name, variant))
            for kind in ("wrong-type", "missing-key", "unknown-key"):
                out.append(Mutation(kind, base, name, variant))
        for variant in range(4):
            out.append(Mutation("contradiction", base, "openapi.yaml", variant))
    return out


CORPUS = corpus()


class Hang(Exception):
    pass


@contextmanager
def bounded(seconds: int, what: str) -> Iterator[None]:
    def alarm(signum: int, frame: Any) -> None:
        raise Hang(f"{what} ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def invoke(args: list[str]) -> Result:
    result = runner.invoke(app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{' '.join(args[:1])} raised {result.exception!r}\n{result.output}") from result.exception
    assert "Traceback" not in result.output, result.output
    return result


def test_the_corpus_is_large_and_varied() -> None:
    assert len(CORPUS) >= 200
    assert len({m.id for m in CORPUS}) == len(CORPUS)
    assert {m.kind for m in CORPUS} >= STRUCTURAL | {"wrong-type", "missing-key", "unknown-key", "contradiction"}


@pytest.mark.parametrize("mutation", CORPUS, ids=[m.id for m in CORPUS])
def test_a_mutated_bundle_is_refused_cleanly_or_generated_whole(mutation: Mutation, tmp_path: Path) -> None:
    bundle = Path(shutil.copytree(EXAMPLES / mutation.base, tmp_path / "bundle"))
    apply(mutation, bundle)
    with bounded(HANG_SECONDS, "intake"):
        intake = invoke(["intake", str(bundle), "--json"])
    assert intake.exit_code in {exit_codes.OK, exit_codes.BAD_INPUT, exit_codes.INTAKE_INCOMPLETE}, intake.output
    report = json.loads(intake.stdout)
    if mutation.kind in STRUCTURAL:
        assert intake.exit_code != exit_codes.OK, "a structural defect must never pass intake"
    for err in report["load_errors"]:
        assert err["file"] and err["message"] and err["fix"], err
    for item in report["items"]:
        assert item["file"] and item["message"], item

    out = tmp_path / "out" / "svc"
    blocked = intake.exit_code != exit_codes.OK
    with bounded(HANG_SECONDS if blocked else GENERATE_SECONDS, "generate"):
        generated = invoke(["generate", str(bundle), "--out", str(out)])
    if blocked:
        assert generated.exit_code == intake.exit_code, "generate must refuse what intake blocks, with the same code"
    else:
        assert generated.exit_code in {exit_codes.OK, exit_codes.UNSUPPORTED}, generated.output
    if generated.exit_code == exit_codes.OK:
        assert (out / ".backend-engineer" / "manifest.json").is_file() and (out / "app").is_dir()
        assert sorted(p.name for p in out.parent.iterdir()) == ["svc"]
    else:
        assert not (out.parent.exists() and any(out.parent.iterdir())), "nothing may be half-written"
