"""The partners' code lists (DICO, Ketenstandaard Bouw en Techniek) that the contract uses.

The canonical facts carry the partner's DICO codes; the VERA codes live with the
destinations that speak VERA (``router/destinations``).
"""

from __future__ import annotations

from enum import StrEnum


class DicoStatus(StrEnum):
    """DICO StatusCode: where a partner says an order is."""

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


class DicoDetail(StrEnum):
    """DICO StatusDetailCode: why an order was interrupted (with OND).

    Careful: DICO ``AFW`` is "afwachten in verband met weer"; VERA's ``AFW`` is
    "klant niet aanwezig". They are different codes that happen to share letters.
    """

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


class DicoCause(StrEnum):
    """DICO cause of a defect, as a partner reports it on completion."""

    HUU = "HUU"  # huurder
    SLT = "SLT"  # slijtage
    OUD = "OUD"  # ouderdom
