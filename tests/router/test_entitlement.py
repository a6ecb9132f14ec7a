"""Entitlement from the contract's tags and markings, and the start-up refusals."""

from __future__ import annotations

import pytest

from contracts import (
    Classification,
    OrderAccepted,
    OrderRefused,
    Purpose,
    SignalCategory,
    SocialSignalRaised,
)
from router.destination import Withheld
from router.destinations.financien.plugin import CEILING as FINANCIEN_CEILING
from router.destinations.onderhoud.plugin import CEILING as ONDERHOUD_CEILING
from router.entitlement import ConfigurationError, Entitlement, check_configuration, view
from router.registry import DESTINATIONS
from tests.router.kit import API_KEYS, PSEUDONYM_KEY, at, wrap
from tests.router.samples import NOTE, ORDER, TENANT, invoice

SIGNAL = SocialSignalRaised(
    order_number=ORDER, occurred_at=at(0), category=SignalCategory.VERWAARLOZING,
    signal_note="Zorgen om de gezondheid van de bewoner", urgent=True,
)  # fmt: skip


def test_fields_above_the_classification_are_removed_from_the_view() -> None:
    event = wrap(invoice(), "MD-F-1")
    assert event.ownership.classification is Classification.PERSONAL
    seen = view(event, FINANCIEN_CEILING)
    assert not isinstance(seen, Withheld)
    assert seen.data.note is None
    assert seen.data.tenant is not None
    assert (seen.data.tenant.name, seen.data.tenant.phone) == (None, None)
    assert seen.ownership.classification is Classification.INTERNAL
    assert seen.data.lines == event.data.lines  # what it may see is untouched


def test_a_destination_entitled_to_personal_data_keeps_the_note() -> None:
    seen = view(wrap(OrderRefused(order_number=ORDER, occurred_at=at(0), note=NOTE,
                                  tenant=TENANT), "MD-2"), ONDERHOUD_CEILING)  # fmt: skip
    assert not isinstance(seen, Withheld)
    assert seen.data.note == NOTE


def test_a_fact_it_may_see_whole_is_its_own_view() -> None:
    event = wrap(OrderRefused(order_number=ORDER, occurred_at=at(0), note=NOTE,
                              tenant=TENANT), "MD-7")  # fmt: skip
    assert view(event, ONDERHOUD_CEILING) is event


def test_a_classification_tag_below_the_fields_is_corrected_in_the_view() -> None:
    event = wrap(OrderRefused(order_number=ORDER, occurred_at=at(0), note=NOTE,
                              tenant=TENANT), "MD-8")  # fmt: skip
    assert event.ownership.classification is Classification.PERSONAL
    understated = event.ownership.model_copy(update={"classification": Classification.INTERNAL})
    seen = view(event.model_copy(update={"ownership": understated}), ONDERHOUD_CEILING)
    assert not isinstance(seen, Withheld)
    assert seen.ownership.classification is Classification.PERSONAL
    assert seen.data == event.data


def test_a_fact_of_another_purpose_is_withheld() -> None:
    assert view(wrap(SIGNAL, "MD-3"), ONDERHOUD_CEILING) == Withheld(
        "purpose social-care not entitled"
    )
    assert isinstance(view(wrap(invoice(), "MD-4"), ONDERHOUD_CEILING), Withheld)


def test_a_mis_tagged_purpose_does_not_open_a_door() -> None:
    event = wrap(SIGNAL, "MD-5")
    mistagged = event.ownership.model_copy(update={"purpose": Purpose.ORDER_EXECUTION})
    tagged = event.model_copy(update={"ownership": mistagged})
    assert view(tagged, ONDERHOUD_CEILING) == Withheld(
        "ce_purpose order-execution does not match order.social-signal-raised"
    )
    accepted = wrap(OrderAccepted(order_number=ORDER, occurred_at=at(0)), "MD-6")
    social = accepted.model_copy(
        update={"ownership": accepted.ownership.model_copy(update={"purpose": Purpose.SOCIAL_CARE})}
    )
    assert isinstance(view(social, ONDERHOUD_CEILING), Withheld)


def settings_for(destination: str, **entry: object):
    base: dict[str, object] = (
        {"pseudonym_key": PSEUDONYM_KEY}
        if destination == "dwh"
        else {"base_url": "http://127.0.0.1:1/x", "api_key": API_KEYS[destination]}
    )
    return DESTINATIONS[destination].settings(base | entry)


@pytest.mark.parametrize(
    ("destination", "entry", "message"),
    [
        ("onderhoud", {"routes": ["order.accepted", "order.social-signal-raised"]},
         "'order.social-signal-raised' carries social-care data"),
        ("onderhoud", {"entitlement": {"purposes": ["order-execution", "social-care"],
                                       "classification": "special-category"}},
         "purpose 'social-care' is beyond what it may ever receive; entitlement: "
         "classification 'special-category' is beyond 'personal'"),
        ("financien", {"routes": ["order.invoice-submitted", "order.social-signal-raised"]},
         "has no mapping for 'order.social-signal-raised'"),
        ("financien", {"entitlement": {"purposes": ["invoicing"],
                                       "classification": "special-category"}},
         "classification 'special-category' is beyond 'internal'"),
        ("relaties", {"routes": ["order.social-signal-raised", "order.accepted"]},
         "'order.accepted' carries order-execution data"),
        ("relaties", {"entitlement": {"purposes": ["social-care", "order-execution"],
                                      "classification": "special-category"}},
         "purpose 'order-execution' is beyond"),
        ("dwh", {"entitlement": {"purposes": ["order-execution", "social-care"],
                                 "classification": "internal", "free_text": False}},
         "purpose 'social-care' is beyond what it may ever receive"),
        ("dwh", {"entitlement": {"purposes": ["order-execution"], "counted": ["social-care"],
                                 "classification": "personal", "free_text": True}},
         "classification 'personal' is beyond 'internal'"),
        ("dwh", {"routes": ["order.no-such-thing"]}, "unknown fact type 'order.no-such-thing'"),
    ],
)  # fmt: skip
def test_start_up_refuses_a_configuration_beyond_the_ceiling(destination, entry, message) -> None:
    with pytest.raises(ConfigurationError, match=f"^destinations\\.{destination}: .*") as caught:
        settings_for(destination, **entry)
    assert message in str(caught.value)


@pytest.mark.parametrize("destination", sorted(DESTINATIONS))
def test_defaults_are_the_corporation_rules_and_pass(destination) -> None:
    settings = settings_for(destination)
    assert settings.entitlement == DESTINATIONS[destination].ceiling
    assert settings.routes == DESTINATIONS[destination].supported


def test_only_relaties_may_ever_see_special_category_or_social_care_in_full() -> None:
    for plugin in DESTINATIONS.values():
        full = Purpose.SOCIAL_CARE in plugin.ceiling.purposes
        special = plugin.ceiling.classification is Classification.SPECIAL_CATEGORY
        assert (full or special) == (plugin.id == "relaties"), plugin.id


def test_narrowing_is_allowed() -> None:
    narrow = Entitlement(
        purposes=frozenset({Purpose.ORDER_EXECUTION}), classification=Classification.INTERNAL
    )
    check_configuration(
        "onderhoud",
        ceiling=ONDERHOUD_CEILING,
        entitlement=narrow,
        routes=["order.accepted"],
        supported=["order.accepted"],
    )
