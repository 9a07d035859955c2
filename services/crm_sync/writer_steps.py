"""The writer's two transactions around a send: plan (before) and finish (after)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from services.crm_sync.compose import hygiene_after, opportunity_write
from services.crm_sync.domain import fields as f
from services.crm_sync.gateway import RecordResult
from services.crm_sync.ports import (
    OPPORTUNITY,
    ClaimedWrite,
    OppState,
    Outcome,
    SyncStore,
    WriteResult,
)
from services.crm_sync.translate import SOURCE
from shared.clock import Clock
from shared.messages.crm import OpportunitySynced
from shared.messages.envelope import Envelope

if TYPE_CHECKING:
    from services.crm_sync.writer import WriterConfig

LIMITED_DELAY_S = 0.5


@dataclass
class Planned:
    states: dict[str, OppState]
    to_send: list[tuple[ClaimedWrite, dict[str, Any]]] = field(default_factory=list)
    nothing_to_send: list[ClaimedWrite] = field(default_factory=list)


async def plan_opportunities(
    store: SyncStore, writes: Sequence[ClaimedWrite], claimed: Sequence[ClaimedWrite]
) -> Planned:
    """Decide each Opportunity write's fields; note them as in flight."""
    states = await store.lock_opportunities(sorted({c.play_id for c in claimed}))
    planned = Planned({k: _copy(v) for k, v in states.items()})
    inflight: list[OppState] = []
    for write in writes:
        state = states.get(write.key)
        fields = opportunity_write(state, write.payload) if state is not None else {}
        if not fields or state is None:
            planned.nothing_to_send.append(write)
            continue
        state.inflight = dict(fields)
        inflight.append(state)
        planned.to_send.append((write, fields))
    await store.save_opportunities(inflight)
    return planned


def _copy(state: OppState) -> OppState:
    return OppState(
        state.play_id,
        state.account_id,
        state.opportunity_id,
        dict(state.desired),
        dict(state.last_written),
        dict(state.inflight),
        dict(state.sf_current),
        state.known_stage,
        state.hygiene,
        state.play_event_at,
    )


class Finisher:
    """Collects the outcome of every claimed write, then applies them in one transaction."""

    def __init__(self, planned: Planned, config: WriterConfig, clock: Clock) -> None:
        self._planned = planned
        self._config = config
        self._clock = clock
        self.results: list[WriteResult] = []
        self.created_ids: list[str] = []
        self.any_ok = False
        self._opportunities: dict[str, tuple[ClaimedWrite, dict[str, Any], str | None]] = {}
        self._opportunity_ids: dict[str, str] = {}
        self._task_ids: dict[str, str] = {}
        self._task_plays: set[str] = set()
        self._touched_plays: set[str] = set()

    def opportunity_id(self, play_id: str) -> str | None:
        if play_id in self._opportunity_ids:
            return self._opportunity_ids[play_id]
        state = self._planned.states.get(play_id)
        return state.opportunity_id if state is not None else None

    def done(self, write: ClaimedWrite, sent: Mapping[str, Any]) -> None:
        self.results.append(WriteResult(write.id, write.version, "done", sent=dict(sent)))

    def postpone(self, write: ClaimedWrite, code: str) -> None:
        delay = self._config.postpone_s
        self.results.append(
            WriteResult(write.id, write.version, "postponed", delay, code, "waiting")
        )

    def record(
        self,
        write: ClaimedWrite,
        sent: Mapping[str, Any],
        result: RecordResult | None,
        problem: str | None,
        retry_delay_s: float,
    ) -> None:
        is_opportunity = write.kind == OPPORTUNITY
        if is_opportunity:
            self._touched_plays.add(write.play_id)
        if result is not None and result.ok:
            self.any_ok = True
            self.done(write, sent)
            if is_opportunity:
                self._opportunities[write.play_id] = (write, dict(sent), result.id)
                if result.id:
                    self._opportunity_ids[write.play_id] = result.id
                    if result.created:
                        self.created_ids.append(result.id)
            elif result.id:
                self._task_ids[write.key] = result.id
                self._task_plays.add(write.play_id)
            return
        if result is not None:
            code = result.error_code or "UNKNOWN"
            outcome: Outcome = "retry" if result.retryable else "failed"
            message = (result.message or "")[:1000]
            self.results.append(
                WriteResult(write.id, write.version, outcome, retry_delay_s, code, message)
            )
        elif problem == "limited":
            self.results.append(
                WriteResult(
                    write.id,
                    write.version,
                    "limited",
                    LIMITED_DELAY_S,
                    "REQUEST_LIMIT_EXCEEDED",
                    "daily API allocation spent",
                )
            )
        else:
            code = (problem or "error").removeprefix("error:")
            self.results.append(
                WriteResult(write.id, write.version, "retry", retry_delay_s, code, "no answer")
            )

    async def finish(self, store: SyncStore) -> None:
        now = self._clock.now()
        synced: list[Envelope] = []
        states = await store.lock_opportunities(sorted(self._touched_plays))
        for play_id, state in states.items():
            state.inflight = {}
            done = self._opportunities.get(play_id)
            if done is None:
                continue
            write, sent, opportunity_id = done
            planned = self._planned.states.get(play_id)
            before = planned.sf_current if planned is not None else {}
            state.opportunity_id = opportunity_id or state.opportunity_id
            state.last_written = {**state.last_written, **sent}
            for name, value in sent.items():
                # A notification that came in meanwhile knows better than our overlay.
                if state.sf_current.get(name) == before.get(name):
                    state.sf_current[name] = value
            if f.STAGE in sent and state.sf_current.get(f.STAGE) == sent[f.STAGE]:
                state.known_stage = str(sent[f.STAGE])
            state.hygiene = hygiene_after(state, {})
            if state.opportunity_id:
                synced.append(self._synced(write, state, now))
        await store.save_opportunities(list(states.values()))
        if self._task_ids:
            tasks = await store.tasks_of(sorted(self._task_plays))
            changed = []
            for key, task_id in self._task_ids.items():
                row = tasks.get(key)
                if row is not None and row.task_id != task_id:
                    row.task_id = task_id
                    changed.append(row)
            await store.save_tasks(changed)
        await store.finish(self.results)
        await store.emit(self._config.crm_topic, synced)

    def _synced(self, write: ClaimedWrite, state: OppState, now: Any) -> Envelope:
        message = OpportunitySynced(
            play_id=state.play_id,
            opportunity_id=str(state.opportunity_id),
            hygiene=state.hygiene or "",
            stage=state.known_stage,
            synced_at=now,
        )
        return Envelope(
            id=f"{SOURCE}:synced:{write.id}:{write.version}",
            type="OpportunitySynced",
            account_id=state.account_id,
            occurred_at=now,
            source=SOURCE,
            payload=message.model_dump(mode="json"),
        )
