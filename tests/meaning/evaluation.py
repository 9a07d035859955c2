"""Pain-by-meaning and never-say-by-meaning, measured on the labelled sets
beside this file (issue 17), against the keyword-only checks.

    python -m tests.meaning.evaluation      # prints the table (loads the model)

Pain: every ticket goes through the production path (``PainReader`` then the
domain's ``process_event`` on a fresh account) with the shipped sample catalog;
a (ticket, adjacent product) pair is a hit when the ticket ends up carrying
that product's pain. Topics are left out: the words alone are measured.
Never-say: each sentence goes through ``check_language`` with the shipped
rules; a sentence is flagged when it has any banned finding.

Even positions of each set are the calibration half (the thresholds in the
catalog and the rules file were chosen on them), odd positions are held out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml

from services.play_orchestrator.coaching.language import check_language, default_language_rules
from services.signal_ingest.domain import AccountState, Catalog, load_catalog, process_event
from services.signal_ingest.pain_reader import PainReader
from shared.meaning import TextEmbedder
from shared.messages.inbound import TicketOpenedEvent, parse_event

HERE = Path(__file__).parent
ROOT = HERE.parents[1]
SAMPLE_CATALOG = ROOT / "services" / "signal_ingest" / "catalog" / "sample.yaml"
AT = datetime(2026, 11, 2, tzinfo=UTC)
SPLITS = ("calibration", "held-out", "all")


@dataclass(frozen=True)
class Score:
    method: str
    split: str
    precision: float | None  # of what was matched or flagged, the right share (None: nothing)
    recall: float
    false_alarms: float  # language: good sentences flagged; pain: unrelated tickets matched


def tickets() -> list[tuple[str, str, str]]:
    return [tuple(t) for t in yaml.safe_load((HERE / "eval_tickets.yaml").read_text())["tickets"]]


def sentences() -> list[tuple[str, str]]:
    raw = yaml.safe_load((HERE / "eval_outreach.yaml").read_text())["sentences"]
    return [tuple(s) for s in raw]


def _in(split: str, i: int) -> bool:
    return split == "all" or (i % 2 == 0) == (split == "calibration")


def _ticket_events(items: list[tuple[str, str, str]]) -> list[TicketOpenedEvent]:
    out = []
    for i, (_, subject, description) in enumerate(items):
        event = parse_event(
            {
                "id": f"eval-{i}",
                "type": "ticket.opened",
                "source": "support",
                "account_id": "001EVAL",
                "occurred_at": AT.isoformat(),
                "data": {
                    "ticket_id": f"T-{i}",
                    "requester": {"contact_id": f"003-{i}", "name": "Operator", "role": "Ops"},
                    "subject": subject,
                    "description": description,
                },
            }
        )
        assert isinstance(event, TicketOpenedEvent)
        out.append(event)
    return out


def pain_predictions(catalog: Catalog, embedder: TextEmbedder | None) -> list[set[str]]:
    events = _ticket_events(tickets())
    readings = PainReader(embedder).read_now(catalog, events) if embedder else {}
    predicted = []
    for event in events:
        state = AccountState(account_id="001EVAL")
        process_event(state, event, catalog, AT, readings.get(event.id))
        predicted.append(set(state.tickets[event.data.ticket_id].pain))
    return predicted


def pain_scores(method: str, predicted: list[set[str]]) -> list[Score]:
    labels = [t[0] for t in tickets()]
    out = []
    for split in SPLITS:
        rows = [i for i in range(len(labels)) if _in(split, i)]
        hits = sum(labels[i] in predicted[i] for i in rows)
        matched = sum(len(predicted[i]) for i in rows)
        positives = sum(labels[i] != "none" for i in rows)
        unrelated = [i for i in rows if labels[i] == "none"]
        alarms = sum(bool(predicted[i]) for i in unrelated)
        out.append(
            Score(
                method,
                split,
                hits / matched if matched else None,
                hits / positives,
                alarms / len(unrelated),
            )
        )
    return out


def language_flags(embedder: TextEmbedder | None) -> list[bool]:
    rules = default_language_rules()
    return [bool(check_language(s, rules, embedder=embedder).banned) for _, s in sentences()]


def language_scores(method: str, flags: list[bool]) -> list[Score]:
    labels = [s[0] for s in sentences()]
    out = []
    for split in SPLITS:
        rows = [i for i in range(len(labels)) if _in(split, i)]
        bad = [i for i in rows if labels[i] != "good"]
        good = [i for i in rows if labels[i] == "good"]
        flagged = sum(flags[i] for i in bad) + sum(flags[i] for i in good)
        true = sum(flags[i] for i in bad)
        out.append(
            Score(
                method,
                split,
                true / flagged if flagged else None,
                true / len(bad),
                sum(flags[i] for i in good) / len(good),
            )
        )
    return out


def evaluate(embedder: TextEmbedder) -> dict[str, list[Score]]:
    catalog = load_catalog(SAMPLE_CATALOG)
    return {
        "pain": pain_scores("keywords", pain_predictions(catalog, None))
        + pain_scores("meaning", pain_predictions(catalog, embedder)),
        "never-say": language_scores("keywords", language_flags(None))
        + language_scores("meaning", language_flags(embedder)),
    }


def table(results: dict[str, list[Score]]) -> str:
    counts = (len(tickets()), len(sentences()))
    lines = [
        f"pain: {counts[0]} tickets; never-say: {counts[1]} sentences "
        "(calibration = even positions, held-out = odd)",
        f"{'check':<10} {'method':<9} {'split':<12} {'precision':>9} {'recall':>7} "
        f"{'false alarms':>13}",
    ]
    for check, scores in results.items():
        for s in scores:
            precision = "-" if s.precision is None else f"{s.precision:.3f}"
            lines.append(
                f"{check:<10} {s.method:<9} {s.split:<12} {precision:>9} {s.recall:>7.3f} "
                f"{s.false_alarms:>13.3f}"
            )
    return "\n".join(lines)


def main(argv: Any = None) -> None:
    import time

    from shared.meaning.minilm import MiniLmEmbedder

    started = time.perf_counter()
    embedder = MiniLmEmbedder()
    loaded = time.perf_counter() - started
    texts = [f"{s}\n{d}" for _, s, d in tickets()]
    started = time.perf_counter()
    for i in range(0, len(texts), 64):
        embedder.embed(texts[i : i + 64])
    per_ticket = (time.perf_counter() - started) / len(texts)
    print(table(evaluate(embedder)))  # noqa: T201
    print(  # noqa: T201
        f"model load {loaded:.2f} s; {per_ticket * 1000:.2f} ms per ticket in batches of 64"
    )


if __name__ == "__main__":
    main()
