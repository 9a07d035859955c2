"""POST /v1/language/check finds banned ideas by meaning on the running service
(issue 17): the real model in play_orchestrator's embedding worker, real
PostgreSQL and broker behind the app."""

from __future__ import annotations

from typing import Any

from tests.integration.coaching.conftest import CoachingApp
from tests.support.kafka import wait_until

DRAFT = (
    "Hi Renee, our regional director would love to sit down with your chief operating "
    "officer. Would the budget holder join too?"
)
PARAPHRASE = "Would the budget holder join too?"
GOOD = (
    "Hi Jun, three of your agents asked this month how to see who changed a permission. "
    "How does your team answer that today? If it isn't worth fixing, I'll say so."
)


async def test_a_banned_idea_in_other_words_is_found_with_its_sentence_and_example(
    coaching_app: CoachingApp,
) -> None:
    body = await _checked_by_meaning(coaching_app, DRAFT)
    banned = [f for f in body["findings"] if f["category"] == "banned"]
    by_rule = {f["rule_id"]: f for f in banned}
    assert set(by_rule) == {"executive_meeting_upfront", "loop_in_finance"}
    assert by_rule["executive_meeting_upfront"]["resembles"] is None  # its pattern caught it
    meaning = by_rule["loop_in_finance"]
    start, end = meaning["span"]
    assert DRAFT[start:end] == meaning["matched"] == PARAPHRASE
    assert meaning["resembles"] and 0.42 <= meaning["similarity"] <= 1
    assert meaning["suggestion"]


async def test_a_grounded_opening_has_no_banned_finding(coaching_app: CoachingApp) -> None:
    body = await _checked_by_meaning(coaching_app, GOOD)
    assert [f for f in body["findings"] if f["category"] == "banned"] == []


async def _checked_by_meaning(coaching_app: CoachingApp, text: str) -> dict[str, Any]:
    """The check answers by patterns alone until the model is loaded (at start)."""

    async def checked() -> dict[str, Any] | None:
        response = await coaching_app.app.http.post("/v1/language/check", json={"text": text})
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body if body["by_meaning"] else None

    result: dict[str, Any] = await wait_until(checked, timeout_s=180, interval_s=1.0)
    return result
