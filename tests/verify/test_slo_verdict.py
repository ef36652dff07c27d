"""slo-check's verdict rests on the code's share of the latency, measured against a no-op route in the same run."""

from __future__ import annotations

from backend_engineer.findings import Severity
from backend_engineer.verify.slo import Group, Sample, _interleaved, _latency_findings


def _sample(ms: float, n: int = 100, errors: int = 0) -> Sample:
    return Sample([ms] * n, errors)


GROUP = Group("reads", [], p95_target=50, p99_target=100)


def test_a_slow_machine_is_named_as_the_cause_not_the_code() -> None:
    findings = _latency_findings(GROUP, _sample(90), _sample(70), 1, 4, "/healthz")
    assert [(f.code, f.severity) for f in findings] == [("BE424", Severity.MINOR)]
    assert "the machine, not the code" in findings[0].title and "20.0 ms" in findings[0].title


def test_slow_code_fails_whatever_the_machine() -> None:
    findings = _latency_findings(GROUP, _sample(190), _sample(20), 1, 4, "/healthz")
    codes = {f.code: f.severity for f in findings}
    assert codes == {"BE420": Severity.MAJOR, "BE421": Severity.MINOR}
    assert "/healthz" in findings[0].evidence


def test_fast_code_on_a_quiet_machine_passes() -> None:
    assert _latency_findings(GROUP, _sample(12), _sample(2), 1, 4, "/healthz") == []


def test_server_errors_are_reported() -> None:
    findings = _latency_findings(GROUP, _sample(5, errors=3), _sample(1), 1, 4, "/healthz")
    assert [f.code for f in findings] == ["BE423"]


def test_group_and_calibration_alternate_in_slices() -> None:
    order: list[str] = []

    def group(i: int) -> tuple[float, int]:
        order.append("g")
        return 1.0, 200

    def noop(i: int) -> tuple[float, int]:
        order.append("c")
        return 0.5, 200

    measured, calibration = _interleaved(group, noop, 50, 1)
    assert len(measured.latencies) == len(calibration.latencies) == 50
    runs = "".join(order)
    assert runs.count("gc") == 5 and runs.startswith("g" * 10 + "c" * 10)
