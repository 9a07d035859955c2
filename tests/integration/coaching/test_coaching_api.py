"""Coaching over HTTP on the running service: three realistic signal messages arrive on
``crosssell.signals``, a play opens, and its hypothesis, talk track and language check
are served from what those messages carried (no access to signal_ingest)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.play_orchestrator.api_coaching import MAX_TEXT_CHARS
from shared.kafka.topics import SIGNALS
from tests.integration.coaching.conftest import CoachingApp
from tests.integration.play_orchestrator.conftest import PlayApp
from tests.unit.coaching.demo_account import (
    JUN_QUOTE,
    MARCUS_QUOTE,
    TOM_QUOTE,
    envelope,
    signals,
)

ACCOUNT = "001Cm00000MUT01"
BAD_DRAFT = (
    "Hi Renee, I wanted to tell you about our new product, Flowboard Shield. "
    "A lot of customers like you are buying it this year, and it is the future of the "
    "category. We can give you a discount if you decide this quarter. Let me send you a "
    "deck, and our CEO would love to meet your CEO. Could you loop in your finance team?"
)
BANNED_IN_DRAFT = [
    ("pitch_new_product", "tell you about our new product"),
    ("generalized_peers", "customers like you"),
    ("category_future", "the future of the category"),
    ("deadline_discount", "discount if you decide this quarter"),
    ("deck_instead_of_diagnostic", "send you a deck"),
    ("executive_meeting_upfront", "our CEO would love to meet your CEO"),
    ("loop_in_finance", "loop in your finance team"),
]
QUESTIONS = [
    "1. **Current workflow.** Take me through how your team runs quarterly access reviews today",
    "2. **Where time or accuracy is lost, and its cost.** Which step of quarterly access reviews",
    "3. **The one fix and who feels it first.** Looking at the next two quarters, which single "
    "change to quarterly access reviews",
]


@dataclass
class Opened:
    app: PlayApp
    play_id: str
    write_only_key: str

    @property
    def url(self) -> str:
        return f"/v1/plays/{self.play_id}"

    async def get(self, path: str, **kw: Any) -> httpx.Response:
        return await self.app.http.get(f"{self.url}/{path}", **kw)


@pytest.fixture(scope="module")
async def opened(coaching_app: CoachingApp) -> Opened:
    app = coaching_app.app
    now = app.base()
    await app.set_clock(now)
    await app.produce(SIGNALS, [envelope(m) for m in signals(ACCOUNT, now)])
    play = await app.wait_opened(ACCOUNT)
    return Opened(app, play["id"], coaching_app.write_only_key)


async def test_hypothesis_leads_with_the_strongest_signal_its_numbers_and_their_words(
    opened: Opened,
) -> None:
    response = await opened.get("hypothesis")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["account_name"] == "Cascadia Mutual Insurance"
    assert body["core_product"] == "Flowboard Service Desk"
    assert body["adjacent_product"] == "Flowboard Shield"
    strongest = body["signals"][0]
    assert strongest["type"] == "usage_ceiling"
    assert strongest["numbers"] == ["42 of 50 agent seats (84%)"]
    assert body["why_now"].startswith(
        "Strongest signal: usage_ceiling (score 10), 42 of 50 agent seats (84%) "
        "in Flowboard Service Desk."
    )
    assert [s["type"] for s in body["signals"]] == [
        "usage_ceiling",
        "adjacent_pain",
        "strategic_shift",
    ]
    # the customer's words, the ones naming the catalog's pain first
    assert body["customer_phrases"] == [JUN_QUOTE, MARCUS_QUOTE, TOM_QUOTE]
    assert f'"{JUN_QUOTE}"' in body["adjacent_problem"]
    assert body["adjacent_problem"].startswith("Quarterly access reviews, as their team puts it")
    assert body["economic_buyer"]["name"] == "Renee Okafor"
    assert body["economic_buyer"]["title"] == "VP Security"
    assert body["day_to_day_user"]["name"] == "Jun Park"
    gates = {g["name"]: g for g in body["gates"]}
    assert len(gates) == 11 and all(g["outcome"] == "pass" for g in gates.values())
    assert (
        gates["low_adoption"]["detail"] == "Flowboard Service Desk adoption 78% (gate: below 60%)"
    )
    assert body["unverified"] == [
        f"strategic_shift (sig-{ACCOUNT}-shift, surfaced by csm) may be a projected need: "
        "confirm it with the customer before building on it."
    ]
    assert body["give_get"]["option"] == "renewal_bundle"


async def test_talk_track_in_markdown_quotes_the_customer_and_asks_the_questions_in_order(
    opened: Opened,
) -> None:
    response = await opened.get("talk-track", params={"format": "markdown"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/markdown")
    markdown = response.text
    assert "> Hi Jun," in markdown
    assert "Your team is now at 42 of 50 agent seats (84%) in Flowboard Service Desk" in markdown
    assert f'You described it as "{JUN_QUOTE}" in ticket SD-4502.' in markdown
    positions = [markdown.find(q) for q in QUESTIONS]
    assert all(p > 0 for p in positions) and positions == sorted(positions), positions
    assert markdown.find("## Opening (CSM)") < markdown.find("## CSM-to-AE hand-off")
    assert "I've asked Daniel Ortiz to join us today" in markdown
    assert "| **Works with Flowboard Service Desk** | connects to the identity provider" in markdown
    assert "| **Timeline** | SSO and provisioning live in 2-3 weeks" in markdown


async def test_talk_track_formats_by_query_and_accept_header(opened: Opened) -> None:
    default = await opened.get("talk-track")
    assert default.headers["content-type"] == "application/json"
    track = default.json()
    assert [q["number"] for q in track["discovery_questions"]] == [1, 2, 3]
    assert track["opening_check"]["findings"] == []
    assert track["value_map"]["need_in_their_words"][0] == JUN_QUOTE

    text = await opened.get("talk-track", headers={"Accept": "text/plain"})
    assert text.headers["content-type"].startswith("text/plain")
    assert text.text.startswith("Talk track: Cascadia Mutual Insurance - Flowboard Shield")
    assert "DISCOVERY QUESTIONS (AE asks, in this order)" in text.text
    assert "Accept" in text.headers["vary"]

    accept = "text/html;q=0.9, text/markdown, */*;q=0.1"
    markdown = await opened.get("talk-track", headers={"Accept": accept})
    assert markdown.headers["content-type"].startswith("text/markdown")
    override = await opened.get(
        "talk-track", params={"format": "json"}, headers={"Accept": "text/plain"}
    )
    assert override.headers["content-type"] == "application/json"
    refused = await opened.get("talk-track", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert (await opened.get("talk-track", params={"format": "pdf"})).status_code == 422


async def test_language_check_reports_each_banned_phrase_with_its_exact_span(
    opened: Opened,
) -> None:
    response = await opened.app.http.post("/v1/language/check", json={"text": BAD_DRAFT})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["rules_version"] >= 3 and body["ok"] is False
    banned = [f for f in body["findings"] if f["category"] == "banned"]
    expected = []
    for rule_id, phrase in BANNED_IN_DRAFT:
        start = BAD_DRAFT.index(phrase)
        expected.append((rule_id, [start, start + len(phrase)], phrase))
    assert [(f["rule_id"], f["span"], f["matched"]) for f in banned] == expected
    for finding in banned:
        start, end = finding["span"]
        assert BAD_DRAFT[start:end] == finding["matched"]
        assert finding["severity"] in {"high", "medium", "low"} and finding["suggestion"]
    missing = [f["rule_id"] for f in body["findings"] if f["category"] == "missing"]
    assert missing == [
        "missing_signal_reference",
        "missing_diagnostic_ask",
        "missing_neutrality_line",
    ]


async def test_the_generated_opening_passes_the_check_against_its_own_play(
    opened: Opened,
) -> None:
    track = (await opened.get("talk-track")).json()
    opening = track["opening"]
    checked = await opened.app.http.post(
        "/v1/language/check", json={"text": opening, "play_id": opened.play_id}
    )
    assert checked.status_code == 200, checked.text
    body = checked.json()
    assert body["findings"] == [] and body["ok"] is True
    assert "42 of 50 agent seats (84%)" in body["signal_phrases"]
    # numbers that are not this play's: fine in general, but not a reference to its signal
    other = (
        "Hi Jun, your team is at 31 of 35 seats. Would you have 20 minutes to sketch out how "
        "your team runs access reviews today? If it doesn't fit, I'll say so and we'll drop it."
    )
    generic = await opened.app.http.post("/v1/language/check", json={"text": other})
    assert generic.json()["findings"] == [] and generic.json()["signal_phrases"] == []
    specific = await opened.app.http.post(
        "/v1/language/check", json={"text": other, "play_id": opened.play_id}
    )
    assert [f["rule_id"] for f in specific.json()["findings"]] == ["missing_signal_reference"]


async def test_brief_prefill_item_5_uses_the_same_customer_quotes(opened: Opened) -> None:
    play = await opened.app.play(opened.play_id)
    hypothesis = (await opened.get("hypothesis")).json()
    pain = play["brief"]["pain"]
    assert pain["operator"]["name"] == "Jun Park"
    assert pain["quote"] == JUN_QUOTE and pain["quote"] in hypothesis["customer_phrases"]
    assert pain["where"] == f'ticket SD-4502: "{JUN_QUOTE}"'
    assert JUN_QUOTE in play["brief"]["adjacent"]["problem"]
    assert play["brief"]["signal"]["signal_ids"] == [
        s["signal_id"] for s in reversed(hypothesis["signals"])
    ]


async def test_auth_unknown_plays_and_bad_bodies(opened: Opened) -> None:
    app = opened.app
    routes = [
        ("GET", f"{opened.url}/hypothesis", None),
        ("GET", f"{opened.url}/talk-track", None),
        ("POST", "/v1/language/check", {"text": "Hello"}),
    ]
    async with httpx.AsyncClient(base_url=app.base_url, timeout=20) as anonymous:
        for method, path, body in routes:
            assert (await anonymous.request(method, path, json=body)).status_code == 401
            read_only = {"Authorization": f"Bearer {app.read_key}"}
            allowed = await anonymous.request(method, path, json=body, headers=read_only)
            assert allowed.status_code == 200, (path, allowed.text)
            write_only = {"Authorization": f"Bearer {opened.write_only_key}"}
            forbidden = await anonymous.request(method, path, json=body, headers=write_only)
            assert forbidden.status_code == 403 and "'read'" in forbidden.json()["detail"]

    http = app.http
    for path in ("hypothesis", "talk-track"):
        missing = await http.get(f"/v1/plays/play-unknown/{path}")
        assert missing.status_code == 404 and "play-unknown" in missing.json()["detail"]
    unknown = await http.post("/v1/language/check", json={"text": "Hi", "play_id": "play-nope"})
    assert unknown.status_code == 404

    bad_bodies: list[Any] = [
        {"text": ""},
        {"text": "   \n "},
        {"text": "x" * (MAX_TEXT_CHARS + 1)},
        {},
        {"text": 42},
        {"text": "Hi", "play_id": ""},
        {"text": "Hi", "unexpected": True},
    ]
    for body in bad_bodies:
        response = await http.post("/v1/language/check", json=body)
        assert response.status_code == 422, (body, response.text)
    longest = await http.post("/v1/language/check", json={"text": "a " * (MAX_TEXT_CHARS // 2)})
    assert longest.status_code == 200
