"""The corporation's VERA code lists that ketenbus uses, one ``StrEnum`` per VERA Soort.

Every member is a current code of its list in the VERA Referentiedata (CC0), checked
by ``tests/contracts/test_vera_codes.py`` against ``contracts/vera/Referentiedata.csv``;
a list here may hold fewer codes than VERA's, never one VERA lacks. Destinations
build their VERA bodies from these members (``OnderhoudsorderStatus.TEC``), so a
misspelt code fails at import, not at the corporation.

VERA and DICO share some letters with different meanings: VERA
``ONDERHOUDSTAAKDETAILSTATUS.AFW`` is "klant niet aanwezig", DICO ``AFW`` is
"afwachten i.v.m. weer"; VERA ``DEFECTOORZAAK.VAN`` is vandalism, DICO ``VAN`` a
cancellation request.
"""

from __future__ import annotations

from contracts._codes import CodeList


class OnderhoudsorderStatus(CodeList):
    """VERA ONDERHOUDSORDERSTATUS: the status of a maintenance order."""

    __code_list__ = "VERA ONDERHOUDSORDERSTATUS"

    REG = "REG"  # geregistreerd
    GUN = "GUN"  # order gegund
    OFF = "OFF"  # offertetraject
    WOG = "WOG"  # wacht op goedkeuring
    INB = "INB"  # in behandeling
    PLN = "PLN"  # order gepland
    TEC = "TEC"  # technisch gereed
    STE = "STE"  # order in steekproef
    FIN = "FIN"  # financieel afwikkelen
    AFG = "AFG"  # afgehandeld
    GEA = "GEA"  # geannuleerd


class OnderhoudstaakStatus(CodeList):
    """VERA ONDERHOUDSTAAKSTATUS: the status of a task of an order."""

    __code_list__ = "VERA ONDERHOUDSTAAKSTATUS"

    CON = "CON"  # concept / aangemaakt
    GEP = "GEP"  # gepland
    REI = "REI"  # onderweg
    UIT = "UIT"  # in uitvoering
    PAU = "PAU"  # gepauzeerd
    OND = "OND"  # onderbroken
    UWT = "UWT"  # uitwerktijd
    GER = "GER"  # gereed
    GES = "GES"  # gesloten


class OnderhoudstaakDetailStatus(CodeList):
    """VERA ONDERHOUDSTAAKDETAILSTATUS: why a task is interrupted (with task status OND)."""

    __code_list__ = "VERA ONDERHOUDSTAAKDETAILSTATUS"

    AFW = "AFW"  # klant niet aanwezig (not DICO's AFW!)
    DIS = "DIS"  # niet de juiste discipline
    INS = "INS"  # inspectie/beoordeling vereist
    MAT = "MAT"  # materiaal bestellen
    OFF = "OFF"  # offerte benodigd
    ONV = "ONV"  # onvoldoende tijd


class AfspraakStatus(CodeList):
    """VERA AFSPRAAKSTATUS: the status of an appointment."""

    __code_list__ = "VERA AFSPRAAKSTATUS"

    AAN = "AAN"  # aangevraagd
    GEP = "GEP"  # gepland
    AFG = "AFG"  # afgerond
    ANN = "ANN"  # geannuleerd


class OnderhoudsbestedingSoort(CodeList):
    """VERA ONDERHOUDSBESTEDINGSOORT: what a spending line of a task is."""

    __code_list__ = "VERA ONDERHOUDSBESTEDINGSOORT"

    WER = "WER"  # werktijd
    MAT = "MAT"  # materiaal
    REI = "REI"  # reistijd
    UIT = "UIT"  # uitwerktijd
    OND = "OND"  # onderbroken tijd
    OVE = "OVE"  # overige kosten
    PAK = "PAK"  # pakbonkosten
    VAS = "VAS"  # vaste taakprijs


class DefectOorzaak(CodeList):
    """VERA DEFECTOORZAAK: the cause of a defect."""

    __code_list__ = "VERA DEFECTOORZAAK"

    BEW = "BEW"  # bewonersopdracht/gedrag (DICO HUU)
    SLT = "SLT"  # normale slijtage
    OUD = "OUD"  # ouderdom
    VAN = "VAN"  # schade door vandalisme (not DICO's VAN!)
    WAT = "WAT"  # schade door water
    BRA = "BRA"  # schade door brand
    STO = "STO"  # schade door storm
    SOP = "SOP"  # slecht opgeleverd
    VGE = "VGE"  # verzoek van de vastgoedeigenaar


class Unit(CodeList):
    """Units of measure: the VERA MEETEENHEID codes a partner's hours and materials use.

    A deliberate subset of MEETEENHEID (no FTE, EUR, ...); adapters map the partners'
    spellings (``ST``, ``M``) onto these (``connectors.units``).
    """

    __code_list__ = "VERA MEETEENHEID"

    UUR = "UUR"  # uren
    STU = "STU"  # stuks
    MTR = "MTR"  # meter
    M2 = "M2"
    M3 = "M3"
    LTR = "LTR"  # liter
    KGR = "KGR"  # kilogram
    MIN = "MIN"  # minuten


