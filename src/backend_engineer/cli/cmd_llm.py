"""`change`: the LLM agent carries out a change request on an existing repository, behind plan and approval.

Order: check the repository, ask for missing inputs (exit 3, nothing written), print the plan, ask
"May I proceed with implementing this backend solution?" (only yes, proceed or execute approve;
STOP, HALT or ABORT cancel with exit 5 and leave the repository untouched), then run the agent. The
answer goes into the shared approvals ledger in ``<repo>/.git/backend-engineer/runs/<id>/``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any, cast

import typer

from backend_engineer import exit_codes
from backend_engineer.cli.output import emit_json, make_console, render_event
from backend_engineer.llm import clarify, gitrepo
from backend_engineer.llm.agent import AgentReport, Budget
from backend_engineer.llm.config import DEFAULT_MODELS, LlmConfig, ProviderName, make_model
from backend_engineer.llm.prices import PriceQuote
from backend_engineer.llm.providers.base import ModelError
from backend_engineer.llm.runsetup import (
    Isolation,
    ReplayInputs,
    budget_for,
    check_start_tree,
    isolation,
    replay_inputs,
    replay_verdict,
    unsafe_host_answer,
    usage,
)
from backend_engineer.llm.tasks import change_scope, run_change
from backend_engineer.llm.transcript import ReplayModel, Transcript
from backend_engineer.llm.validate import Step, detect_steps
from backend_engineer.runs.folder import atomic_write
from backend_engineer.runs.ledger import ApprovalRecord, append_ledger, phrase_for
from backend_engineer.workflow import gate

EXIT_FOR = {
    "completed": exit_codes.OK,
    "no_change": exit_codes.OK,
    "clarification": exit_codes.INTAKE_INCOMPLETE,
    "reverted": exit_codes.VERIFY_FAILED,
    "budget_exhausted": exit_codes.FINDINGS,
    "error": exit_codes.FINDINGS,
}


def register(app: typer.Typer) -> None:
    app.command("change")(change)


def _fail(message: str, code: int, json_out: bool, **extra: Any) -> None:
    if json_out:
        emit_json({"status": "error", "exit_code": code, "message": message, **extra})
    else:
        make_console(stderr=True).print(f"[FAIL] {message}", markup=False)
    raise typer.Exit(code)


def _plan(
    request: str,
    repo: Path,
    config: LlmConfig,
    budget: Budget,
    steps: list[Step],
    quote: PriceQuote | None = None,
    sandbox: Isolation | None = None,
) -> dict[str, Any]:
    scope = change_scope(repo)
    return {
        "request": request,
        "repo": str(repo),
        "head": gitrepo.git(repo, "rev-parse", "HEAD").decode().strip(),
        "model": config.describe(),
        "owned": list(scope.owned),
        "forbidden": list(scope.forbidden),
        "max_files": scope.max_files,
        "validation": [s.name for s in steps] or ["none found"],
        "budget": {
            "max_steps": budget.max_steps,
            "max_cost_usd": budget.max_cost_usd,
            "max_corrections": budget.max_corrections,
            "max_wall_s": budget.max_wall_s,
        },
        "price": quote.to_dict() if quote else None,
        "sandbox": sandbox.describe() if sandbox else None,
        "on_failure": "restore every changed file; nothing is committed",
    }


def _print_plan(plan: dict[str, Any]) -> None:
    console = make_console()
    console.print("Plan for the change", markup=False)
    console.print(f"  request:    {plan['request']}", markup=False)
    console.print(f"  repository: {plan['repo']} at {plan['head'][:12]}", markup=False)
    console.print(f"  model:      {plan['model']}", markup=False)
    console.print(f"  may write:  {', '.join(plan['owned'])} (at most {plan['max_files']} files)", markup=False)
    console.print(f"  never:      {', '.join(plan['forbidden'])}", markup=False)
    console.print(f"  validate:   {', '.join(plan['validation'])}; commit only if they pass", markup=False)
    b = plan["budget"]
    cost = f"${b['max_cost_usd']:.2f}" if b["max_cost_usd"] is not None else "no cost cap (price unknown)"
    wall = f", {b['max_wall_s']:.0f}s wall clock" if b.get("max_wall_s") else ""
    console.print(
        f"  budget:     {b['max_steps']} model turns, {cost}{wall}, {b['max_corrections']} self-correction(s)",
        markup=False,
    )
    if plan.get("price"):
        p = plan["price"]
        known = f"${p['input_per_mtok']:g} in / ${p['output_per_mtok']:g} out per Mtok" if p["known"] else "unknown"
        console.print(
            f"  price:      {known} ({p['source']}{', as of ' + p['as_of'] if p['as_of'] else ''})", markup=False
        )
    if plan.get("sandbox"):
        console.print(f"  sandbox:    {plan['sandbox']}", markup=False)


def change(
    request: str | None = typer.Argument(
        None, help='The change, e.g. "add last_login_at to users" (with --replay: the recorded one).'
    ),
    repo: Path = typer.Option(..., "--repo", help="The git repository to change."),
    provider: str | None = typer.Option(
        None, "--provider", help="openai, anthropic or scripted (default BE_LLM_PROVIDER)."
    ),
    model: str | None = typer.Option(None, "--model", help="Model name (default BE_LLM_MODEL or the provider's)."),
    base_url: str | None = typer.Option(None, "--base-url", help="OpenAI-compatible or Anthropic endpoint."),
    api_key_env: str | None = typer.Option(None, "--api-key-env", help="Environment variable holding the key."),
    script: str | None = typer.Option(
        None, "--script", help="Script for the scripted provider (file or shipped name)."
    ),
    max_steps: int = typer.Option(30, "--max-steps", min=1, help="Hard limit on model turns."),
    max_cost: float | None = typer.Option(
        None,
        "--max-cost",
        min=0.0,
        help="Hard limit on spend in USD (default 2.00 when the model's price is known; refused when it is not).",
    ),
    price_in: float | None = typer.Option(None, "--price-in", min=0.0, help="USD per million input tokens."),
    price_out: float | None = typer.Option(None, "--price-out", min=0.0, help="USD per million output tokens."),
    prices: Path | None = typer.Option(None, "--prices", help="Price file (YAML/JSON); default BE_LLM_PRICES."),
    max_wall: float = typer.Option(1800.0, "--max-wall", min=1.0, help="Hard limit on wall-clock seconds."),
    unsafe_host: bool = typer.Option(
        False, "--unsafe-host", help="Without a sandbox, run the agent's commands on the host (recorded)."
    ),
    memory_mb: int = typer.Option(4096, "--memory-mb", min=64, help="Memory limit per command, MiB."),
    replay: Path | None = typer.Option(
        None, "--replay", help="Reproduce a recorded run offline from its transcript.jsonl."
    ),
    max_corrections: int = typer.Option(2, "--max-corrections", min=0, help="Self-corrections before reverting."),
    check: list[str] = typer.Option([], "--check", help="Validation command (repeatable); default: detected."),
    yes: bool = typer.Option(False, "--yes", help="Approve the plan without asking (recorded)."),
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
) -> None:
    """Carry out a change request with the LLM agent: clarify, plan, approve, change, validate, commit or revert."""
    repo = repo.resolve()
    replayed: ReplayInputs | None = None
    if replay is not None:
        try:
            replayed = replay_inputs(replay)
        except ModelError as exc:
            _fail(str(exc), exit_codes.BAD_INPUT, json_out, fix="pass a transcript.jsonl written by a change run")
            return
        request = request or replayed.request
        check = check or replayed.checks
    if not request:
        _fail("missing REQUEST: say what to change", exit_codes.BAD_INPUT, json_out)
        return
    if not repo.is_dir() or not gitrepo.is_repo(repo):
        _fail(
            f"--repo {repo}: not a git repository",
            exit_codes.BAD_INPUT,
            json_out,
            fix="pass the root of a git repository (git init; commit the current state)",
        )
    try:
        gitrepo.git(repo, "rev-parse", "HEAD")
    except gitrepo.GitError:
        _fail(
            f"--repo {repo}: the repository has no commit yet",
            exit_codes.BAD_INPUT,
            json_out,
            fix="commit the current state first",
        )
    dirty = gitrepo.dirty_paths(repo)
    if dirty:
        _fail(
            f"--repo {repo}: uncommitted changes in {dirty[:5]}",
            exit_codes.CONFLICT,
            json_out,
            fix="commit or stash them so the agent's change can be validated and reverted on its own",
        )
    if replayed is not None:
        try:
            check_start_tree(repo, replayed)
        except ModelError as exc:
            _fail(str(exc), exit_codes.CONFLICT, json_out)
    try:
        env = LlmConfig.from_env()
    except ModelError as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    chosen = replayed.config.provider if replayed else provider or (env.provider if env else None)
    if chosen not in DEFAULT_MODELS:
        _fail(
            f"--provider {chosen!r}: choose openai, anthropic or scripted (or set BE_LLM_PROVIDER)",
            exit_codes.BAD_INPUT,
            json_out,
        )
    same = env is not None and env.provider == chosen
    config = (
        replayed.config
        if replayed
        else LlmConfig(
            provider=cast(ProviderName, chosen),
            model=model or (env.model if env and same else None),
            base_url=base_url or (env.base_url if env and same else None),
            api_key_env=api_key_env or (env.api_key_env if env and same else None),
            script=script or (env.script if env and same else None),
            input_per_mtok=price_in if price_in is not None else (env.input_per_mtok if env and same else None),
            output_per_mtok=price_out if price_out is not None else (env.output_per_mtok if env and same else None),
            prices_file=prices or (env.prices_file if env else None),
        )
    )
    try:
        quote = None if replayed else config.price()
        if replayed is not None:
            budget = replayed.budget
        else:
            assert quote is not None
            budget = budget_for(quote, max_cost, max_steps, max_corrections, max_wall)
        port = make_model(config)
    except ModelError as exc:
        _fail(str(exc), exit_codes.BAD_INPUT, json_out)
        return
    missing = clarify.for_change(request, repo)
    if missing:
        if json_out:
            emit_json({"status": "clarification", "exit_code": exit_codes.INTAKE_INCOMPLETE, **missing.to_dict()})
        else:
            make_console().print(f"[ASK] {missing.render()}", markup=False)
        raise typer.Exit(exit_codes.INTAKE_INCOMPLETE)
    steps = [Step(f"check {i + 1}", ("bash", "-c", cmd)) for i, cmd in enumerate(check)] or detect_steps(repo)
    sandbox = isolation(repo, unsafe_host, memory_mb)
    plan = _plan(request, repo, config, budget, steps, quote, sandbox)
    if replayed is not None:
        plan["price"] = replayed.header.get("price")
    plan_hash = gate.plan_digest(plan)
    git_dir = Path(gitrepo.git(repo, "rev-parse", "--absolute-git-dir").decode().strip())
    run_dir, state = gate.open_run(
        bundle=request,
        out_dir=repo,
        engine="llm",
        plan_hash=plan_hash,
        runs=git_dir / "backend-engineer" / "runs",
        files={"plan.json": json.dumps({**plan, "plan_hash": plan_hash}, indent=2)},
    )
    phrase = phrase_for(plan_hash)
    if not json_out:
        _print_plan(plan)
    if sandbox.unsafe:
        unsafe = unsafe_host_answer(sandbox.reason)
        append_ledger(
            run_dir,
            ApprovalRecord(
                state.run_id,
                plan_hash,
                unsafe["phrase"],
                unsafe["answer"],
                "approved",
                unsafe["via"],
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            ),
        )
    answer, via = ("yes", "--yes flag") if yes else (_ask(json_out, phrase), "interactive prompt")
    try:
        gate.decide(run_dir, answer, via=via, state=state)
    except gate.Cancelled:
        _fail(
            f"cancelled by {answer.strip()!r}; the repository is untouched",
            exit_codes.CANCELLED,
            json_out,
            run_dir=str(run_dir),
        )
    except gate.ApprovalRefused:
        _fail(
            f"{answer.strip()!r} is not an explicit approval (answer yes, proceed or execute); nothing was changed",
            exit_codes.NOT_APPROVED,
            json_out,
            run_dir=str(run_dir),
        )
    console = make_console(stderr=json_out)
    events = []
    transcript = Transcript(
        run_dir / "transcript.jsonl",
        request=request,
        provider=config.provider,
        checks=list(check),
        price=quote.to_dict() if quote else None,
        replay_of=str(replay) if replay else None,
    )
    gen = run_change(port, request, repo, budget, steps, None, sandbox.runner, sandbox.reason, transcript)
    while True:
        try:
            event = next(gen)
        except StopIteration as stop:
            report: AgentReport = stop.value
            break
        events.append(event.to_dict())
        if not json_out:
            render_event(console, event)
    spend = usage(report, quote)
    if replayed is not None:
        spend["price"] = replayed.header.get("price")
    replay_result = None
    if isinstance(port, ReplayModel):
        replay_result = {**port.summary(), "differences": replay_verdict(repo, report, port.end)}
    atomic_write(
        run_dir / "report.json",
        json.dumps({**report.to_dict(), "usage": spend, "replay": replay_result}, indent=2, default=str),
    )
    atomic_write(run_dir / "events.jsonl", "".join(json.dumps(e, default=str) + "\n" for e in events))
    code = EXIT_FOR[report.status]
    if replay_result and (replay_result["differences"] or replay_result["divergences"]) and code == exit_codes.OK:
        code = exit_codes.FINDINGS
    if json_out:
        emit_json(
            {
                "status": report.status,
                "exit_code": code,
                "run_dir": str(run_dir),
                "plan": plan,
                "approval": {"phrase": phrase, "answer": answer, "via": via},
                "report": report.to_dict(),
                "usage": spend,
                "transcript": str(run_dir / "transcript.jsonl"),
                "replay": replay_result,
            }
        )
    else:
        _print_report(report, run_dir, spend, replay_result)
    raise typer.Exit(code)


def _ask(json_out: bool, phrase: str) -> str:
    stream = sys.stderr if json_out else sys.stdout
    stream.write(f"[ASK] {phrase} ")
    stream.flush()
    line = sys.stdin.readline()
    return line.strip() if line else "abort"


def _print_report(
    report: AgentReport, run_dir: Path, spend: dict[str, Any], replay_result: dict[str, Any] | None
) -> None:
    console = make_console()
    label = "[PASS]" if report.ok else "[FAIL]"
    console.print(
        f"{label} {report.status}: {report.steps} model turn(s), ${report.cost_usd:.4f} "
        f"({spend['input_tokens']} input / {spend['output_tokens']} output tokens, {spend['wall_s']:.1f}s)",
        markup=False,
    )
    if replay_result is not None:
        same = not (replay_result["differences"] or replay_result["divergences"])
        console.print(
            f"{'[PASS]' if same else '[FAIL]'} replay: {replay_result['steps_replayed']} of "
            f"{replay_result['steps_recorded']} recorded step(s); "
            + (
                "same outcome as recorded"
                if same
                else "; ".join(replay_result["differences"] + replay_result["divergences"])
            ),
            markup=False,
        )
    if report.commit:
        console.print(f"  commit {report.commit[:12]}: {', '.join(report.files)}", markup=False)
    for v in report.validations:
        console.print(f"  validation: {v.replace(chr(10), ' | ')}", markup=False)
    for d in report.deviations:
        console.print(f"  deviation: {d}", markup=False)
    for r in report.refusals:
        console.print(f"  refused: {r}", markup=False)
    console.print(f"  transcript: {run_dir / 'transcript.jsonl'}", markup=False)
    console.print(f"  run folder: {run_dir}", markup=False)
