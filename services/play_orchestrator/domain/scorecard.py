"""What the pipeline's numbers mean, the playbook's targets beside them, and
the CSM / AE credit split of won cross-sell ACV (pure; the console shows it).

Every rate comes with the n behind it: a 100% win rate from one deal reads
"100% (1 of 1)". Targets are the playbook's defaults, configurable
(``PLAYBOOK_TARGETS``); the CSM's share of won cross-sell ACV defaults to 40%
(``CSM_CREDIT_SHARE``), the AE gets the rest.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

DEFINITIONS: dict[str, str] = {
    "eligible_accounts": "Accounts the engine has judged at least once by the end of the period: "
    "every account the signal engine sent a signal decision about "
    "(qualified, suppressed or stale).",
    "coverage_pct": "Accounts with a play opened in the period ÷ eligible accounts.",
    "opportunity_creation_rate_pct": "Plays opened in the period ÷ eligible accounts "
    "(an account may have one play per adjacent product).",
    "win_rate_pct": "Won ÷ decided plays closed in the period; decided = won, lost or expired "
    "(an expired play did not win in its window). Withdrawn and disqualified plays are left out.",
    "median_cycle_days": "Median, over plays won in the period, of the days from the signal to "
    "the signed order (calendar days, pauses included).",
    "avg_uplift_pct": "Mean, over plays won in the period, of the signed amount ÷ the account's "
    "core ACV.",
    "nrr_contribution_points": "Won cross-sell ACV in the period ÷ book ARR × 100.",
    "cohort_nrr_pct": "100 + NRR contribution points: the book's net revenue retention from "
    "cross-sell alone (churn and contraction are not in this system).",
    "open_amount": "Expected amount of every play still active (open to sponsor engaged, "
    "or paused), whenever it opened.",
    "won_amount": "Signed amount of plays won in the period.",
    "lost_amount": "Expected amount of plays lost or expired in the period.",
    "disqualified_amount": "Expected amount of plays disqualified in the period (not pipeline).",
}

Direction = Literal["at_least", "at_most"]


class Target(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: float
    direction: Direction
    unit: Literal["%", "days"]


DEFAULT_TARGETS: dict[str, Target] = {
    "coverage_pct": Target(value=90, direction="at_least", unit="%"),
    "opportunity_creation_rate_pct": Target(value=16, direction="at_least", unit="%"),
    "win_rate_pct": Target(value=25, direction="at_least", unit="%"),
    "median_cycle_days": Target(value=41, direction="at_most", unit="days"),
    "avg_uplift_pct": Target(value=50, direction="at_least", unit="%"),
    "cohort_nrr_pct": Target(value=115, direction="at_least", unit="%"),
}
DEFAULT_CSM_SHARE = 0.40


def targets_with(overrides: dict[str, float]) -> dict[str, Target]:
    """The playbook's targets with some values replaced (unknown names refused)."""
    unknown = sorted(set(overrides) - set(DEFAULT_TARGETS))
    if unknown:
        raise ValueError(f"no target for {', '.join(unknown)}; known: {', '.join(DEFAULT_TARGETS)}")
    return {
        name: target.model_copy(update={"value": float(overrides.get(name, target.value))})
        for name, target in DEFAULT_TARGETS.items()
    }


def met(actual: float | None, target: Target) -> bool | None:
    """Whether ``actual`` meets the target; None without an actual."""
    if actual is None:
        return None
    return actual >= target.value if target.direction == "at_least" else actual < target.value


class CreditSplit(BaseModel):
    model_config = ConfigDict(frozen=True)

    won_acv: float
    csm_share: float = Field(ge=0, le=1)
    csm: float
    ae: float


def credit_split(won_acv: float, csm_share: float = DEFAULT_CSM_SHARE) -> CreditSplit:
    """Won cross-sell ACV credited to the CSM (who surfaced and qualified the
    need) and the AE (who closed it)."""
    csm = round(won_acv * csm_share, 2)
    return CreditSplit(won_acv=won_acv, csm_share=csm_share, csm=csm, ae=round(won_acv - csm, 2))
