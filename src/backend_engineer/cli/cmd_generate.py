"""`generate`: the deterministic engine on its own, into a fresh folder (no commits, no approval).

It still passes the intake gate (:func:`backend_engineer.workflow.gate.admit`): what intake blocks is
never generated. Writing a fresh folder needs no approval; changing an existing one is `build`'s job.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console
from backend_engineer.engines.registry import get_engine
from backend_engineer.workflow import gate


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


def generate(
    bundle: Path = typer.Argument(..., help="The spec bundle folder."),
    out: Path = typer.Option(..., "--out", help="A new or empty folder for the service."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Generate the service into a new folder, atomically. `build` adds the gates and the commits."""
    console = make_console(stderr=json_out)
    try:
        _, admitted = gate.admit(bundle)
    except gate.IntakeBlocked as exc:
        code = exc.report.exit_code
        if json_out:
            emit_json({"status": "intake-blocked", "exit_code": code, "intake": exc.report.to_dict()})
        else:
            console.print(exc.report.to_markdown(), markup=False)
            console.print(f"[FAIL] intake blocked generation; nothing was written to {out}", markup=False)
        raise typer.Exit(code) from None
    engine = get_engine("deterministic")
    refusals = engine.check_support(admitted)
    if refusals:
        for r in refusals:
            console.print(f"[FAIL] {r.render()}", markup=False)
        console.print(
            "[INFO] `generate` runs the deterministic engine only; for another stack use "
            f"`backend-engineer build {bundle} --out {out} --engine llm`",
            markup=False,
        )
        raise typer.Exit(exit_codes.UNSUPPORTED)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        console.print(
            f"[FAIL] {out} exists and is not empty; choose a new folder (or use `build` to change an existing service)",
            markup=False,
        )
        raise typer.Exit(exit_codes.BAD_INPUT)
    proposal = engine.propose(admitted, None)
    files = engine.render(admitted, proposal, None)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        for rel, content in files.items():
            target = staging / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(content)
        if out.exists():
            out.rmdir()
        os.replace(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    needs = [e.operation_id for e in proposal.endpoints if e.status != "mapped"]
    if json_out:
        emit_json({"status": "generated", "out": str(out), "files": len(files), "needs_business_logic": needs})
        return
    console.print(f"[PASS] generated {len(files)} files in {out}", markup=False)
    for op in needs:
        console.print(f"[WARN] {op}: needs business logic (port stub in app/custom/operations/)", markup=False)
