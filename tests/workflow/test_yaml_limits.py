"""Hostile YAML stops with a clear error at once: bombs, recursion, depth, size; libyaml and the fallback agree."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backend_engineer.cli.main import app
from backend_engineer.spec import yamlio
from backend_engineer.spec.bundle import load_bundle
from tests.conftest import EXAMPLES


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    text = "a: &a [" + ", ".join(['"lol"'] * width) + "]\n"
    prev = "a"
    for i in range(1, levels):
        name = f"l{i}"
        text += f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]\n"
        prev = name
    return text


HOSTILE = {
    "billion laughs": (billion_laughs(), "alias bomb"),
    "recursive sequence": ("a: &a [*a]\n", "recursive"),
    "recursive mapping": ("&m {x: *m}\n", "recursive"),
    "deep block mapping": ("".join(" " * i + f"k{i}:\n" for i in range(200)) + " " * 200 + "v: 1\n", "deeper"),
    "deep flow sequence": ("[" * 5000 + "]" * 5000, ""),
    "duplicate key": ("a: 1\nb: 2\na: 3\n", "duplicate key 'a'"),
    "bad date": ("when: 2020-13-45\n", "month"),
    "unclosed": ("a: [1, 2\n", "invalid YAML"),
}


def _fallback_module() -> ModuleType:
    """A private copy of yamlio built on the pure-Python loader, as on a PyYAML without libyaml."""
    spec = importlib.util.spec_from_file_location("_yamlio_pure", yamlio.__file__)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    saved = yaml.__dict__.pop("CSafeLoader")
    try:
        sys.modules["_yamlio_pure"] = module
        spec.loader.exec_module(module)
    finally:
        yaml.CSafeLoader = saved  # type: ignore[misc]
        sys.modules.pop("_yamlio_pure", None)
    return module


PURE = _fallback_module()
LOADERS: dict[str, Callable[[str], Any]] = {"libyaml": yamlio.loads, "pure": PURE.loads}


def test_libyaml_is_the_default() -> None:
    assert yamlio.LIBYAML and issubclass(yamlio.SpecLoader, yaml.CSafeLoader)
    assert not PURE.LIBYAML and not issubclass(PURE.SpecLoader, yaml.CSafeLoader)


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_yaml_is_refused_with_a_line_and_a_fix(loader: str, name: str) -> None:
    text, expected = HOSTILE[name]
    with pytest.raises(Exception) as info:
        LOADERS[loader](text)
    exc = info.value
    assert type(exc).__name__ == "YamlError", repr(exc)
    assert expected in exc.message  # type: ignore[attr-defined]
    assert exc.line >= 1 and exc.fix  # type: ignore[attr-defined]


@pytest.mark.parametrize("loader", LOADERS)
def test_aliases_yaml12_booleans_and_lines_survive(loader: str) -> None:
    text = "base: &b {x: 1, y: [1, 2]}\nuse: *b\non: create\nflag: yes\nok: true\nmerged:\n  <<: *b\n  z: 3\n"
    data, lines = LOADERS[loader](text)
    assert data["use"] == {"x": 1, "y": [1, 2]}
    assert data["on"] == "create" and data["flag"] == "yes" and data["ok"] is True
    assert data["merged"] == {"x": 1, "y": [1, 2], "z": 3}
    assert lines.line_of(("base", "y", 1)) == 1
    assert lines.line_of(("use", "x")) == 2
    assert lines.line_of(("merged", "z")) == 8


def test_a_modest_alias_fan_out_is_accepted() -> None:
    data, _ = yamlio.loads(billion_laughs(levels=4, width=9))
    assert len(data["l3"]) == 9 and data["l3"][0][0][0] == ["lol"] * 9


def test_size_and_time_limits() -> None:
    small = yamlio.Limits(max_bytes=100)
    with pytest.raises(yamlio.YamlError, match="larger than"):
        yamlio.loads("a: " + "x" * 200, small)
    expired = yamlio.Limits(seconds=-1)
    with pytest.raises(yamlio.YamlError, match="longer than"):
        yamlio.loads("a: 1\n", expired)


def test_a_bomb_in_a_bundle_is_a_load_error_and_exit_2(tmp_path: Path) -> None:
    bundle = tmp_path / "b"
    shutil.copytree(EXAMPLES / "projects-saas", bundle)
    (bundle / "perf.yaml").write_text(billion_laughs())
    result = load_bundle(bundle)
    assert not result.ok
    [err] = result.errors
    assert err.file.endswith("perf.yaml") and "alias bomb" in err.message and "aliases" in err.fix
    for command in (["intake", str(bundle)], ["generate", str(bundle), "--out", str(tmp_path / "out")]):
        out = CliRunner().invoke(app, command)
        assert out.exit_code == 2, out.output
        assert "perf.yaml" in out.output and "alias bomb" in out.output
        assert out.exception is None or isinstance(out.exception, SystemExit)
    assert not (tmp_path / "out").exists()
