"""What ketenbus reads of the maintenance system's new work order: a VERA ``Onderhoudsorder``.

The maintenance system owns the work order (VERA OHD ``Onderhoudsorders-Onderhoudsorder``,
``OHD.yaml``); these models are the part of it ketenbus needs, and the JSON Schema
published from them (``contracts/schemas/workorder.v1.json``) is what ketenbus requires
of a record on ``keten.workorders.v1``: open objects (VERA has many more fields, all
ignored), the fields ketenbus reads with their types. The rules between fields (one
``OPN`` relation, a known partner, an address) are checked when the order becomes an
``order.assigned`` fact (``connectors.outbound.workorder``).
"""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from contracts._facts import OrderNumber

PHONE_KINDS = ("TEL", "MOB")  # CONTACTGEGEVENSOORT


class _Vera(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Code(_Vera):
    code: str | None = None


class Contactgegeven(_Vera):
    soort: Code | None = None
    waarde: str | None = None


class Rol(_Vera):
    soort: Code | None = None


class Relatie(_Vera):
    code: str | None = None
    rollen: list[Rol] = []
    contactgegevens: list[Contactgegeven] = []
    aanschrijfnaam: str | None = None
    voorletters: str | None = None
    tussenvoegsels: str | None = None
    achternaam: str | None = None

    def has_role(self, *codes: str) -> bool:
        return any(rol.soort is not None and rol.soort.code in codes for rol in self.rollen)

    @property
    def name(self) -> str | None:
        if self.aanschrijfnaam:
            return self.aanschrijfnaam
        parts = [p for p in (self.voorletters, self.tussenvoegsels, self.achternaam) if p]
        return " ".join(parts) or None

    @property
    def phone(self) -> str | None:
        for item in self.contactgegevens:
            if item.soort is not None and item.soort.code in PHONE_KINDS and item.waarde:
                return item.waarde
        return None


class Woonplaats(_Vera):
    naam: str | None = None


class Adres(_Vera):
    postcode: str | None = None
    huisnummer: str | None = None
    huisletter: str | None = None
    huisnummerToevoeging: str | None = None
    woonplaats: Woonplaats | None = None


class Afspraak(_Vera):
    locatie: Adres | None = None


class Defect(_Vera):
    eenheid: Code | None = None
    bouwkundigElement: Code | None = None


class Onderhoudsorder(_Vera):
    id: OrderNumber
    onderhoudSoort: Code
    omschrijving: str = Field(min_length=1)
    uitersteGereeddatum: AwareDatetime
    opdrachtdatum: AwareDatetime
    relaties: list[Relatie] = []
    afspraken: list[Afspraak] = []
    defecten: list[Defect] = []


EXAMPLE_WORKORDER: dict[str, object] = {
    "id": "WL-2026-004800",
    "onderhoudSoort": {"code": "REP", "naam": "Reparatie"},
    "omschrijving": "CV-ketel geeft storing F28, geen warm water",
    "opdrachtdatum": "2026-11-30T08:15:00Z",
    "uitersteGereeddatum": "2026-12-04T22:59:59Z",
    "relaties": [
        {"code": "maasdal", "rollen": [{"soort": {"code": "OPN"}}]},
        {"rollen": [{"soort": {"code": "HUU"}}], "voorletters": "P.", "tussenvoegsels": "van",
         "achternaam": "Dijk", "contactgegevens": [{"soort": {"code": "MOB"},
                                                    "waarde": "06-12345678"}]},
    ],
    "afspraken": [{"locatie": {"huisnummer": "12", "huisletter": "A", "postcode": "6211 AB",
                               "woonplaats": {"naam": "Maastricht"}}}],
    "defecten": [{"eenheid": {"code": "VHE-10234"}, "bouwkundigElement": {"code": "56.11"}}],
}  # fmt: skip
"""A work order as the maintenance system writes it (the invented people of the samples)."""
