"""In-process cache of decoded account records (state + live signals).

Decoding a state costs far more than checking that it is still current, so
the batch SELECT sends the cached ``(version, xmin)`` of each account and the
database returns the state bytes only where they differ. ``xmin`` (the id of
the transaction that wrote the row) makes the check exact even when a write
of ours never committed and another process later wrote the same version.

Entries are *taken* for a batch (``take``) and given back only after the
batch wrote them (``put``): a batch that fails half-way leaves no mutated
state behind. Whoever changes an account's signals must also write its
``account_state`` row, so its ``xmin`` moves and cached signals are dropped.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.signal_ingest.ports import AccountRecord


@dataclass(slots=True)
class CachedRecord:
    version: int
    xmin: int
    record: AccountRecord


class StateCache:
    def __init__(self, max_entries: int = 50_000) -> None:
        self._max = max_entries
        self._entries: dict[str, CachedRecord] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, account_id: str) -> CachedRecord | None:
        return self._entries.get(account_id)

    def take(self, account_id: str) -> CachedRecord | None:
        return self._entries.pop(account_id, None)

    def put(self, account_id: str, version: int, xmin: int, record: AccountRecord) -> None:
        if self._max <= 0:
            return
        self._entries.pop(account_id, None)  # re-insert at the young end
        self._entries[account_id] = CachedRecord(version, xmin, record)
        while len(self._entries) > self._max:
            del self._entries[next(iter(self._entries))]

    def clear(self) -> None:
        self._entries.clear()
