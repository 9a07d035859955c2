"""Failure classification for the consume loop.

Infrastructure errors (database or broker unreachable) and concurrency
conflicts (deadlock, serialization failure: the same work succeeds when run
again) are retried for as long as it takes and never dead-letter a message:
the message is fine, the moment was not. Anything else is retried a bounded
number of times, then dead-lettered.
"""

from __future__ import annotations

import asyncpg
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

_INFRA = (
    ConnectionError,
    TimeoutError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.CannotConnectNowError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.AdminShutdownError,
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    KafkaConnectionError,
    KafkaTimeoutError,
    NodeNotReadyError,
    InterfaceError,
    OperationalError,
)


def is_infrastructure(exc: BaseException) -> bool:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, _INFRA):
            return True
        current = current.__cause__ or current.__context__
    return False
