"""Looks engines up by name so the workflow never imports a concrete engine directly.

``deterministic`` is the generator wrapped by the evolution engine: its ``propose(bundle, repo)``
generates a new service when ``repo`` is empty and evolves it when ``repo`` is a generated service.
"""

from __future__ import annotations

import importlib

from backend_engineer.engines.base import Engine

ENGINES: dict[str, str] = {
    "deterministic": "backend_engineer.evolution.engine:EvolutionEngine",
    "llm": "backend_engineer.llm.engine:LlmEngine",
}


class UnknownEngine(LookupError):
    pass


def get_engine(name: str) -> Engine:
    target = ENGINES.get(name)
    if target is None:
        raise UnknownEngine(f"unknown engine {name!r}; choose one of: {', '.join(sorted(ENGINES))}")
    module_name, _, attr = target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise UnknownEngine(f"the {name} engine cannot be loaded: {exc}") from exc
    engine: Engine = getattr(module, attr)()
    return engine