Meeteenheid = Unit
"""The VERA name of :class:`Unit`."""


class Onderhoudsoort(CodeList):
    """VERA ONDERHOUDSOORT: the kind of maintenance (an assigned order is REP or MUT)."""

    __code_list__ = "VERA ONDERHOUDSOORT"

    REP = "REP"  # reparatie
    MUT = "MUT"  # mutatie (a vacated dwelling)
    PLN = "PLN"  # planmatig
    PRJ = "PRJ"  # projectmatig
    INS = "INS"  # inspectie
    WMO = "WMO"  # WMO aanpassing
    WOV = "WOV"  # woningverbetering
    LEE = "LEE"  # leefbaarheid


class SignaleringSoort(CodeList):
    """VERA SIGNALERINGSOORT (BRG): the kind of a social signal."""

    __code_list__ = "VERA SIGNALERINGSOORT"

    AGR = "AGR"  # agressie
    ONB = "ONB"  # ondersteuningsbehoefte
    ONE = "ONE"  # oneigenlijk gebruik woning
    OVE = "OVE"  # overlast
    SCH = "SCH"  # huurschuld
    WAN = "WAN"  # wangedrag naar medewerkers


class SignaleringDetailSoort(CodeList):
    """VERA SIGNALERINGDETAILSOORT (BRG): the codes of the signal mapping (vera-mapping.md)."""

    __code_list__ = "VERA SIGNALERINGDETAILSOORT"

    VER = "VER"  # vervuiling (under ONE)
    BET = "BET"  # betalingsachterstand (under SCH)


class SignaleringStatus(CodeList):
    """VERA SIGNALERINGSTATUS (BRG)."""

    __code_list__ = "VERA SIGNALERINGSTATUS"

    ACT = "ACT"  # actief
    PAS = "PAS"  # passief
    VER = "VER"  # vervallen


class FactuurSoort(CodeList):
    """VERA FACTUURSOORT: a partner's invoice is external (DEX, or CEX for a credit note)."""

    __code_list__ = "VERA FACTUURSOORT"

    DEX = "DEX"  # debet factuur extern
    CEX = "CEX"  # credit factuur extern
    DIF = "DIF"  # debet factuur intern
    CIF = "CIF"  # credit factuur intern


class InkoopfactuurStatus(CodeList):
    """VERA INKOOPFACTUURSTATUS: ketenbus registers invoices (REG)."""

    __code_list__ = "VERA INKOOPFACTUURSTATUS"

    REG = "REG"  # geregistreerd
    IBH = "IBH"  # in behandeling
    ATG = "ATG"  # aangeboden ter goedkeuring
    GDK = "GDK"  # goedgekeurd
    AGK = "AGK"  # afgekeurd
    BLK = "BLK"  # geblokkeerd
    ATB = "ATB"  # aangeboden ter betaling
    BET = "BET"  # betaald
    AFG = "AFG"  # afgewezen
    AFH = "AFH"  # afgehandeld
    WOC = "WOC"  # wacht op creditfactuur
    HIS = "HIS"  # historisch


class Btw(CodeList):
    """VERA BTW: the btw rate kinds (ALG 21 %, VER 9 %, NUL 0 %, VRI exempt)."""

    __code_list__ = "VERA BTW"

    ALG = "ALG"  # algemeen (21 %)
    VER = "VER"  # verlaagd (9 %)
    NUL = "NUL"  # nul
    VRI = "VRI"  # vrijstelling


class InformatieobjectSoort(CodeList):
    """VERA INFORMATIEOBJECTSOORT: a partner's note travels as a notitie (NOT)."""

    __code_list__ = "VERA INFORMATIEOBJECTSOORT"

    NOT = "NOT"  # notitie
    DOC = "DOC"  # document
    FOT = "FOT"  # foto
    RAP = "RAP"  # rapport


class Vertrouwelijkheid(CodeList):
    """VERA VERTROUWELIJKHEID: how confidential an informatieobject is (GEH for care data)."""

    __code_list__ = "VERA VERTROUWELIJKHEID"

    OPE = "OPE"  # openbaar
    INT = "INT"  # intern
    VER = "VER"  # vertrouwelijk
    GEH = "GEH"  # geheim


VERA_LISTS: dict[str, type[CodeList]] = {
    code_list.code_list().removeprefix("VERA "): code_list
    for code_list in (
        OnderhoudsorderStatus,
        OnderhoudstaakStatus,
        OnderhoudstaakDetailStatus,
        AfspraakStatus,
        OnderhoudsbestedingSoort,
        DefectOorzaak,
        Unit,
        Onderhoudsoort,
        SignaleringSoort,
        SignaleringDetailSoort,
        SignaleringStatus,
        FactuurSoort,
        InkoopfactuurStatus,
        Btw,
        InformatieobjectSoort,
        Vertrouwelijkheid,
    )
}
"""Every VERA code list of ketenbus by its VERA Soort (``MEETEENHEID``)."""
