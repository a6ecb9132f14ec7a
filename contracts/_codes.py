"""Code lists: the partners' DICO codes, and the base every code list of the contract uses.

A code list is a ``StrEnum`` that names its list (``__code_list__``). An unknown code
is then a validation error of its own kind (``code_list``) that names the list and
the codes it knows, never the value that was sent (it may be free text a partner put
in the wrong field). The JSON Schema of a code list carries ``x-code-list``.

The DICO lists (Ketenstandaard Bouw en Techniek) are what partners send and what the
canonical facts carry; the VERA lists of the corporation are in ``contracts.vera_codes``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema


class CodeList(StrEnum):
    """Base of every code list: validation errors and JSON Schema name the list."""

    __code_list__: ClassVar[str] = ""

    @classmethod
    def code_list(cls) -> str:
        """The list's name, as errors and schemas show it (``DICO StatusCode``)."""
        return cls.__code_list__ or cls.__name__

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        # pydantic-core replaces any error of the enum with this one itself: no Python
        # call per validated code (a wrap validator cost about 1 µs a field, and every
        # fact and partner message has a few).
        return _code_list_error(handler(source), cls.code_list(), ", ".join(cls), here="")

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        json_schema = handler(schema)
        handler.resolve_ref_schema(json_schema)["x-code-list"] = cls.code_list()
        return json_schema


def only(*codes: CodeList) -> _OnlyCodes:
    """For a field that takes some codes of a list (a ``Literal`` of members): its error
    names the list and the codes the field takes, as a whole list's error does."""
    return _OnlyCodes(type(codes[0]).code_list(), ", ".join(code.value for code in codes))


@dataclass(frozen=True)
class _OnlyCodes:
    """The annotation :func:`only` returns."""

    code_list: str
    expected: str

    def __get_pydantic_core_schema__(
        self, source: type[Any], handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return _code_list_error(handler(source), self.code_list, self.expected, here=" here")


def _code_list_error(schema: CoreSchema, code_list: str, expected: str, *, here: str) -> CoreSchema:
    """``schema`` whose every error is ``code_list``: "not a code of <list> (known: ...)",
    with the list and its codes in the context, never the value that was sent."""
    return core_schema.custom_error_schema(
        schema,
        custom_error_type="code_list",
        custom_error_message=f"not a code of {{code_list}}{here} (known: {{expected}})",
        custom_error_context={"code_list": code_list, "expected": expected},
    )


class DicoStatus(CodeList):
    """DICO StatusCode: where a partner says an order is."""

    __code_list__ = "DICO StatusCode"

    REG = "REG"  # geregistreerd
    ACC = "ACC"  # geaccepteerd
    WEI = "WEI"  # weigeren
    OND = "OND"  # onderbroken
    VER = "VER"  # verlengen doorlooptijd
    TGE = "TGE"  # technisch gereed
    AGE = "AGE"  # administratief gereed
    VAN = "VAN"  # verzoek tot annuleren
    ANN = "ANN"  # annuleren
    VIN = "VIN"  # verzoek tot informatie
    AIN = "AIN"  # aanleveren aanvullende informatie
    REV = "REV"  # reactie vereist
    REA = "REA"  # reactie


class DicoDetail(CodeList):
    """DICO StatusDetailCode: why an order was interrupted (with OND).

    Careful: DICO ``AFW`` is "afwachten in verband met weer"; VERA's ``AFW`` is
    "klant niet aanwezig". They are different codes that happen to share letters.
    """

    __code_list__ = "DICO StatusDetailCode"

    BNT = "BNT"  # gebruiker niet aanwezig
    MIB = "MIB"  # materiaal in bestelling
    OHD = "OHD"  # onderdeel niet beschikbaar
    THD = "THD"  # tijdelijk hersteld
    AFH = "AFH"  # afspraak gebruiker
    AFN = "AFN"  # afspraak gebruiker niet gelukt
    BBT = "BBT"  # gebruiker belt terug
    AFR = "AFR"  # afwachten reactie opzichter
    AVW = "AVW"  # aanvullend werk nodig
    AWE = "AWE"  # aanvullende werkzaamheden extern
    AFW = "AFW"  # afwachten in verband met weer
    VBW = "VBW"  # verzoek gebruiker
    QUR = "QUR"  # offerte niet gegund


class DicoCause(CodeList):
    """DICO cause of a defect, as a partner reports it on completion."""

    __code_list__ = "DICO oorzaak"

    HUU = "HUU"  # huurder
    SLT = "SLT"  # slijtage
    OUD = "OUD"  # ouderdom
