"""The CloudEvents Kafka binary binding, ownership tags and redaction by marking."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts import (
    AppointmentPlanned,
    CanonicalEvent,
    Classification,
    InvalidEnvelope,
    OrderAccepted,
    TenantContact,
    UnknownFactType,
    redact,
)

AT = datetime(2026, 11, 26, 7, 2, 11, tzinfo=UTC)


def appointment() -> AppointmentPlanned:
    return AppointmentPlanned(
        order_number="WL-2026-004711",
        occurred_at=AT,
        starts_at=AT,
        ends_at=AT,
        mechanic="Jeroen Habets",
        tenant=TenantContact(name="mevr. L. Crombach", phone="06-12345678"),
    )


def test_binary_binding_headers_and_round_trip() -> None:
    event = CanonicalEvent.create(
        appointment(), partner="maasdal", channel="webhook", partner_message_id="MD-1",
        traceparent="00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
    )  # fmt: skip
    record = event.to_kafka()
    headers = dict(record.headers)
    assert record.key == b"WL-2026-004711"
    assert headers["content-type"] == b"application/json"
    assert headers["ce_specversion"] == b"1.0"
    assert headers["ce_type"] == b"nl.ketenbus.order.appointment-planned.v1"
    assert headers["ce_source"] == b"/partners/maasdal/webhook"
    assert headers["ce_subject"] == b"WL-2026-004711"
    assert headers["ce_time"] == b"2026-11-26T07:02:11Z"
    assert headers["ce_owner"] == b"corporation"
    assert headers["ce_producer"] == b"maasdal"
    assert headers["ce_classification"] == b"personal"
    assert headers["ce_purpose"] == b"order-execution"
    assert headers["ce_retention"] == b"P7Y"
    assert headers["ce_traceparent"].startswith(b"00-0af7")
    assert CanonicalEvent.from_kafka(record.value, record.headers) == event


def test_classification_follows_the_fields_that_hold_a_value() -> None:
    bare = OrderAccepted(order_number="WL-2026-004711", occurred_at=AT)
    event = CanonicalEvent.create(
        bare, partner="maasdal", channel="webhook", partner_message_id="x"
    )
    assert event.ownership.classification is Classification.INTERNAL


def test_redaction_removes_marked_fields_at_every_depth() -> None:
    data = redact(appointment(), Classification.INTERNAL)
    assert "mechanic" not in data
    assert "note" not in data
    assert data["tenant"] == {}
    assert data["order_number"] == "WL-2026-004711"
    assert redact(appointment(), Classification.PERSONAL)["tenant"]["name"] == "mevr. L. Crombach"


def test_unknown_type_and_missing_headers_are_typed_errors() -> None:
    record = CanonicalEvent.create(
        appointment(), partner="maasdal", channel="webhook", partner_message_id="MD-1"
    ).to_kafka()
    wrong_type = tuple(
        (k, b"nl.ketenbus.order.teleported.v1" if k == "ce_type" else v) for k, v in record.headers
    )
    with pytest.raises(UnknownFactType):
        CanonicalEvent.from_kafka(record.value, wrong_type)
    without_id = tuple((k, v) for k, v in record.headers if k != "ce_id")
    with pytest.raises(InvalidEnvelope, match="missing CloudEvents headers: id"):
        CanonicalEvent.from_kafka(record.value, without_id)


def test_invalid_data_error_names_fields_not_values() -> None:
    record = CanonicalEvent.create(
        appointment(), partner="maasdal", channel="webhook", partner_message_id="MD-1"
    ).to_kafka()
    bad = record.value.replace(b'"WL-2026-004711"', b'"mevr. L. Crombach"', 1)
    with pytest.raises(InvalidEnvelope) as raised:
        CanonicalEvent.from_kafka(bad, record.headers)
    assert "order_number" in str(raised.value)
    assert "Crombach" not in str(raised.value)


def test_classifications_compare_by_sensitivity_not_by_name() -> None:
    internal, personal, special = (
        Classification.INTERNAL,
        Classification.PERSONAL,
        Classification.SPECIAL_CATEGORY,
    )
    # As strings "personal" > "internal" but also "personal" > "special-category".
    assert internal < personal < special
    assert special > personal > internal
    assert special >= special
    assert not special <= personal
    assert sorted([special, internal, personal]) == [internal, personal, special]
    assert max([personal, special, internal]) is special
