"""In-memory records with value indexes and transactions.

Every write validates completely (``validation.Validator``) before it
mutates, so a failed record leaves nothing behind; an undo log per
transaction gives allOrNone and Composite rollback. Indexes cover Id (the
dict key) and every external-id or unique field, which is what upserts and
the common SOQL filters hit.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from emulators.salesforce.errors import SfError, entity_deleted, not_found
from emulators.salesforce.ids import IdFactory, to18
from emulators.salesforce.schema import FieldDef, ObjectDef
from emulators.salesforce.validation import Validator
from emulators.salesforce.values import now_string

Record = dict[str, Any]
DIRECTORY_OBJECTS = frozenset({"User", "Organization"})


@dataclass
class Transaction:
    undo: list[tuple[str, str, Record | None]] = field(default_factory=list)
    changed: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Scope:
    """One (possibly nested) transaction scope; rollback undoes only this scope."""

    mark: int
    changed_mark: int
    rolled_back: bool = False

    def rollback(self) -> None:
        self.rolled_back = True


def index_key(value: Any, fdef: FieldDef) -> str:
    text = str(value)
    return text if fdef.case_sensitive else text.lower()


class Store:
    def __init__(
        self,
        schema: dict[str, ObjectDef],
        ids: IdFactory,
        enforce_validation_rules: bool = True,
        clock: Callable[[], str] = now_string,
    ) -> None:
        self.schema = schema
        self.ids = ids
        self.clock = clock
        self.live: dict[str, dict[str, Record]] = {name: {} for name in schema}
        self.deleted: dict[str, dict[str, Record]] = {name: {} for name in schema}
        self._index: dict[tuple[str, str], dict[str, set[str]]] = defaultdict(dict)
        self._tx: Transaction | None = None
        self.on_commit: Callable[[list[tuple[str, str]]], None] | None = None
        self.validator = Validator(self, enforce_validation_rules)

    def object(self, sobject: str) -> ObjectDef:
        for name, obj in self.schema.items():
            if name.lower() == sobject.lower():
                return obj
        raise SfError("NOT_FOUND", f"The requested resource does not exist: {sobject}", 404)

    def reset(self) -> None:
        """Wipe business records; the org's users and its Organization row stay."""
        for name in self.schema:
            if name in DIRECTORY_OBJECTS:
                continue
            self.live[name].clear()
            self.deleted[name].clear()
            for key in [k for k in self._index if k[0] == name]:
                del self._index[key]

    # -- transactions -------------------------------------------------------

    @contextmanager
    def transaction(self) -> Iterator[Scope]:
        """A scope that commits at exit; nested scopes act as savepoints."""
        outer = self._tx is None
        if self._tx is None:
            self._tx = Transaction()
        tx = self._tx
        scope = Scope(len(tx.undo), len(tx.changed))
        try:
            yield scope
        except BaseException:
            self._undo(tx, scope)
            if outer:
                self._tx = None
            raise
        if scope.rolled_back:
            self._undo(tx, scope)
        if outer:
            self._tx = None
            if tx.changed and self.on_commit is not None:
                self.on_commit(tx.changed)

    def _undo(self, tx: Transaction, scope: Scope) -> None:
        while len(tx.undo) > scope.mark:
            sobject, record_id, prior = tx.undo.pop()
            # A delete left a tombstone; an update or create left a live record.
            current = self.live[sobject].pop(record_id, None) or self.deleted[sobject].pop(
                record_id, None
            )
            if current is not None:
                self._unindex(sobject, current)
            if prior is not None:
                self.live[sobject][record_id] = prior
                self._add_index(sobject, prior)
        del tx.changed[scope.changed_mark :]

    def _log(self, sobject: str, record_id: str, prior: Record | None) -> None:
        tx = self._tx
        if tx is not None:
            tx.undo.append((sobject, record_id, prior))
            if record_id in self.live[sobject]:
                tx.changed.append((sobject, record_id))

    # -- indexes ------------------------------------------------------------

    def _add_index(self, sobject: str, record: Record) -> None:
        for fdef in self.schema[sobject].indexed_fields:
            value = record.get(fdef.name)
            if value is not None:
                idx = self._index[(sobject, fdef.name)]
                idx.setdefault(index_key(value, fdef), set()).add(record["Id"])

    def _unindex(self, sobject: str, record: Record) -> None:
        for fdef in self.schema[sobject].indexed_fields:
            value = record.get(fdef.name)
            if value is not None:
                ids = self._index[(sobject, fdef.name)].get(index_key(value, fdef))
                if ids is not None:
                    ids.discard(record["Id"])

    def find(self, sobject: str, fdef: FieldDef, value: Any) -> list[str]:
        """Live record ids whose ``fdef`` equals ``value`` (index or scan)."""
        if fdef.name == "Id":
            rid = to18(str(value))
            return [rid] if rid in self.live[sobject] else []
        if fdef.indexed:
            key = index_key(value, fdef)
            return sorted(self._index[(sobject, fdef.name)].get(key, ()))
        return [rid for rid, rec in self.live[sobject].items() if rec.get(fdef.name) == value]

    # -- reads --------------------------------------------------------------

    def get(self, sobject: str, record_id: str) -> Record:
        rid = to18(record_id)
        record = self.live[sobject].get(rid)
        if record is not None:
            return record
        if rid in self.deleted[sobject]:
            raise entity_deleted()
        raise not_found()

    # -- writes -------------------------------------------------------------

    def create(self, sobject: str, body: dict[str, Any], user_id: str) -> str:
        obj = self.schema[sobject]
        values = self.validator.prepare(obj, body, creating=True)
        for fdef in obj.fields.values():
            if fdef.name not in values and fdef.default_value is not None:
                values[fdef.name] = fdef.default_value
        missing = [
            f.name
            for f in obj.fields.values()
            if f.required_on_create and values.get(f.name) is None
        ]
        if missing:
            raise SfError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(missing)}]",
                400,
                missing,
            )
        now = self.clock()
        record_id = self.ids.new(obj.key_prefix)
        record: Record = {"Id": record_id, "IsDeleted": False, "OwnerId": user_id}
        record.update(values)
        record.update(
            CreatedDate=now,
            CreatedById=user_id,
            LastModifiedDate=now,
            LastModifiedById=user_id,
            SystemModstamp=now,
        )
        self.validator.derive(sobject, record, body_values=values)
        self.validator.check(obj, record, None)
        self.live[sobject][record_id] = record
        self._add_index(sobject, record)
        self._log(sobject, record_id, None)
        return record_id

    def update(self, sobject: str, record_id: str, body: dict[str, Any], user_id: str) -> None:
        obj = self.schema[sobject]
        prior = self.get(sobject, record_id)
        values = self.validator.prepare(obj, body, creating=False)
        cleared = [f for f, v in values.items() if v is None and not obj.fields[f].nillable]
        if cleared:
            raise SfError(
                "REQUIRED_FIELD_MISSING",
                f"Required fields are missing: [{', '.join(cleared)}]",
                400,
                cleared,
            )
        record = dict(prior)
        record.update(values)
        now = self.clock()
        record.update(LastModifiedDate=now, LastModifiedById=user_id, SystemModstamp=now)
        self.validator.derive(sobject, record, body_values=values)
        self.validator.check(obj, record, prior)
        self._unindex(sobject, prior)
        self.live[sobject][prior["Id"]] = record
        self._add_index(sobject, record)
        self._log(sobject, prior["Id"], prior)

    def delete(self, sobject: str, record_id: str) -> None:
        prior = self.get(sobject, record_id)
        rid = prior["Id"]
        self._unindex(sobject, prior)
        del self.live[sobject][rid]
        self.deleted[sobject][rid] = {**prior, "IsDeleted": True}
        self._log(sobject, rid, prior)
