"""Plain-text and Markdown renderings of a talk track."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.play_orchestrator.coaching.talk_track import TalkTrack, ValueMap

_INSTEAD = (
    "Hold the play. Close the renewal or resolve the escalation first, then re-run the play "
    "in a clean window; the signal is re-evaluated when these facts change."
)


def _title(track: TalkTrack) -> str:
    return (
        f"Talk track: {track.account_name} - {track.adjacent_product} "
        f"(core: {track.core_product}; play {track.play_id})"
    )


def _value_rows(track: TalkTrack, value_map: ValueMap) -> list[tuple[str, str]]:
    need = "; ".join(f'"{p}"' for p in value_map.need_in_their_words) or value_map.need_summary
    return [
        ("Their need, in their words", need),
        (f"How {track.adjacent_product} helps", value_map.how_it_helps),
        (f"Works with {track.core_product}", "; ".join(value_map.integration_points) or "-"),
        ("Expected outcome", value_map.expected_outcome),
        ("Timeline", value_map.timeline),
        ("Investment", value_map.investment),
        ("Give-get", value_map.give_get),
    ]


def render_text(track: TalkTrack) -> str:
    lines = [_title(track), ""]
    if track.do_not_open:
        lines += ["DO NOT OPEN THIS CONVERSATION NOW"]
        lines += [f"- {reason}" for reason in track.do_not_open]
        lines += ["", _INSTEAD]
        return "\n".join(lines) + "\n"
    lines += ["OPENING (CSM)", track.opening or "", ""]
    lines += ["CSM-TO-AE HAND-OFF", track.handoff or "", ""]
    lines += ["DISCOVERY QUESTIONS (AE asks, in this order)"]
    lines += [f"{q.number}. {q.text}" for q in track.discovery_questions]
    if track.value_map is not None:
        lines += ["", "VALUE MAP"]
        lines += [f"- {label}: {value}" for label, value in _value_rows(track, track.value_map)]
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(track: TalkTrack) -> str:
    lines = [f"# {_title(track)}", ""]
    if track.do_not_open:
        lines += ["## Do not open this conversation now", ""]
        lines += [f"- {reason}" for reason in track.do_not_open]
        lines += ["", f"**Instead:** {_INSTEAD}"]
        return "\n".join(lines) + "\n"
    opening = (track.opening or "").split("\n")
    lines += ["## Opening (CSM)", ""] + [f"> {line}" if line else ">" for line in opening]
    lines += ["", "## CSM-to-AE hand-off", "", track.handoff or "", ""]
    lines += ["## Discovery questions (AE asks, in this order)", ""]
    lines += [
        f"{q.number}. **{q.topic.capitalize()}.** {q.text}" for q in track.discovery_questions
    ]
    if track.value_map is not None:
        lines += ["", "## Value map", "", "| | |", "|---|---|"]
        rows = _value_rows(track, track.value_map)
        lines += [f"| **{label}** | {_md_cell(value)} |" for label, value in rows]
    return "\n".join(lines) + "\n"
