"""The one message envelope on every topic, and the schema registry behind it.

Every Kafka value is an orjson-encoded ``Envelope``. Payloads are validated
against the model registered for ``(type, schema_version)``; older versions are
upcast step by step (eventsourcing's ``class_version`` idea) so consumers only
ever see the current shape.

Decoding is on every consumer's hot path, so the registry first tries one
tagged union of "wire" models (the header fields plus the typed payload, one
per registered type at its current version) straight from the bytes: parsing
and validation happen in one pass inside pydantic-core. Whatever does not fit
(an older version to upcast, a type without a model, invalid input) takes the
general path, which upcasts or says precisely what is wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, Union

import orjson
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
)

Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class Header(BaseModel):
    """The envelope without its payload: what consumers read about a message."""

    model_config = ConfigDict(frozen=True)

    id: str = Field(min_length=1, max_length=300)
    type: str = Field(min_length=1, max_length=100)
    schema_version: int = Field(default=1, ge=1)
    account_id: str = Field(min_length=1, max_length=64)
    occurred_at: datetime
    source: str | None = None

    @field_validator("occurred_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("occurred_at needs a timezone")
        return value.astimezone(UTC)

    @property
    def key(self) -> bytes:
        return self.account_id.encode()


class Envelope(Header):
    payload: dict[str, Any] = Field(default_factory=dict)

    def encode(self) -> bytes:
        return orjson.dumps(self.model_dump(mode="json"))


class DecodeError(ValueError):
    """The bytes are not a valid envelope or the payload fails its schema."""


class SchemaRegistry:
    """Maps message types to their current payload model and upcasters."""

    def __init__(self) -> None:
        self._models: dict[str, tuple[int, type[BaseModel] | None]] = {}
        self._upcasters: dict[tuple[str, int], Upcaster] = {}
        self._wire: TypeAdapter[Any] | None = None
        self._wire_stale = True

    def register(
        self,
        type_: str,
        model: type[BaseModel] | None,
        *,
        version: int = 1,
        upcasters: dict[int, Upcaster] | None = None,
    ) -> None:
        """``upcasters[n]`` turns a version-n payload into version n+1."""
        self._models[type_] = (version, model)
        for from_version, fn in (upcasters or {}).items():
            self._upcasters[(type_, from_version)] = fn
        self._wire_stale = True

    def knows(self, type_: str) -> bool:
        return type_ in self._models

    def decode(self, raw: bytes | None) -> tuple[Header, BaseModel | None]:
        """The message's header and its validated payload (``None`` for a type
        registered without a model). Raises ``DecodeError``."""
        if raw is None:
            raise DecodeError("empty message value")
        if self._wire_stale:
            self._wire, self._wire_stale = _wire_adapter(self._models), False
        if self._wire is not None:
            try:
                wire = self._wire.validate_json(raw)
            except ValueError:  # ValidationError, or bytes that are not UTF-8
                pass
            else:
                return wire, wire.payload
        return self._decode_general(raw)

    def _decode_general(self, raw: bytes) -> tuple[Header, BaseModel | None]:
        try:
            envelope = Envelope.model_validate(orjson.loads(raw))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            raise DecodeError(f"not an envelope: {_short(exc)}") from exc
        if envelope.type not in self._models:
            raise DecodeError(f"unknown message type {envelope.type!r}")
        current, model = self._models[envelope.type]
        if envelope.schema_version > current:
            raise DecodeError(
                f"{envelope.type} v{envelope.schema_version} is newer than v{current}"
            )
        payload = envelope.payload
        for version in range(envelope.schema_version, current):
            upcast = self._upcasters.get((envelope.type, version))
            if upcast is None:
                raise DecodeError(f"no upcaster for {envelope.type} v{version}")
            payload = upcast(payload)
        if payload is not envelope.payload:
            envelope = envelope.model_copy(update={"payload": payload, "schema_version": current})
        if model is None:
            return envelope, None
        try:
            return envelope, model.model_validate(payload)
        except ValidationError as exc:
            raise DecodeError(f"invalid {envelope.type} payload: {_short(exc)}") from exc


def _wire_adapter(models: dict[str, tuple[int, type[BaseModel] | None]]) -> TypeAdapter[Any] | None:
    """One union, tagged by ``type``, of header + typed payload per registered type
    at its current version (a missing ``schema_version`` means 1, as on ``Header``)."""
    wires: list[type[Header]] = []
    for type_, (version, model) in models.items():
        if model is None:
            continue
        type_field: Any = (Literal[type_], ...)
        version_field: Any = (Literal[version], 1 if version == 1 else ...)
        wires.append(
            create_model(
                f"Wire[{type_}]",
                __base__=Header,
                type=type_field,
                schema_version=version_field,
                payload=(model, ...),
            )
        )
    if not wires:
        return None
    if len(wires) == 1:
        return TypeAdapter(wires[0])
    union: Any = Annotated[Union[tuple(wires)], Field(discriminator="type")]  # noqa: UP007
    return TypeAdapter(union)


def _short(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        first = exc.errors()[0]
        loc = ".".join(str(part) for part in first["loc"]) or "(root)"
        return f"{loc}: {first['msg']}"
    return str(exc)[:200]
