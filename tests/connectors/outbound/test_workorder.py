"""A VERA work order becomes exactly the expected order.assigned fact, or a typed error."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.errors import InvalidMessage, TranslationError, UnreadableMessage
from connectors.outbound import workorder_event
from contracts import Address, Classification, OrderAssigned, TenantContact, event_id
from contracts.schema import committed_schema
from contracts.workorder import EXAMPLE_WORKORDER
from devkit.reference_backoffice._spec import _load_document
from devkit.reference_backoffice._validation import BodyValidator
from tests.connectors.outbound.samples import PARTNERS, to_bytes, workorder, workorder_json


def event_of(document: dict):
    return workorder_event(to_bytes(document), partners=PARTNERS)


def test_the_maasdal_sample_is_exactly_this_fact() -> None:
    event = workorder_event(workorder("WL-2026-004800"), partners=PARTNERS)
    assert event.data == OrderAssigned(
        order_number="WL-2026-004800",
        occurred_at=datetime(2026, 11, 30, 8, 15, tzinfo=UTC),
        partner="maasdal",
        kind="REP",
        description="CV-ketel geeft storing F28, geen warm water",
        deadline=datetime(2026, 12, 4, 22, 59, 59, tzinfo=UTC),
        address=Address(postcode="6211 AB", house_number="12", addition="A", city="Maastricht"),
        unit_code="VHE-10234",
        contact=TenantContact(name="P. van Dijk", phone="06-12345678"),
        nlsfb_element="56.11",
    )
    assert event.id == event_id("onderhoud", "WL-2026-004800", 0)
    assert event.type == "nl.ketenbus.order.assigned.v1"
    assert event.source == "/corporation/onderhoud/workorders"
    assert event.ownership.producer == "onderhoud"
    assert event.ownership.classification is Classification.PERSONAL
    assert event.to_kafka().key == b"WL-2026-004800"


def test_the_heuvelland_sample_takes_the_aanschrijfnaam_and_the_toevoeging() -> None:
    fact = workorder_event(workorder("WL-2026-004801"), partners=PARTNERS).data
    assert (fact.partner, fact.kind) == ("heuvelland", "MUT")
    assert fact.address == Address(
        postcode="6221 CD", house_number="7", addition="bis", city="Maastricht"
    )
    assert fact.contact == TenantContact(name="Fam. Janssen-Öztürk", phone="043-3210987")
    assert fact.nlsfb_element == "31.2"


@pytest.mark.parametrize("name", ["WL-2026-004800", "WL-2026-004801"])
def test_the_samples_are_valid_vera_onderhoudsorder_berichten(vera_specs, name) -> None:
    # Loaded as the reference back office loads it: the spec's ``oneOf`` of an address
    # and its own base schema can never hold exactly once, so it is read as ``anyOf``.
    components = _load_document(vera_specs / "OHD.yaml")["components"]
    validator = BodyValidator(
        {"$ref": "#/components/schemas/Onderhoudsorders-Onderhoudsorderbericht"}, components
    )
    assert validator.validate(workorder_json(name)) == []


@pytest.mark.parametrize("name", ["WL-2026-004800", "WL-2026-004801"])
def test_the_samples_hold_to_the_published_workorder_schema(name) -> None:
    validator = jsonschema.Draft202012Validator
    schema = committed_schema("workorder")
    validator(schema, format_checker=validator.FORMAT_CHECKER).validate(workorder_json(name))


def test_the_schema_example_is_a_vera_bericht_ketenbus_hands_out(vera_specs) -> None:
    components = _load_document(vera_specs / "OHD.yaml")["components"]
    validator = BodyValidator(
        {"$ref": "#/components/schemas/Onderhoudsorders-Onderhoudsorderbericht"}, components
    )
    assert validator.validate(EXAMPLE_WORKORDER) == []
    assert event_of(EXAMPLE_WORKORDER).data.partner == "maasdal"


def test_the_same_work_order_twice_is_the_same_event() -> None:
    again = workorder_json("WL-2026-004800")
    again["omschrijving"] += " (opnieuw verstuurd)"
    assert event_of(again).id == workorder_event(workorder("WL-2026-004800"), partners=PARTNERS).id


def test_no_contact_and_no_element_are_fine() -> None:
    document = workorder_json("WL-2026-004800")
    document["relaties"] = document["relaties"][:1]
    document["defecten"] = [{"eenheid": {"code": "VHE-1"}}]
    fact = event_of(document).data
    assert (fact.contact, fact.nlsfb_element, fact.unit_code) == (None, None, "VHE-1")


def change(path: str, value) -> dict:
    """The Maasdal sample with one field set (``...`` removes it)."""
    document = copy.deepcopy(workorder_json("WL-2026-004800"))
    *parents, last = path.split(".")
    target = document
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if value is ...:
        del target[last]
    else:
        target[last] = value
    return document


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("id", "4800", "id"),
        ("id", ..., "id"),
        ("onderhoudSoort.code", "PLN", "onderhoudSoort.code"),
        ("omschrijving", "", "omschrijving"),
        ("uitersteGereeddatum", "2026-12-04T23:59:59", "uitersteGereeddatum"),
        ("opdrachtdatum", ..., "opdrachtdatum"),
        ("relaties.0.code", "bouwbedrijf-x", "relaties[OPN].code"),
        ("relaties.0.rollen", [], "relaties"),
        ("afspraken", [], "afspraken[].locatie"),
        ("afspraken.0.locatie.postcode", ..., "afspraken[].locatie.postcode"),
        ("afspraken.0.locatie.woonplaats", ..., "afspraken[].locatie.woonplaats.naam"),
        ("defecten", [], "defecten[].eenheid.code"),
        ("defecten.0.bouwkundigElement.code", "kozijn", "defecten[].bouwkundigElement.code"),
    ],
)
def test_a_bad_work_order_is_a_typed_error_naming_the_vera_field(path, value, field) -> None:
    with pytest.raises(InvalidMessage) as caught:
        event_of(change(path, value))
    assert caught.value.reason.startswith(f"{field}:")
    assert "Dijk" not in caught.value.reason
    assert "6211" not in caught.value.reason


def test_the_message_id_of_a_bad_work_order_is_its_vera_id() -> None:
    with pytest.raises(InvalidMessage) as caught:
        event_of(change("onderhoudSoort.code", "PLN"))
    assert caught.value.message_id == "WL-2026-004800"


@pytest.mark.parametrize("body", [b"", b"{", b"[]", b"\xff", b"[" * 100_000])
def test_what_is_not_a_json_object_is_unreadable(body: bytes) -> None:
    with pytest.raises(UnreadableMessage):
        workorder_event(body, partners=PARTNERS)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=10,
)
FIELDS = sorted(workorder_json("WL-2026-004800"))


@given(st.sampled_from(FIELDS), json_values)
@settings(max_examples=200, deadline=None)
def test_near_valid_work_orders_give_an_event_or_a_typed_error(field, value) -> None:
    document = {**workorder_json("WL-2026-004800"), field: value}
    try:
        event = workorder_event(json.dumps(document).encode(), partners=PARTNERS)
    except TranslationError:
        return
    assert event.data.order_number == "WL-2026-004800"
