"""Everything a service process owns, built in one place and started by the lifespan.

Database first (migrations), then the broker side in the background so the
process answers ``/healthz`` (and an honest ``/readyz``) even while Kafka is
still away: topics, producer, the broker-epoch check (repair after a broker
that forgot, ``shared/epoch.py``), relays, consumer loops. Stop drains the
consumers (each finishes the batch it holds), then the relays, then closes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from shared import inbox
from shared.auth import ApiKeyStore
from shared.clock import SystemClock, TestClock, build_clock
from shared.db.engine import create_engine, ping, session_factory
from shared.db.migrate import upgrade
from shared.epoch import EPOCH_TOPIC, EpochChange, EpochGuard
from shared.kafka.consumer import BatchConsumer, BatchHandler
from shared.kafka.errors import is_infrastructure
from shared.kafka.producer import build_producer
from shared.kafka.topics import ensure_topics
from shared.logs import configure_logging, get_logger
from shared.messages.envelope import SchemaRegistry
from shared.metrics import DEPENDENCY_UP, time_garbage_collection
from shared.outbox import OUTBOX, OutboxRelay, RelayTable
from shared.settings import ServiceSettings

log = get_logger(__name__)
TaskFactory = Callable[[], Coroutine[Any, Any, None]]


class ServiceRuntime:
    def __init__(
        self,
        settings: ServiceSettings,
        *,
        migrations: Path | None,
        topics: Sequence[str],
        registry: SchemaRegistry | None = None,
        relay: bool = True,
    ) -> None:
        self.settings = settings
        self.name = settings.service_name
        time_garbage_collection()
        self.schema = settings.db_schema_name
        self.clock: SystemClock | TestClock = build_clock(settings.test_clock)
        self.registry = registry or SchemaRegistry()
        self.api_keys = ApiKeyStore(settings.api_keys_file)
        self._migrations = migrations
        self._topics = [settings.topic(t) for t in topics]
        self.engine: AsyncEngine = create_engine(
            settings.database_url, self.schema, pool_size=settings.db_pool_size
        )
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(self.engine)
        self.producer: AIOKafkaProducer = build_producer(
            settings.kafka_bootstrap_servers, linger_ms=settings.kafka_linger_ms
        )
        self.producer_started = False
        self.relays: list[OutboxRelay] = []
        self._relay_tables: list[tuple[RelayTable, int]] = (
            [(OUTBOX, settings.outbox_retention_s)] if relay else []
        )
        self.epoch = EpochGuard(
            self.engine,
            self.producer,
            settings.kafka_bootstrap_servers,
            self.topic(EPOCH_TOPIC),
            lambda: [table for table, _ in self._relay_tables],
            self._create_topics,
            self._epoch_changed,
        )
        self._housekeeping_stop = asyncio.Event()
        self.consumers: list[BatchConsumer] = []
        self._task_factories: list[tuple[str, TaskFactory]] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._stop_hooks: list[Callable[[], Any]] = []

    def topic(self, name: str) -> str:
        return self.settings.topic(name)

    def add_consumer(
        self, name: str, topics: Sequence[str], handler: BatchHandler, **kw: Any
    ) -> None:
        self.consumers.append(
            BatchConsumer(
                name=name,
                topics=[self.topic(t) for t in topics],
                bootstrap=self.settings.kafka_bootstrap_servers,
                sessions=self.sessions,
                handler=handler,
                registry=self.registry,
                producer=self.producer,
                group_id=f"{self.settings.topic_prefix}{name}",
                max_records=self.settings.consumer_max_records,
                max_attempts=self.settings.consumer_max_attempts,
                fetch_max_wait_ms=self.settings.consumer_fetch_max_wait_ms,
                **kw,
            )
        )

    def add_relay(self, table: RelayTable, retention_s: int) -> None:
        """Another table to publish from (signal_ingest's ingest journal)."""
        self._relay_tables.append((table, retention_s))

    def add_task(
        self, name: str, factory: TaskFactory, on_stop: Callable[[], Any] | None = None
    ) -> None:
        """A long-running background loop (e.g. a deadline sweeper)."""
        self._task_factories.append((name, factory))
        if on_stop is not None:
            self._stop_hooks.append(on_stop)

    # -- lifecycle -----------------------------------------------------------
    async def start(self) -> None:
        configure_logging(self.settings.log_level, self.settings.log_format)
        migrations = self._migrations
        if self.settings.migrate_on_start and migrations is not None:
            await self._retry("migrate", lambda: upgrade(self.engine, self.schema, migrations))
        self._tasks.append(asyncio.create_task(self._broker_side(), name=f"{self.name}-broker"))
        for name, factory in self._task_factories:
            self._tasks.append(asyncio.create_task(factory(), name=name))
        log.info("service_started", service=self.name, schema=self.schema)

    async def _broker_side(self) -> None:
        await self._retry("topics", self._create_topics, forever=True)
        await self._retry("producer", self.producer.start, forever=True)
        self.producer_started = True
        # Before anything is published or consumed: is this the broker we left?
        await self._retry("broker epoch", self.epoch.verify, forever=True)
        for table, retention_s in self._relay_tables:
            relay = OutboxRelay(
                self.engine,
                self.producer,
                self.schema,
                table=table,
                batch_size=self.settings.outbox_batch_size,
                retention_s=retention_s,
                before_publish=self.epoch.verify_if_reconnected,
            )
            self.relays.append(relay)
            self._tasks.append(asyncio.create_task(relay.run(), name=f"{self.name}-{table.name}"))
        for consumer in self.consumers:
            self._tasks.append(asyncio.create_task(consumer.run(), name=consumer.name))
        self._tasks.append(asyncio.create_task(self._housekeeping(), name=f"{self.name}-house"))

    async def _create_topics(self) -> None:
        await ensure_topics(
            self.settings.kafka_bootstrap_servers,
            self._topics,
            self.settings.kafka_topic_partitions,
            self.settings.kafka_replication_factor,
        )

    async def _epoch_changed(self, change: EpochChange) -> None:
        """A broker that may have lost messages: consumers start again from the
        beginning of the new logs; relays wake for what was marked to send again."""
        for consumer in self.consumers:
            consumer.restart(from_beginning=True)
        for relay in self.relays:
            relay.wake()

    async def _housekeeping(self) -> None:
        """Watch the broker's epoch; forget inbox ids older than anything we re-publish."""
        keep_s = max(r for _, r in self._relay_tables) if self._relay_tables else 0
        keep_s = max(keep_s, self.settings.outbox_retention_s) + 86_400
        loop = asyncio.get_running_loop()
        pruned_at = 0.0
        while not self._housekeeping_stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._housekeeping_stop.wait(), timeout=self.settings.broker_epoch_check_s
                )
                return
            try:
                await self.epoch.verify()
                if loop.time() - pruned_at > 600:
                    async with self.sessions() as session, session.begin():
                        await inbox.prune(session, keep_s)
                    pruned_at = loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # broker or database away: look again next round
                log.info("housekeeping_retry", error=str(exc)[:200])

    async def _retry(
        self, what: str, action: Callable[[], Awaitable[Any]], *, forever: bool = False
    ) -> None:
        delay, waited = 0.2, 0.0
        while True:
            try:
                await action()
                return
            except Exception as exc:
                if not forever and (waited > 60 or not is_infrastructure(exc)):
                    raise
                log.warning("startup_retry", step=what, error=str(exc)[:200], delay_s=delay)
                await asyncio.sleep(delay)
                waited += delay
                delay = min(delay * 2, 5.0)

    async def stop(self, timeout_s: float = 20.0) -> None:
        for consumer in self.consumers:
            consumer.request_stop()
        self._housekeeping_stop.set()
        for hook in self._stop_hooks:
            hook()
        consumer_tasks = [
            t for t in self._tasks if t.get_name() in {c.name for c in self.consumers}
        ]
        if consumer_tasks:
            await asyncio.wait(consumer_tasks, timeout=timeout_s)
        for relay in self.relays:
            relay.stop()
        done, pending = (
            await asyncio.wait(self._tasks, timeout=5.0) if self._tasks else (set(), set())
        )
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(BaseException):
                await task
        if self.producer_started:
            with contextlib.suppress(Exception):
                await self.producer.stop()
        await self.engine.dispose()
        log.info("service_stopped", service=self.name)

    # -- readiness -----------------------------------------------------------
    async def readiness(self) -> dict[str, str]:
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(ping(self.engine), timeout=2.0)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}"
        checks["broker"] = await self._broker_check()
        for dep, state in checks.items():
            DEPENDENCY_UP.labels(self.name, dep).set(1 if state == "ok" else 0)
        return checks

    async def _broker_check(self) -> str:
        if not self.producer_started:
            return "unreachable: not connected yet"
        client = self.producer.client
        try:
            node_ids = [b.nodeId for b in client.cluster.brokers()] or ["bootstrap"]
            ok = await asyncio.wait_for(client.ready(node_ids[0]), timeout=2.0)
        except Exception as exc:
            return f"unreachable: {type(exc).__name__}"
        return "ok" if ok else "unreachable: broker connection refused"
