"""Maasdal's webhook message, exactly as its interface page describes it.

Field names are Maasdal's own (Dutch). Unknown extra fields are ignored: Maasdal may
add fields in later ERP versions and that must not break anything. JSON numbers are
read as ``Decimal`` before they get here, so no amount passes through a float.
"""

from __future__ import annotations

from datetime import date, time
from decimal import Decimal
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts import DicoCause, DicoDetail, DicoStatus, SignalCategory


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Status(_Part):
    code: DicoStatus
    detailcode: DicoDetail | None = None
    toelichting: str | None = None
    nieuweGereeddatum: date | None = None


class Afspraak(_Part):
    datum: date
    van: time
    tot: time
    monteur: str | None = None


class Uur(_Part):
    monteur: str | None = None
    aantal: Decimal = Field(ge=0)


class Materiaal(_Part):
    artikelnummer: str | None = None
    omschrijving: str
    aantal: Decimal = Field(ge=0)
    eenheid: str
    stukprijs: Decimal = Field(ge=0)


class Gereed(_Part):
    gereedOp: AwareDatetime
    eersteKeerGoed: bool | None = None
    oorzaak: DicoCause | None = None
    nlsfb: str | None = None
    uren: list[Uur] = []
    materialen: list[Materiaal] = []


class Signalering(_Part):
    categorie: SignalCategory
    toelichting: str | None = None
    urgent: bool


class Huurder(_Part):
    naam: str | None = None
    telefoon: str | None = None


class MaasdalBericht(_Part):
    berichtId: str = Field(min_length=1)
    berichtType: Literal["STATUS", "AFSPRAAK", "GEREED", "SIGNALERING"]
    tijdstip: AwareDatetime
    opdrachtnummer: str
    werkbonnummer: str | None = None
    status: Status | None = None
    afspraak: Afspraak | None = None
    gereed: Gereed | None = None
    signalering: Signalering | None = None
    huurder: Huurder | None = None
