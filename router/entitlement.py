"""Which facts a destination may receive, and which of their fields it may see.

Decided from the contract alone, never from per-destination field lists:

* **Purpose.** A fact's purpose is its fact type's (``SocialSignalRaised.purpose`` is
  social-care); the event's ``ce_purpose`` tag must say the same, or the event is
  withheld as mis-tagged. A destination receives the facts of its ``purposes``, and
  the facts of its ``counted`` purposes only as :class:`Counted`: fact type, Dutch
  calendar month and code fields, nothing that points at an order or a person (the
  data warehouse's social signals). Any other fact is *withheld*: never sent,
  committed, and reported (a warning naming event id and fact type, and
  ``stats.outcomes["withheld"]``).
* **Field markings** (``contracts.Personal``, ``SpecialCategory``, free text): the
  destination sees the fact with every field marked above its ``classification``
  removed (``contracts.redact``), and every free-text field removed too when
  ``free_text`` is false (the data warehouse). Its code only ever gets that view, so
  a mapping cannot leak what it was never given.

Each destination also has a *ceiling* in code (its ``plugin.py``): the
corporation's own rules (vera-mapping.md: "the signal never reaches onderhoud,
financien, the data warehouse other than as a count"). Configuration may narrow an
entitlement but never lift it above the ceiling, and may route only fact types it
is entitled to: :func:`check_configuration` refuses anything else at start.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Union, get_args, get_origin

from pydantic import Field, ValidationError

from contracts import AMSTERDAM, FACT_TYPES, CanonicalEvent, Classification, OrderFact, Purpose
from contracts import classify as _classify
from contracts import hides_nothing as _hides_nothing
from contracts import redact as _redact
from contracts.settings import SettingsModel
from router.destination import Withheld


class Entitlement(SettingsModel):
    """What one destination may receive."""

    purposes: frozenset[Purpose] = Field(
        description="Purposes of the facts it receives (order-execution, invoicing, ...)."
    )
    counted: frozenset[Purpose] = Field(
        default=frozenset(),
        description="Purposes of facts it receives only as counts (type, month, codes).",
    )
    classification: Classification = Field(
        description="The most sensitive fields it may see; more sensitive ones are removed."
    )
    free_text: bool = Field(
        default=True, description="Whether it may see free text at all (false: data warehouse)."
    )

    def beyond(self, ceiling: Entitlement) -> list[str]:
        """What in this entitlement goes beyond ``ceiling`` (empty when within)."""
        problems = [
            f"purpose {purpose.value!r} is beyond what it may ever receive"
            for purpose in sorted(self.purposes - ceiling.purposes)
        ]
        problems += [
            f"counted purpose {purpose.value!r} is beyond what it may ever count"
            for purpose in sorted(self.counted - ceiling.counted - ceiling.purposes)
        ]
        if not self.classification <= ceiling.classification:
            problems.append(
                f"classification {self.classification.value!r} is beyond "
                f"{ceiling.classification.value!r}, the most it may ever see"
            )
        if self.free_text and not ceiling.free_text:
            problems.append("free_text = true, but it may never receive free text")
        return problems

    def may_receive(self, fact_type: str) -> bool:
        purpose = FACT_TYPES[fact_type].purpose
        return purpose in self.purposes or purpose in self.counted


@dataclass(frozen=True)
class Redacted:
    """A fact as a destination may see it, as JSON data without the fields it may not see."""

    id: str
    fact_type: str
    producer: str
    data: dict[str, Any]


@dataclass(frozen=True)
class Counted:
    """A fact a destination may only count: no id, no order, no person, no text."""

    fact_type: str
    month: str
    """The Dutch calendar month it happened in, ``2026-11``."""
    codes: dict[str, str]
    """Its code-list fields (``{"category": "VERWAARLOZING"}``)."""


def decide(event: CanonicalEvent, entitlement: Entitlement) -> Redacted | Counted | Withheld:
    """What of ``event`` this destination may have, as data."""
    purpose = type(event.data).purpose
    if event.ownership.purpose != purpose:
        return Withheld(
            f"ce_purpose {event.ownership.purpose.value} does not match {event.fact_type}"
        )
    if purpose in entitlement.purposes:
        data = _redact(event.data, entitlement.classification, free_text=entitlement.free_text)
        return Redacted(event.id, event.fact_type, event.ownership.producer, data)
    if purpose in entitlement.counted:
        month = event.data.occurred_at.astimezone(AMSTERDAM).strftime("%Y-%m")
        return Counted(event.fact_type, month, _codes(event.data))
    return Withheld(f"purpose {purpose.value} not entitled")


def view(event: CanonicalEvent, entitlement: Entitlement) -> CanonicalEvent | Withheld:
    """The event with its fact as this destination may see it, typed (VERA destinations)."""
    fact = event.data
    if (
        event.ownership.purpose == type(fact).purpose
        and type(fact).purpose in entitlement.purposes
        and _hides_nothing(fact, entitlement.classification, free_text=entitlement.free_text)
        and event.ownership.classification is _classify(fact)
    ):
        # It may see all of it: the view is the event itself. Not dumped and validated
        # again (32 -> 7 µs per fact).
        return event
    decided = decide(event, entitlement)
    if isinstance(decided, Withheld):
        return decided
    if isinstance(decided, Counted):
        return Withheld(f"{event.fact_type} may only be counted here")
    try:
        fact = type(event.data).model_validate(decided.data)
    except ValidationError:
        # A required field it may not see: the fact cannot be shown without it.
        return Withheld(f"{event.fact_type} cannot be shown without fields it may not see")
    ownership = event.ownership.model_copy(update={"classification": _classify(fact)})
    return event.model_copy(update={"data": fact, "ownership": ownership})


def _codes(fact: OrderFact) -> dict[str, str]:
    """The fact's code-list fields: enums, whose values are codes, never free text."""
    codes: dict[str, str] = {}
    for name, info in type(fact).model_fields.items():
        if _is_code_list(info.annotation):
            value = getattr(fact, name)
            if value is not None:
                codes[name] = str(value.value)
    return codes


def _is_code_list(annotation: Any) -> bool:
    if get_origin(annotation) is Union or type(annotation).__name__ == "UnionType":
        return any(_is_code_list(arg) for arg in get_args(annotation) if arg is not type(None))
    return isinstance(annotation, type) and issubclass(annotation, StrEnum)


class ConfigurationError(ValueError):
    """A destination's configuration breaks an entitlement rule (raised at start)."""


def check_configuration(
    destination: str,
    *,
    ceiling: Entitlement,
    entitlement: Entitlement,
    routes: Iterable[str],
    supported: Iterable[str],
) -> None:
    """Refuse a configuration that would send a destination what it may not receive."""
    problems = [f"entitlement: {problem}" for problem in entitlement.beyond(ceiling)]
    supported = set(supported)
    for route in sorted(routes):
        if route not in FACT_TYPES:
            problems.append(f"routes: unknown fact type {route!r}")
            continue
        if route not in supported:
            problems.append(f"routes: {destination} has no mapping for {route!r}")
        if not entitlement.may_receive(route):
            purpose = FACT_TYPES[route].purpose.value
            problems.append(
                f"routes: {route!r} carries {purpose} data, which {destination} "
                "is not entitled to receive"
            )
    if problems:
        raise ConfigurationError(f"destinations.{destination}: " + "; ".join(problems))
