"""Gates fail closed: a fact a gate needs that is not known yet suppresses the
signal with ``facts_missing``, naming what is missing (SPEC section 5)."""

from __future__ import annotations

import pytest

from services.signal_ingest.domain import (
    AccountState,
    SignalStatus,
    assess_gates,
    missing_facts,
)

from .builders import ACCOUNT, ANALYTICS, T0, catalog, day, event, metric, owned, profile, run

NO_CORE = ["core_product", "adoption", "renewal_date"]


def _state(*events: object) -> AccountState:
    state = AccountState(ACCOUNT)
    run(state, *events)  # type: ignore[arg-type]
    return state


def _missing(state: AccountState) -> tuple[tuple[str, ...], list[str]]:
    assessment = assess_gates(state, ANALYTICS, catalog(), T0)
    return assessment.reasons, missing_facts(assessment.flags)


# gate -> (the profile that leaves its fact unknown, what is named missing)
CASES = {
    "health_at_risk": (profile(day(-1), health=None), ["health"]),
    "low_adoption": (event("account.profile", {"health": "green"}, day(-1)), NO_CORE),
    "renewal_window": (event("account.profile", {"health": "green"}, day(-1)), NO_CORE),
    "core product": (profile(day(-1), products=[owned("field_service_app")]), NO_CORE),
}


@pytest.mark.parametrize("gate", list(CASES))
def test_an_unknown_fact_suppresses_with_facts_missing_naming_it(gate: str) -> None:
    incomplete, named = CASES[gate]
    state = _state(incomplete)
    reasons, missing = _missing(state)
    assert reasons == ("facts_missing",) and missing == named
    (signal,) = run(state, metric(90, at=T0), now=T0)
    assert signal.status is SignalStatus.SUPPRESSED
    assert signal.suppression_reasons == ("facts_missing",)
    assert missing_facts(signal.flags) == named


def test_no_profile_at_all_names_every_profile_fact() -> None:
    state = AccountState(ACCOUNT)
    (signal,) = run(state, metric(90, at=T0), now=T0)
    assert signal.status is SignalStatus.SUPPRESSED
    assert signal.suppression_reasons == ("facts_missing",)
    assert missing_facts(signal.flags) == ["health", *NO_CORE]


def test_other_gates_still_apply_beside_missing_facts() -> None:
    escalation = event("account.escalation", {"escalation_id": "E1", "status": "opened"}, day(-2))
    reasons, missing = _missing(_state(escalation))
    assert reasons == ("open_escalation", "facts_missing")
    assert missing == ["health", *NO_CORE]


@pytest.mark.parametrize(
    ("profile_event", "reasons"),
    [
        (profile(day(-1)), ()),
        (profile(day(-1), health="red"), ("health_at_risk",)),
        (profile(day(-1), products=[owned(adoption=55)]), ("low_adoption",)),
        (profile(day(-1), products=[owned(renewal="2026-12-20")]), ("renewal_window",)),
    ],
)
def test_a_complete_profile_leaves_only_the_real_reasons(
    profile_event: object, reasons: tuple[str, ...]
) -> None:
    got, missing = _missing(_state(profile_event))
    assert (got, missing) == (reasons, [])
