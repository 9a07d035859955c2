"""The writer loop: pending writes -> Salesforce, in sObject Collections of 200,
or through Bulk API 2.0 while a backfill is under way.

One cycle:

1. claim due pending writes (``FOR UPDATE SKIP LOCKED``, leased, urgent
   first; while usage is past the configured share only urgent ones, plus one
   ordinary batch every ``defer_probe_s`` to read the usage again);
2. plan, in a short transaction: what each Opportunity write sends
   (``compose``), noted as ``inflight`` so the echo of it is recognised even
   if it arrives before step 5 commits;
3. upsert Opportunities by ``Cross_Sell_Play_Id__c`` (chunks of 200 in
   parallel), then Tasks by ``Cross_Sell_Task_Key__c`` — after, so a Task of
   a new Opportunity has its ``WhatId``;
4. classify each record: acknowledged -> done; transient -> backoff;
   refused for good -> failed with its error code; allocation spent ->
   wait (no attempt counted); outage -> backoff. Nothing is dropped;
5. finish, in one transaction: opportunity ids, ``last_written``, task ids,
   queue rows, and ``OpportunitySynced`` into the outbox.

A backfill is a backlog of more than ``bulk_threshold`` due writes (counted,
boundedly, after a cycle that claimed a full round): such a cycle claims up
to ``bulk_claim`` writes and upserts each kind that has more records than a
Bulk job costs in Collections calls through the gateway's ``bulk_upsert``
(a handful of calls per 10,000 records instead of 50).

Only Salesforce's acknowledgement marks a write done, and every write is an
upsert by an external id, so a crash between 3 and 5 resends the same
records and still leaves each record once.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.crm_sync.compose import TASK_KEY_FIELD, task_record
from services.crm_sync.domain import fields as f
from services.crm_sync.gateway import ApiLimitExceeded, RecordResult, SalesforceGateway
from services.crm_sync.ports import (
    OPPORTUNITY,
    ClaimedWrite,
    Transactions,
    WriteResult,
)
from services.crm_sync.writer_steps import Finisher, plan_opportunities
from shared.clock import Clock
from shared.logs import get_logger

log = get_logger(__name__)


@dataclass(frozen=True)
class WriterConfig:
    crm_topic: str
    batch_size: int = 200
    batches_per_cycle: int = 5
    interval_s: float = 0.2
    lease_s: float = 120.0
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 60.0
    limit_backoff_base_s: float = 1.0
    limit_backoff_cap_s: float = 60.0
    defer_probe_s: float = 60.0
    postpone_s: float = 1.0
    retention_s: int = 7 * 86400
    notification_retention_s: int = 3 * 86400  # Salesforce retries for 24 hours
    purge_every_s: float = 600.0
    bulk_threshold: int = 2_000  # due writes beyond which a cycle is a backfill; 0 = never
    bulk_claim: int = 10_000  # writes one backfill cycle claims
    bulk_lease_s: float = 900.0  # a Bulk job of 10,000 records may take minutes


# A Bulk API job costs about six calls: below that many Collections calls, Collections wins.
BULK_MIN_CALLS = 6


@dataclass
class IntegrationUser:
    """Our integration user's id: configured, or learnt from a record we created."""

    user_id: str | None = None


@dataclass
class WriterState:
    deferring: bool = False
    limited: bool = False
    cycles: int = 0
    sent_records: int = 0
    last_error: str | None = None
    learnt_user: bool = False
    limit_backoff_s: float = 0.0
    limited_until: float = 0.0
    next_probe: float = 0.0
    next_purge: float = 0.0
    backfill: bool = False
    backfill_cycles: int = 0
    last_claim_full: bool = True  # only then is the backlog worth counting (see cycle)


Sendable = tuple[ClaimedWrite, dict[str, Any]]


