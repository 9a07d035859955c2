"""schemathesis against each service's own OpenAPI, over real HTTP (uvicorn) with an
admin key: every operation, schema-conforming (positive) and schema-violating
(negative) inputs, then once more with the path ids of real seeded records. Checks:
``not_a_server_error`` (no 5xx) and ``status_code_conformance`` (only documented
status codes).

Examples per operation and mode: ``SCHEMATHESIS_MAX_EXAMPLES`` (default 25, the
CI run; derandomized so CI is repeatable). A long run, e.g.
``SCHEMATHESIS_MAX_EXAMPLES=500``, uses random seeds.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import status_code_conformance

from tests.security.conftest import System
from tests.security.support import TALLY, Keys, Service, in_thread

MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
LONG_RUN = "SCHEMATHESIS_MAX_EXAMPLES" in os.environ
CHECKS = [not_a_server_error, status_code_conformance]


@dataclass
class Outcome:
    tried: int = 0
    failed: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    failures: dict[str, str] = field(default_factory=dict)  # one per (operation, problem)
    errors: list[str] = field(default_factory=list)  # operations that could not be generated


def _property(
    strategy: Any,
    label: str,
    base_url: str,
    headers: dict[str, str],
    session: requests.Session,
    seeded_ids: dict[str, str],
    outcome: Outcome,
) -> Any:
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=not LONG_RUN,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        for name, value in seeded_ids.items():
            if name in (case.path_parameters or {}):
                case.path_parameters[name] = value
        response = case.call(base_url=base_url, headers=headers, session=session)
        outcome.tried += 1
        outcome.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, FailureGroup) as exc:
            outcome.failed += 1
            title = str(exc).strip().splitlines()[0][:100]
            key = f"{label} -> {response.status_code}: {title}"
            outcome.failures.setdefault(key, f"{exc}"[:1500])

    return run


def _fuzz(base_url: str, key: str, seeded_ids: dict[str, str] | None) -> Outcome:
    outcome = Outcome()
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    headers = Keys.bearer(key)
    session = requests.Session()
    session.trust_env = False
    modes = [GenerationMode.POSITIVE] if seeded_ids else list(GenerationMode)
    for result in schema.get_all_operations():
        operation = result.ok()  # an operation schemathesis cannot read fails the test
        names = {p.name for p in operation.path_parameters}
        if seeded_ids is not None and not names & set(seeded_ids):
            continue
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)
            run = _property(
                strategy, operation.label, base_url, headers, session, seeded_ids or {}, outcome
            )
            try:
                run()
            except Unsatisfiable as exc:  # nothing to violate (e.g. no parameters at all)
                outcome.errors.append(f"{operation.label} {mode.value}: {exc!r}"[:300])
    return outcome


def _report(suite: str, outcome: Outcome) -> None:
    statuses = dict(sorted(outcome.statuses.items()))
    print(f"\n{suite}: {outcome.tried} cases, {outcome.failed} failed, statuses {statuses}")
    for key in outcome.failures:
        print(f"  FAIL {key}")
    for error in outcome.errors:
        print(f"  (not generated) {error[:200]}")
    entry = TALLY[suite]
    entry.tried += outcome.tried
    entry.failed += outcome.failed
    entry.notes.extend(list(outcome.failures)[:20])


def _service(system: System, name: str) -> Service:
    return {s.name: s for s in system.services}[name]


@pytest.mark.parametrize("name", ["signal_ingest", "play_orchestrator", "crm_sync"])
async def test_schemathesis_finds_no_5xx_and_no_undocumented_status(
    system: System, name: str
) -> None:
    service = _service(system, name)
    outcome = await in_thread(lambda: _fuzz(service.base_url, system.keys.admin, None))
    _report(f"schemathesis {name}", outcome)
    assert outcome.tried >= 10 * MAX_EXAMPLES // 25
    assert not outcome.failures, "\n\n".join(outcome.failures.values())


@pytest.mark.parametrize("name", ["signal_ingest", "play_orchestrator"])
async def test_schemathesis_on_real_records(system: System, name: str) -> None:
    """The same checks with path ids that exist, so handlers go past the 404."""
    service = _service(system, name)
    ids = {
        "play_id": system.play_id,
        "signal_id": system.signal_id,
        "account_id": "001SEC0000001",
    }
    outcome = await in_thread(lambda: _fuzz(service.base_url, system.keys.admin, ids))
    _report(f"schemathesis {name} (seeded ids)", outcome)
    assert outcome.tried > 0
    assert not outcome.failures, "\n\n".join(outcome.failures.values())
