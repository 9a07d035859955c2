"""Hypothesis on the inbound parsers, in process: ``parse_batch`` and the ChurnZero /
Gainsight mappers take any decoded JSON value and answer per item (an event, or a
rejection naming the field), never raise; what they accept encodes for the broker.
The webhook and SOAP parsers take any bytes and raise only their own parse error."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.crm_sync.domain.soap import SoapParseError, parse_outbound_message
from services.crm_sync.domain.webhook import WebhookParseError, parse_webhook
from services.signal_ingest.domain.mapping_config import load_mapping
from services.signal_ingest.domain.vendor_mapping import map_churnzero, map_gainsight
from services.signal_ingest.ingest.journal import envelope_bytes
from services.signal_ingest.settings import SignalIngestSettings
from shared.messages.inbound import parse_batch, parse_event
from tests.security.strategies import (
    churnzero_body,
    events_body,
    gainsight_body,
    json_values,
    to_json,
    webhook_body,
)
from tests.security.support import LONG_RUN, count, max_examples

FIELDS = SignalIngestSettings.model_fields
CZ = load_mapping(FIELDS["churnzero_mapping_path"].default)
GS = load_mapping(FIELDS["gainsight_mapping_path"].default)
RECEIVED = datetime(2026, 11, 3, 8, tzinfo=UTC)
FUZZ = settings(
    max_examples=max_examples(400),
    deadline=None,
    database=None,
    derandomize=not LONG_RUN,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _tally(suite: str, check: Any, payload: Any) -> None:
    try:
        check(payload)
    except BaseException as exc:
        count(suite, False, f"{type(exc).__name__}: {exc}"[:300])
        raise
    count(suite)


def _check_batch(payload: Any) -> None:
    accepted, rejected = parse_batch(payload)
    indexes = [i for i, _ in accepted] + [r.index for r in rejected]
    assert len(indexes) == len(set(indexes)), "one answer per item"
    for _, event in accepted:
        orjson.loads(envelope_bytes(event))  # what is accepted goes to the broker as is
    for rejection in rejected:
        assert rejection.error and ":" in rejection.error, "a reason naming the field"


@FUZZ
@given(events_body)
def test_parse_batch_answers_every_json_value(payload: Any) -> None:
    _tally("hypothesis parse_batch", _check_batch, payload)


def _check_mapped(items: list[Any]) -> None:
    for item in items:
        assert (item.event is None) != (item.error is None)
        if item.event is not None:
            orjson.loads(envelope_bytes(parse_event(item.event)))
        else:
            assert isinstance(item.error, str) and item.error


@FUZZ
@given(churnzero_body)
def test_churnzero_mapping_answers_every_json_value(payload: Any) -> None:
    _tally(
        "hypothesis churnzero mapping",
        lambda p: _check_mapped(map_churnzero(p, CZ, RECEIVED)),
        payload,
    )


@FUZZ
@given(gainsight_body)
def test_gainsight_mapping_answers_every_json_value(payload: Any) -> None:
    _tally(
        "hypothesis gainsight mapping",
        lambda p: _check_mapped(map_gainsight(p, GS, RECEIVED)),
        payload,
    )


def _webhook(body: bytes) -> None:
    try:
        parse_webhook(body)
    except WebhookParseError as exc:
        assert exc.reason


@FUZZ
@given(st.one_of(webhook_body.map(to_json), st.binary(max_size=512)))
def test_webhook_parser_raises_only_its_own_error(body: bytes) -> None:
    _tally("hypothesis webhook parser", _webhook, body)


def _soap(body: bytes) -> None:
    try:
        parse_outbound_message(body)
    except SoapParseError as exc:
        assert exc.reason


xml_like = st.lists(
    st.sampled_from(
        [
            "<",
            ">",
            "</",
            "/>",
            "<!DOCTYPE x [",
            "<!ENTITY e 'v'>",
            "]>",
            "&e;",
            "&#0;",
            "&#x10FFFF;",
            "<?xml version='1.0'?>",
            "<soapenv:Envelope xmlns:soapenv='http://schemas.xmlsoap.org/soap/envelope/'>",
            "<soapenv:Body>",
            "<notifications xmlns='http://soap.sforce.com/2005/09/outbound'>",
            "<Notification>",
            "<Id>",
            "<![CDATA[",
            "]]>",
            "\x00",
            "\xff",
            "x",
            '"',
        ]
    ),
    max_size=30,
).map(lambda parts: "".join(parts).encode("utf-8", "surrogatepass"))


@FUZZ
@given(st.one_of(st.binary(max_size=1024), xml_like, json_values.map(to_json)))
def test_soap_parser_raises_only_its_own_error(body: bytes) -> None:
    _tally("hypothesis soap parser", _soap, body)
