"""``build``: the whole chain as a generator of events.

Consumers (CLI, MCP server, run log) iterate the events; the generator's return value is the
:class:`BuildResult`. Nothing reaches the output folder until every planned change is committed in a
staging clone; cancellation or an interrupt discards the staging clone.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from backend_engineer import exit_codes
from backend_engineer.engines.base import Engine, EngineConflict
from backend_engineer.events import Event, Status
from backend_engineer.planning.plan import Plan
from backend_engineer.runs import ledger as approvals
from backend_engineer.runs.folder import RunFolderError, RunState, atomic_write, load_state, mark_done, save_state
from backend_engineer.spec.bundle import Bundle
from backend_engineer.verify.stubs import deviation_summary
from backend_engineer.workflow import gate
from backend_engineer.workflow.gate import EngineRefused, IntakeBlocked, admit, plan_for, resolve_engine, write_plan
from backend_engineer.workflow.gitops import Commit, GitError, Staging, git, is_clean

Ask = Callable[[str], str]


@dataclass
class BuildResult:
    exit_code: int
    status: str
    message: str
    run_dir: Path | None = None
    out_dir: Path | None = None
    commits: list[Commit] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "exit_code": self.exit_code,
            "status": self.status,
            "message": self.message,
            "run_dir": str(self.run_dir) if self.run_dir else None,
            "out_dir": str(self.out_dir) if self.out_dir else None,
            "commits": [c.to_dict() for c in self.commits],
            "details": self.details,
        }


@dataclass
class BuildOptions:
    engine: str | Engine = "deterministic"
    db: str = "sqlite"
    pg_url: str | None = None
    verify: bool = True
    review: bool = True
    runs: Path | None = None
    accept_breaking: tuple[str, ...] = ()
    quick_verify: bool = False
    reverify: bool = False


def _render_files(engine: Engine, bundle: Bundle, plan: Plan, out_dir: Path) -> dict[str, bytes]:
    repo = out_dir if out_dir.exists() else None
    proposal = engine.propose(bundle, repo)
    rendered = engine.render(bundle, proposal, repo)
    planned = {f.path for f in plan.files}
    extra, missing = set(rendered) - planned, planned - set(rendered)
    if extra or missing:
        raise GitError(
            f"the engine rendered files outside the approved plan (extra: {sorted(extra)[:5]}, "
            f"missing: {sorted(missing)[:5]}); re-run plan"
        )
    return rendered


def iter_build(
    bundle_dir: Path,
    out_dir: Path,
    *,
    run_dir: Path | None = None,
    approve_answer: str | None = None,
    approve_via: str = "--yes flag",
    ask: Ask | None = None,
    options: BuildOptions | None = None,
) -> Generator[Event, None, BuildResult]:
    """The whole chain; every event is also appended to the run log ``events.jsonl``."""
    inner = _iter_build(
        bundle_dir,
        out_dir,
        run_dir=run_dir,
        approve_answer=approve_answer,
        approve_via=approve_via,
        ask=ask,
        options=options,
    )
    pending: list[Event] = []
    log_dir = run_dir
    try:
        while True:
            event = next(inner)
            if log_dir is None and "run_dir" in event.data:
                log_dir = Path(event.data["run_dir"])
            pending.append(event)
            if log_dir is not None:
                _append_log(log_dir, pending)
                pending = []
            yield event
    except StopIteration as stop:
        result: BuildResult = stop.value
        if result.run_dir is not None and pending:
            _append_log(result.run_dir, pending)
        return result
    finally:
        inner.close()


def _append_log(run_dir: Path, events: list[Event]) -> None:
    with (run_dir / "events.jsonl").open("a", encoding="utf-8") as fh:
        for event in events:
            fh.write(json.dumps(event.to_dict(), default=str) + "\n")


def _iter_build(
    bundle_dir: Path,
    out_dir: Path,
    *,
    run_dir: Path | None,
    approve_answer: str | None,
    approve_via: str,
    ask: Ask | None,
    options: BuildOptions | None,
) -> Generator[Event, None, BuildResult]:
    opts = options or BuildOptions()
    out_dir = out_dir.resolve()
    try:
        yield Event("intake", Status.START, f"reading the spec bundle {bundle_dir}")
        report, bundle = admit(bundle_dir, out_dir, opts.accept_breaking)
    except IntakeBlocked as exc:
        for err in exc.report.load_errors:
            yield Event(
                "intake",
                Status.FAIL,
                f"{err['file']}:{err['line']} {err['field']}: {err['message']}. Fix: {err['fix']}",
            )
        for it in exc.report.blockers:
            yield Event("intake", Status.FAIL, f"{it.file}:{it.line} {it.path}: {it.message}")
        code = exc.report.exit_code
        return BuildResult(code, "intake-blocked", str(exc), details={"intake": exc.report.to_dict()})
    if bundle.persona:
        yield Event(
            "agent",
            Status.INFO,
            f"Hi, I'm {bundle.persona}. I will plan, ask before writing, implement, verify and hand off.",
            {"persona": bundle.persona},
        )
    yield Event("intake", Status.OK, "every input is present and consistent", {"warnings": len(report.items)})

    engine = resolve_engine(opts.engine)
    existing = out_dir.is_dir() and any(out_dir.iterdir())
    yield Event(
        "plan",
        Status.START,
        f"planning with the {engine.name} engine"
        + (f" (evolving the existing service in {out_dir})" if existing else ""),
    )
    try:
        plan = plan_for(bundle, engine, out_dir)
    except EngineRefused as exc:
        for r in exc.refusals:
            yield Event("plan", Status.FAIL, r.render())
        return BuildResult(exit_codes.UNSUPPORTED, "unsupported", str(exc))
    except EngineConflict as exc:
        yield Event("plan", Status.FAIL, str(exc))
        return BuildResult(exit_codes.CONFLICT, "conflict", str(exc), details={"files": list(exc.files)})
    digest = plan.digest()
    if run_dir is None:
        run_dir, state = gate.open_run(
            bundle=str(bundle_dir.resolve()),
            out_dir=out_dir,
            engine=engine.name,
            plan_hash=digest,
            runs=opts.runs,
            files={
                "intake.json": json.dumps(report.to_dict(), indent=2) + "\n",
                "plan.json": json.dumps(plan.to_dict(), indent=2) + "\n",
                "plan.md": plan.to_markdown(),
            },
        )
    else:
        state = load_state(run_dir)
        if state.plan_hash != digest:
            yield Event(
                "plan",
                Status.WARN,
                "the plan changed since this run was planned; a new approval is needed",
                {"old": state.plan_hash, "new": digest},
            )
            state.plan_hash = digest
            state.stages_done = ["intake", "plan"]
            write_plan(run_dir, plan)
            save_state(run_dir, state)
    yield Event(
        "plan",
        Status.OK,
        f"{len(plan.changes)} change(s), {len(plan.files)} file(s), {len(plan.endpoints)} operation(s)",
        {"run_dir": str(run_dir), "plan_hash": digest, "checklist": plan.checklist},
    )
    for check in plan.self_check:
        if check.status != "pass":
            yield Event("plan", Status.WARN, f"self-check {check.policy}: {check.item}: {check.evidence}")

    result = yield from _authorize(run_dir, state, digest, approve_answer, approve_via, ask)
    if result is not None:
        result.out_dir = out_dir
        return result

    commits: list[Commit] = [Commit(c["sha"], c["message"]) for c in state.commits]
    if "implement" not in state.stages_done:
        try:
            commits = yield from _implement(engine, bundle, plan, out_dir, run_dir, state)
        except (GitError, OSError) as exc:
            yield Event("implement", Status.FAIL, str(exc))
            state.status = "failed"
            save_state(run_dir, state)
            return BuildResult(exit_codes.CONFLICT, "implement-failed", str(exc), run_dir, out_dir)
        except (KeyboardInterrupt, GeneratorExit):
            state.status = "cancelled"
            save_state(run_dir, state)
            raise
    else:
        yield Event("implement", Status.SKIP, "already implemented in this run; resuming")

    verify_ok, stubs = True, plan.needs_business_logic
    if opts.verify and "verify" not in state.stages_done:
        earlier = None if commits or opts.reverify else _verified_earlier(run_dir, out_dir, opts)
        if earlier is not None:
            for name in VERIFY_FILES:
                if (earlier / name).is_file():
                    atomic_write(run_dir / name, (earlier / name).read_bytes())
            yield Event(
                "verify",
                Status.SKIP,
                f"nothing changed since run {earlier.name} verified {out_dir} at the same commit; "
                "its report is reused (pass --reverify to verify again)",
                {"reused": str(earlier / "verification.json")},
            )
        else:
            verify_ok, stubs = yield from _verify(bundle, out_dir, run_dir, opts)
        state.verified = _fingerprint(out_dir, opts) if verify_ok else {}
        mark_done(run_dir, state, "verify")
    if opts.review and "review" not in state.stages_done:
        yield from _review(out_dir, run_dir)
        mark_done(run_dir, state, "review")

    from backend_engineer.handoff.report import write_handoff

    verified = "verify" in state.stages_done
    state.status = ("verified" if verified else "built") if verify_ok else "verify-failed"
    save_state(run_dir, state)
    paths = write_handoff(run_dir)
    mark_done(run_dir, state, "handoff")
    yield Event("handoff", Status.OK, f"wrote {', '.join(p.name for p in paths)}", {"paths": [str(p) for p in paths]})
    code = exit_codes.OK if verify_ok else exit_codes.VERIFY_FAILED
    summary = f"{len(commits)} commit(s) in {out_dir}"
    if not verify_ok:
        status, summary = "verify-failed", f"verification failed; {summary}"
    elif stubs:
        status, summary = "built-needs-business-logic", f"{deviation_summary(stubs)}; {summary}"
    else:
        status = "done"
    return BuildResult(code, status, summary, run_dir, out_dir, commits, {"needs_business_logic": stubs})


VERIFY_FILES = ("verification.json", "junit.xml")


def _fingerprint(out_dir: Path, opts: BuildOptions) -> dict[str, str]:
    """What a verification result depends on: the committed output (clean tree) and the options."""
    try:
        if not is_clean(out_dir):
            return {}
        head = git(out_dir, "rev-parse", "HEAD")
    except GitError:
        return {}
    return {"head": head, "db": opts.db, "quick": str(opts.quick_verify)}


def _verified_earlier(run_dir: Path, out_dir: Path, opts: BuildOptions) -> Path | None:
    """A sibling run that verified this very commit of ``out_dir`` with the same options, if any."""
    wanted = _fingerprint(out_dir, opts)
    if not wanted:
        return None
    for other in sorted(run_dir.parent.glob("*/run.json"), reverse=True):
        try:
            earlier = load_state(other.parent)
        except (RunFolderError, TypeError):
            continue
        if (
            other.parent != run_dir
            and earlier.out_dir == str(out_dir)
            and earlier.status == "verified"
            and earlier.verified == wanted
            and (other.parent / "verification.json").is_file()
        ):
            return other.parent
    return None


def _authorize(
    run_dir: Path, state: RunState, digest: str, answer: str | None, via: str, ask: Ask | None
) -> Generator[Event, None, BuildResult | None]:
    try:
        existing = gate.require_approval(run_dir, state)
    except gate.RunCancelled as exc:
        yield Event("approve", Status.CANCELLED, str(exc))
        return BuildResult(exit_codes.CANCELLED, "cancelled", str(exc), run_dir)
    if existing is not None:
        yield Event("approve", Status.OK, f"approved earlier ({existing.via}, {existing.at}) for this plan hash")
        return None
    phrase = approvals.phrase_for(digest)
    yield Event(
        "approve", Status.ASK, phrase, {"phrase": phrase, "plan_hash": digest, "plan": str(run_dir / "plan.md")}
    )
    if answer is None and ask is not None:
        answer, via = ask(phrase), "interactive prompt"
    if answer is None:
        return BuildResult(
            exit_codes.NOT_APPROVED,
            "awaiting-approval",
            f"no approval for plan {digest[:12]}; run `backend-engineer approve {run_dir}` or pass --yes",
            run_dir,
        )
    try:
        record = gate.decide(run_dir, answer, via=via, state=state)
    except approvals.Cancelled as exc:
        yield Event("approve", Status.CANCELLED, str(exc))
        return BuildResult(exit_codes.CANCELLED, "cancelled", str(exc), run_dir)
    except approvals.ApprovalRefused as exc:
        yield Event("approve", Status.FAIL, str(exc))
        return BuildResult(exit_codes.NOT_APPROVED, "declined", str(exc), run_dir)
    yield Event("approve", Status.OK, f"approved ({record.via}); recorded in the ledger for plan {digest[:12]}")
    return None


def _implement(
    engine: Engine, bundle: Bundle, plan: Plan, out_dir: Path, run_dir: Path, state: RunState
) -> Generator[Event, None, list[Commit]]:
    yield Event("implement", Status.START, f"rendering {len(plan.files)} file(s) with the {engine.name} engine")
    started = time.monotonic()
    files = _render_files(engine, bundle, plan, out_dir)
    usage = getattr(engine, "usage", None)
    if callable(usage):
        atomic_write(run_dir / "usage.json", json.dumps(usage(), indent=2, default=str) + "\n")
    staging = Staging(out_dir, author=bundle.persona or "backend-engineer")
    commits: list[Commit] = []
    try:
        for change in plan.changes:
            subset = {f.path: files[f.path] for f in change.files}
            message = (
                f"{change.commit_message}\n\nPlan-Hash: {state.plan_hash}\nRun-Id: {state.run_id}\n"
                f"Change: {change.index}/{len(plan.changes)}"
            )
            commit = staging.commit_files(subset, message)
            commits.append(commit)
            yield Event(
                "implement",
                Status.OK,
                f"change {change.index}/{len(plan.changes)}: "
                f"{change.commit_message} ({len(subset)} files) -> {commit.sha[:10]}",
                {"sha": commit.sha, "files": list(subset)},
            )
        staging.publish()
    except BaseException:
        staging.discard()
        raise
    state.commits = [c.to_dict() for c in commits]
    mark_done(run_dir, state, "implement", "implemented")
    yield Event(
        "implement", Status.OK, f"{len(commits)} commit(s) published to {out_dir} in {time.monotonic() - started:.1f}s"
    )
    return commits


def _verify(
    bundle: Bundle, out_dir: Path, run_dir: Path, opts: BuildOptions
) -> Generator[Event, None, tuple[bool, list[str]]]:
    """Run the checks; returns whether they passed and the declared stubs still answering 501."""
    yield Event("verify", Status.START, "running the verification toolchain")
    try:
        from backend_engineer.verify.runner import VerifyOptions, iter_verify
    except ImportError as exc:
        yield Event("verify", Status.FAIL, f"the verification toolchain is not available: {exc}")
        return False, []
    pg_url = opts.pg_url if opts.db == "postgresql" else None
    report = yield from iter_verify(
        out_dir, bundle, VerifyOptions(pg_url=pg_url, sqlite_only=opts.db == "sqlite", quick=opts.quick_verify)
    )
    report.write(run_dir)
    status = Status.OK if report.ok else Status.FAIL
    yield Event(
        "verify",
        status,
        f"{sum(c.status == 'passed' for c in report.checks)}/{len(report.checks)} check(s) passed"
        + (
            f", {len(report.needs_business_logic)} operation(s) need business logic"
            if report.needs_business_logic
            else ""
        ),
        {"report": str(run_dir / "verification.json")},
    )
    return bool(report.ok), report.needs_business_logic


def _review(out_dir: Path, run_dir: Path) -> Generator[Event, None, None]:
    yield Event("review", Status.START, "reviewing the delivered code")
    try:
        from backend_engineer.review.engine import review_path
    except ImportError as exc:
        yield Event("review", Status.FAIL, f"the review engine is not available: {exc}")
        return
    report = review_path(out_dir)
    atomic_write(run_dir / "review.json", json.dumps(report.to_dict(), indent=2) + "\n")
    atomic_write(run_dir / "review.sarif", json.dumps(report.to_sarif(), indent=2) + "\n")
    status = Status.OK if report.status == "ready" else Status.FAIL
    yield Event("review", status, f"status {report.status}: {len(report.findings)} finding(s)")
