"""The one place that builds play_orchestrator's runtime: engine, clients, consumers, loops."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from services.play_orchestrator.adapters.uow import SqlUnitOfWork
from services.play_orchestrator.consumer import (
    ACCOUNT_FACT_TYPES,
    account_events_handler,
    crm_handler,
    register_messages,
    signals_handler,
)
from services.play_orchestrator.domain import Template
from services.play_orchestrator.handlers import OpeningPolicy
from services.play_orchestrator.settings import PlayOrchestratorSettings
from services.play_orchestrator.sweeper import DeadlineSweeper
from shared.kafka.topics import CRM, EVENTS, PLAYS, SIGNALS
from shared.messages.envelope import SchemaRegistry
from shared.runtime import ServiceRuntime

MIGRATIONS = Path(__file__).parent / "migrations"


def build_runtime(settings: PlayOrchestratorSettings) -> ServiceRuntime:
    registry = SchemaRegistry()
    register_messages(registry)
    runtime = ServiceRuntime(
        settings,
        migrations=MIGRATIONS,
        topics=[SIGNALS, EVENTS, PLAYS, CRM],
        registry=registry,
    )
    plays_topic = runtime.topic(PLAYS)

    def uow(session: AsyncSession) -> SqlUnitOfWork:
        return SqlUnitOfWork(session, plays_topic)

    policy = OpeningPolicy(
        template=Template(settings.default_template),
        expected_amount_ratio=settings.expected_amount_ratio,
    )
    name = settings.service_name
    runtime.add_consumer(f"{name}.signals", [SIGNALS], signals_handler(uow, runtime.clock, policy))
    runtime.add_consumer(
        f"{name}.account",
        [EVENTS],
        account_events_handler(uow, runtime.clock),
        types=ACCOUNT_FACT_TYPES,  # usage and tickets are skipped by header, never decoded
    )
    runtime.add_consumer(f"{name}.crm", [CRM], crm_handler(uow, runtime.clock))
    sweeper = DeadlineSweeper(
        runtime.sessions,
        runtime.clock,
        plays_topic,
        interval_s=settings.sweep_interval_s,
        batch=settings.sweep_batch,
    )
    runtime.add_task(f"{name}-sweeper", sweeper.run, on_stop=sweeper.stop)
    return runtime
