"""Who owns a fact, who made it, how sensitive it is and what it may be used for.

Two levels, both read by the router:

* **Field markings** in the models themselves: a field that can hold personal or
  special-category data is annotated with :data:`Personal`, :data:`PersonalText` or
  :data:`SpecialCategory` (visible in the JSON Schema as ``x-classification``); free
  text about goods or work (a material's description) is :data:`FreeText` (internal,
  ``x-free-text``), so the data warehouse, which gets no free text at all, can drop it
  by rule too. The router redacts by these markings, never by a hand-kept list of
  field names. Every other text field of a fact is a code or an identifier; a test
  walks every fact model and fails on an unmarked text field it does not know.
* **Event tags** (:class:`Ownership`): owner, producing partner, the event's
  classification (the highest marking among the fields that hold a value), purpose
  and retention. They travel as CloudEvents extension attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from functools import cache
from typing import Annotated, Any, get_args

from pydantic import BaseModel, ConfigDict, Field

OWNER = "corporation"
"""The corporation owns every fact, whoever produced it."""


class Classification(StrEnum):
    """How sensitive data is, from least to most. Order matters: compare with ``rank``."""

    INTERNAL = "internal"
    PERSONAL = "personal"
    SPECIAL_CATEGORY = "special-category"

    @property
    def rank(self) -> int:
        return _RANK[self]

    # All four comparisons by rank: the str ones would compare the names alphabetically.
    def __le__(self, other: object) -> bool:
        if not isinstance(other, Classification):
            return NotImplemented
        return self.rank <= other.rank

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, Classification):
            return NotImplemented
        return self.rank < other.rank

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Classification):
            return NotImplemented
        return self.rank >= other.rank

    def __gt__(self, other: object) -> bool:
        if not isinstance(other, Classification):
            return NotImplemented
        return self.rank > other.rank


_RANK = {classification: rank for rank, classification in enumerate(Classification)}


class Purpose(StrEnum):
    """What a fact may be used for (the purpose binding of the GDPR)."""

    ORDER_EXECUTION = "order-execution"  # carrying out and following the repair
    INVOICING = "invoicing"  # paying the partner
    SOCIAL_CARE = "social-care"  # woonconsulent and sociaal team
    CHAIN_STEERING = "chain-steering"  # KPIs, partner performance (pseudonymised)


@dataclass(frozen=True)
class Marking:
    """The classification of one field, found by the router through the annotation."""

    classification: Classification
    free_text: bool = False
    """Free text (written by a person, about anything): the data warehouse gets none."""


PERSONAL_MARK = Marking(Classification.PERSONAL)
SPECIAL_MARK = Marking(Classification.SPECIAL_CATEGORY, free_text=True)
NOTE_MARK = Marking(Classification.PERSONAL, free_text=True)
FREE_TEXT_MARK = Marking(Classification.INTERNAL, free_text=True)

# The markings sit on the field itself (not inside an Optional), where pydantic keeps
# them in ``FieldInfo.metadata`` and the JSON Schema shows them.
Personal = Annotated[
    str | None, PERSONAL_MARK, Field(json_schema_extra={"x-classification": "personal"})
]
"""Optional text that can identify a person: a name, a phone number, a free-text note."""

SpecialCategory = Annotated[
    str | None, SPECIAL_MARK, Field(json_schema_extra={"x-classification": "special-category"})
]
"""Optional text that can hold special-category personal data (health, living conditions)."""

PersonalText = Annotated[
    str,
    NOTE_MARK,
    Field(json_schema_extra={"x-classification": "personal", "x-free-text": True}),
]
"""Required free text written about a case, which can name or describe people."""

FreeText = Annotated[
    str,
    FREE_TEXT_MARK,
    Field(json_schema_extra={"x-classification": "internal", "x-free-text": True}),
]
"""Required free text about goods or work (a material, an invoice line): not personal,
but free text, which the data warehouse does not get."""

OptionalFreeText = Annotated[
    str | None,
    FREE_TEXT_MARK,
    Field(json_schema_extra={"x-classification": "internal", "x-free-text": True}),
]
"""Optional :data:`FreeText`."""


def field_marking(model: type[BaseModel], name: str) -> Marking | None:
    """The marking of one field of a model, if it has one."""
    return dict(field_markings(model))[name]


@cache
def field_markings(model: type[BaseModel]) -> tuple[tuple[str, Marking | None], ...]:
    """Every field of a model with its marking (or None), read once per model class:
    classifying and redacting run for every event, the annotations never change."""
    return tuple(
        (name, next((item for item in info.metadata if isinstance(item, Marking)), None))
        for name, info in model.model_fields.items()
    )


def classify(fact: BaseModel) -> Classification:
    """The highest classification among the marked fields that hold a value."""
    return _BY_RANK[_highest_rank(fact, 0)]


def redact(fact: BaseModel, allowed: Classification, *, free_text: bool = True) -> dict[str, Any]:
    """The fact as JSON-ready data with every field marked above ``allowed`` removed,
    and with every free-text field removed too when ``free_text`` is false (the data
    warehouse: no names, phone numbers or free text).

    Removed, not blanked: a destination that may not see a field should not learn
    that it was there.
    """
    excluded: Any = _exclusions(fact, allowed, free_text) or None
    return fact.model_dump(mode="json", exclude=excluded)


def hides_nothing(fact: BaseModel, allowed: Classification, *, free_text: bool = True) -> bool:
    """Whether :func:`redact` would leave every field of ``fact`` in place."""
    return not _exclusions(fact, allowed, free_text)


def _exclusions(fact: BaseModel, allowed: Classification, free_text: bool) -> dict[str | int, Any]:
    """A pydantic ``exclude`` tree of the fields above ``allowed``, nested models included."""
    excluded: dict[str | int, Any] = {}
    for name, marking in field_markings(type(fact)):
        if marking is not None and (
            not marking.classification <= allowed or (marking.free_text and not free_text)
        ):
            excluded[name] = True
            continue
        value = getattr(fact, name)
        if isinstance(value, BaseModel):
            if nested := _exclusions(value, allowed, free_text):
                excluded[name] = nested
        elif isinstance(value, list | tuple):
            per_item = {
                index: nested
                for index, item in enumerate(value)
                if isinstance(item, BaseModel) and (nested := _exclusions(item, allowed, free_text))
            }
            if per_item:
                excluded[name] = per_item
    return excluded


_BY_RANK = tuple(Classification)
_TOP = len(_BY_RANK) - 1
"""The highest rank: once a field holds special-category data, nothing can raise it."""


def _highest_rank(fact: BaseModel, highest: int) -> int:
    """The rank of the highest marking with a value in ``fact``, at least ``highest``.

    Runs for every event the translator writes: ranks are ints (no enum comparisons),
    a field that cannot raise the rank is not read, and it stops at the top rank.
    """
    for name, rank, may_hold_models in _classifying_fields(type(fact)):
        if rank <= highest and not may_hold_models:
            continue
        value = getattr(fact, name)
        if value is None or value == "" or value == [] or value == ():
            continue
        if rank > highest:
            highest = rank
            if highest == _TOP:
                return highest
        if may_hold_models:
            for child in value if isinstance(value, list | tuple) else (value,):
                if isinstance(child, BaseModel):
                    highest = _highest_rank(child, highest)
                    if highest == _TOP:
                        return highest
    return highest


@cache
def _classifying_fields(model: type[BaseModel]) -> tuple[tuple[str, int, bool], ...]:
    """The fields that can raise a classification, with the rank of their marking (0 if
    unmarked): the ones marked above internal, and the ones whose type can hold models
    (a line with a mechanic's name). The rest, most fields of most facts (free text
    about goods is marked internal, the lowest rank), are not looked at."""
    fields = []
    for name, marking in field_markings(model):
        rank = 0 if marking is None else marking.classification.rank
        may_hold_models = _may_hold_models(model.model_fields[name].annotation)
        if rank > 0 or may_hold_models:
            fields.append((name, rank, may_hold_models))
    return tuple(fields)


def _may_hold_models(annotation: Any) -> bool:
    if annotation is Any or annotation is object:
        return True  # could be anything, so look
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return True
    return any(_may_hold_models(arg) for arg in get_args(annotation))


class Ownership(BaseModel):
    """The data-ownership tags every canonical event carries."""

    model_config = ConfigDict(frozen=True)

    owner: str = OWNER
    producer: str = Field(description="The partner (or ketenbus component) that produced it.")
    classification: Classification
    purpose: Purpose
    retention: str = Field(
        description="How long the owner keeps it, as an ISO 8601 duration (P7Y = seven years).",
        pattern=r"^P(\d+Y)?(\d+M)?(\d+D)?$",
    )