class SyncWriter:
    def __init__(
        self,
        transactions: Transactions,
        gateway: SalesforceGateway,
        clock: Clock,
        config: WriterConfig,
        identity: IntegrationUser | None = None,
    ) -> None:
        self._tx = transactions
        self.gateway = gateway
        self._clock = clock
        self.config = config
        self.identity = identity or IntegrationUser()
        self.state = WriterState()
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()

    # -- loop ----------------------------------------------------------------

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()

    async def run(self) -> None:
        backoff = self.config.interval_s
        try:
            while not self._stopping.is_set():
                try:
                    await self._housekeeping()
                    claimed = await self.cycle()
                    backoff = self.config.interval_s
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # database away, a bug: keep the loop alive
                    self.state.last_error = repr(exc)[:300]
                    log.warning("sync_cycle_failed", error=repr(exc)[:300])
                    await self._sleep(backoff)
                    backoff = min(backoff * 2, 30.0)
                    continue
                if claimed < self._claim_limit(False):
                    await self._sleep(self.config.interval_s)
        finally:
            with contextlib.suppress(Exception):
                await self.gateway.aclose()

    async def _sleep(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), timeout=seconds)
        self._wake.clear()

    async def _housekeeping(self) -> None:
        now = asyncio.get_running_loop().time()
        if now < self.state.next_purge:
            return
        self.state.next_purge = now + self.config.purge_every_s
        async with self._tx() as store:
            await store.purge(self.config.retention_s, self.config.notification_retention_s)

    def _claim_limit(self, probe_only: bool) -> int:
        size = self.config.batch_size
        return size if probe_only else size * self.config.batches_per_cycle

    # -- one cycle -----------------------------------------------------------

    async def cycle(self) -> int:
        """Claim, send and finish one round of writes; return how many were claimed."""
        loop = asyncio.get_running_loop()
        now = loop.time()
        if now < self.state.limited_until:
            return 0
        deferring = self.gateway.should_defer(urgent=False)
        self.state.deferring = deferring
        probe = deferring and now >= self.state.next_probe
        include_normal = not deferring or probe
        cfg = self.config
        limit, lease, bulk = self._claim_limit(probe), cfg.lease_s, False
        async with self._tx() as store:
            if not deferring and cfg.bulk_threshold and self.state.last_claim_full:
                bulk = await store.count_due(cfg.bulk_threshold + 1) > cfg.bulk_threshold
                if bulk:
                    limit, lease = max(limit, cfg.bulk_claim), max(lease, cfg.bulk_lease_s)
            claimed = await store.claim(limit, include_normal=include_normal, lease_s=lease)
        # Worth counting again next cycle: a full round, or a backfill round still past
        # the threshold (its writes may come back, e.g. refused while the allocation
        # was spent).
        self.state.last_claim_full = len(claimed) >= min(limit, max(cfg.bulk_threshold, 1))
        self.state.backfill = bulk
        if not claimed:
            return 0
        if probe:
            self.state.next_probe = now + self.config.defer_probe_s
        self.state.cycles += 1
        self.state.backfill_cycles += bulk
        results = await self._process(claimed, bulk)
        self.state.sent_records += sum(1 for r in results if r.outcome == "done")
        return len(claimed)

    async def _process(self, claimed: list[ClaimedWrite], bulk: bool) -> list[WriteResult]:
        opportunity_writes = [c for c in claimed if c.kind == OPPORTUNITY]
        task_writes = [c for c in claimed if c.kind != OPPORTUNITY]
        async with self._tx() as store:
            planned = await plan_opportunities(store, opportunity_writes, claimed)
        finisher = Finisher(planned, self.config, self._clock)
        for write in planned.nothing_to_send:
            finisher.done(write, {})
        limited = False
        records = [{f.PLAY_ID: w.key, **fields} for w, fields in planned.to_send]
        for (write, fields), (result, problem) in zip(
            planned.to_send,
            await self._send("Opportunity", f.PLAY_ID, records, bulk),
            strict=True,
        ):
            limited |= problem == "limited"
            finisher.record(write, fields, result, problem, self._delay(write))
        if finisher.created_ids and self.identity.user_id is None:
            await self._learn_identity(finisher.created_ids[0])
        sendable: list[Sendable] = []
        for write in task_writes:
            record = task_record(write.key, write.payload, finisher.opportunity_id(write.play_id))
            if limited:  # the org just refused a call: do not spend another on the tasks
                finisher.record(write, {}, None, "limited", 0.0)
            elif record is None:
                finisher.postpone(write, "WAITING_FOR_OPPORTUNITY")
            else:
                sendable.append((write, record))
        task_records = [r for _, r in sendable]
        task_results = await self._send("Task", TASK_KEY_FIELD, task_records, bulk)
        for (write, record), (result, problem) in zip(sendable, task_results, strict=True):
            limited |= problem == "limited"
            sent = {k: v for k, v in record.items() if k in write.payload}
            finisher.record(write, sent, result, problem, self._delay(write))
        self._after_send(limited, finisher.any_ok)
        async with self._tx() as store:
            await finisher.finish(store)
        return finisher.results

    def _after_send(self, limited: bool, any_ok: bool) -> None:
        state = self.state
        state.limited = limited
        if limited:
            state.limit_backoff_s = min(
                self.config.limit_backoff_cap_s,
                max(self.config.limit_backoff_base_s, state.limit_backoff_s * 2),
            )
            state.limited_until = asyncio.get_running_loop().time() + state.limit_backoff_s
            log.warning("salesforce_allocation_spent", wait_s=state.limit_backoff_s)
        elif any_ok:
            state.limit_backoff_s = 0.0

    def _delay(self, write: ClaimedWrite) -> float:
        cfg = self.config
        delay = min(cfg.backoff_cap_s, cfg.backoff_base_s * 2 ** min(write.attempts, 20))
        return delay * (0.5 + random.random() / 2)

    async def _send(
        self, sobject: str, ext_field: str, records: Sequence[dict[str, Any]], bulk: bool
    ) -> list[tuple[RecordResult | None, str | None]]:
        """Upsert in chunks of ``batch_size`` in parallel, or as Bulk jobs in a backfill;
        a (result, problem) per record."""
        size = self.config.batch_size
        if bulk and len(records) > size * BULK_MIN_CALLS:
            log.info("salesforce_bulk_upsert", sobject=sobject, records=len(records))
            return await self._chunk(sobject, ext_field, list(records), self.gateway.bulk_upsert)
        chunks = [list(records[i : i + size]) for i in range(0, len(records), size)]
        send = self.gateway.upsert
        answers = await asyncio.gather(*(self._chunk(sobject, ext_field, c, send) for c in chunks))
        return [item for answer in answers for item in answer]

    async def _chunk(
        self,
        sobject: str,
        ext_field: str,
        records: list[dict[str, Any]],
        upsert: Callable[[str, str, Sequence[dict[str, Any]]], Awaitable[list[RecordResult]]],
    ) -> list[tuple[RecordResult | None, str | None]]:
        try:
            results: Sequence[RecordResult | None] = await upsert(sobject, ext_field, records)
            problem = None
        except ApiLimitExceeded as exc:
            results, problem = exc.results, "limited"
        except Exception as exc:  # outage after retries, refused token, a bad answer
            log.warning("salesforce_write_failed", sobject=sobject, error=repr(exc)[:300])
            results, problem = [], f"error:{type(exc).__name__}"
        padded = list(results) + [None] * (len(records) - len(results))
        return [(r, problem if r is None else None) for r in padded]

    async def _learn_identity(self, record_id: str) -> None:
        try:
            record = await self.gateway.get("Opportunity", record_id)
        except Exception as exc:
            log.warning("integration_user_lookup_failed", error=repr(exc)[:200])
            return
        creator = (record or {}).get("CreatedById")
        if isinstance(creator, str) and creator:
            self.identity.user_id = creator
            self.state.learnt_user = True
            log.info("integration_user_learnt", user_id=creator)
