"""Bodies and headers: what the back office accepts and how it says what is wrong."""

from __future__ import annotations

from decimal import Decimal

import httpx

from devkit.reference_backoffice import BackOfficeServer

from .helpers import ORDER, decimal_json, dumps, headers_for, tge_body


def order_url(server: BackOfficeServer, order: str = ORDER) -> str:
    return f"{server.url_for('onderhoud')}/onderhoudsorders/{order}"


def problem_paths(response: httpx.Response) -> list[str]:
    return [p["path"] for p in response.json()["problems"]]


async def test_valid_patch_is_accepted_and_recorded_with_exact_amounts(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    response = await http.patch(
        order_url(server), headers=headers_for("onderhoud"), content=dumps(tge_body())
    )

    assert response.status_code == 200, response.text
    answer = decimal_json(response)
    assert answer["id"] == ORDER
    assert answer["status"] == {"code": "TEC"}
    [effect] = server.state.received(system="onderhoud")
    assert effect.resource_id == ORDER
    assert effect.operation == "/onderhoudsorders/{id}"
    bestedingen = effect.body["onderhoudstaken"][0]["onderhoudsbestedingen"]
    assert bestedingen[0]["aantal"] == Decimal("1.25")
    assert bestedingen[1]["bedrag"] == Decimal("7.80")
    assert str(bestedingen[1]["bedrag"]) == "7.80"
    assert server.state.orders[ORDER]["status"] == {"code": "TEC"}
    # The same over HTTP, digit for digit.
    order = decimal_json(await http.get(f"{server.base_url}/_control/orders/{ORDER}"))
    assert order["onderhoudstaken"][0]["onderhoudsbestedingen"][1]["bedrag"] == Decimal("7.80")
    assert b'"bedrag": 7.80' in (await http.get(f"{server.base_url}/_control/received")).content


async def test_patches_merge_into_the_order_top_level_keys_replacing(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    first = {"status": {"code": "INB"}, "uitersteGereeddatum": "2026-12-01T22:59:59Z"}
    second = {"status": {"code": "PLN"}, "afspraken": [{"status": {"code": "GEP"}}]}
    for body in (first, second):
        response = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=body)
        assert response.status_code == 200, response.text

    assert response.json() == {
        "id": ORDER,
        "status": {"code": "PLN"},
        "uitersteGereeddatum": "2026-12-01T22:59:59Z",
        "afspraken": [{"status": {"code": "GEP"}}],
    }
    orders = (await http.get(f"{server.base_url}/_control/orders")).json()
    assert orders[ORDER]["status"]["code"] == "PLN"


async def test_unknown_property_is_refused_with_its_path(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    body = {"onderhoudstaken": [{"stauts": {"code": "GER"}, "detailStatus": {"cdoe": "MAT"}}]}

    response = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=body)

    assert response.status_code == 400
    assert problem_paths(response) == [
        "onderhoudstaken[0].detailStatus.cdoe",
        "onderhoudstaken[0].stauts",
    ]
    assert response.json()["problems"][1]["kind"] == "unknownProperty"
    assert server.state.received() == []
    [call] = server.state.calls()
    assert call.invalid
    assert call.status == 400
    assert not call.replay


async def test_field_at_the_wrong_level_is_refused(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    # `onderhoudsbestedingen` belongs inside a task, not on the order.
    body = {"status": {"code": "TEC"}, "onderhoudsbestedingen": [{"aantal": 1}]}

    response = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=body)

    assert response.status_code == 400
    assert problem_paths(response) == ["onderhoudsbestedingen"]


async def test_properties_of_every_allof_member_and_matching_oneof_member_are_known(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    # extra-attributen comes from Bericht-basis (allOf); woonplaats only from the
    # Eenheidadres member of the Adres oneOf.
    body = {
        "status": {"code": "PLN"},
        "extra-attributen": [{"naam": "partner", "waarde": "maasdal"}],
        "afspraken": [
            {
                "status": {"code": "GEP"},
                "begindatum": "2026-11-30T07:00:00Z",
                "locatie": {"straatnaam": "Dorpsstraat", "woonplaats": {"naam": "Maasdal"}},
            }
        ],
    }

    response = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=body)

    assert response.status_code == 200, response.text


async def test_wrong_type_is_refused(server: BackOfficeServer, http: httpx.AsyncClient) -> None:
    body = {
        "status": {"code": 42},
        "onderhoudstaken": [{"onderhoudsbestedingen": [{"aantal": "2"}]}],
    }

    response = await http.patch(order_url(server), headers=headers_for("onderhoud"), json=body)

    assert response.status_code == 400
    problems = {p["path"]: p for p in response.json()["problems"]}
    assert set(problems) == {"onderhoudstaken[0].onderhoudsbestedingen[0].aantal", "status.code"}
    assert problems["status.code"]["kind"] == "type"


async def test_date_time_must_be_utc_with_z(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    for value, reason in [
        ("2026-11-28T09:40:00+01:00", "UTC with 'Z'"),
        ("2026-11-28T08:40:00", "RFC 3339"),
        ("28-11-2026", "RFC 3339"),
    ]:
        response = await http.patch(
            order_url(server),
            headers=headers_for("onderhoud"),
            json={"technischGereeddatum": value},
        )
        assert response.status_code == 400, value
        [problem] = response.json()["problems"]
        assert problem["path"] == "technischGereeddatum"
        assert reason in problem["message"]


async def test_not_json_is_refused(server: BackOfficeServer, http: httpx.AsyncClient) -> None:
    for content in (b"status=TEC", b"", b'{"a": NaN}', b'{"status": 1, "status": 2}'):
        response = await http.patch(
            order_url(server), headers=headers_for("onderhoud"), content=content
        )
        assert response.status_code == 400, content
        assert response.json()["problems"][0]["kind"] == "json"


async def test_missing_referentienummer_header_is_refused_by_name(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    headers = headers_for("onderhoud")
    del headers["X-Stuurgegevens-Referentienummer"]

    response = await http.patch(
        order_url(server), headers=headers, json={"status": {"code": "INB"}}
    )

    assert response.status_code == 400
    assert "X-Stuurgegevens-Referentienummer" in response.json()["omschrijving"]
    assert problem_paths(response) == ["X-Stuurgegevens-Referentienummer"]
    assert server.state.received() == []


async def test_every_stuurgegevens_header_is_required_and_the_time_is_utc(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    response = await http.patch(
        order_url(server),
        headers={"X-API-KEY": "key-onderhoud"},
        json={"status": {"code": "INB"}},
    )
    assert response.status_code == 400
    assert problem_paths(response) == [
        "X-Stuurgegevens-Zender-Organisatie",
        "X-Stuurgegevens-Tijdstip-Bericht",
        "X-Stuurgegevens-Referentienummer",
    ]

    headers = headers_for("onderhoud")
    headers["X-Stuurgegevens-Tijdstip-Bericht"] = "2026-11-28T09:41:00+01:00"
    response = await http.patch(
        order_url(server), headers=headers, json={"status": {"code": "INB"}}
    )
    assert response.status_code == 400
    assert problem_paths(response) == ["X-Stuurgegevens-Tijdstip-Bericht"]


async def test_wrong_or_missing_api_key_is_401_with_a_foutbericht(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    for key in ("key-financien", None):
        headers = headers_for("onderhoud")
        if key is None:
            del headers["X-API-KEY"]
        else:
            headers["X-API-KEY"] = key
        response = await http.patch(
            order_url(server), headers=headers, json={"status": {"code": "INB"}}
        )
        assert response.status_code == 401
        assert set(response.json()) == {"code", "omschrijving"}
        assert response.json()["code"] == "401"
    assert [c.status for c in server.state.calls()] == [401, 401]
    assert server.state.received() == []


async def test_routes_come_from_the_spec(server: BackOfficeServer, http: httpx.AsyncClient) -> None:
    body = {"status": {"code": "INB"}}
    unknown = await http.patch(
        f"{server.url_for('onderhoud')}/werkorders/{ORDER}",
        headers=headers_for("onderhoud"),
        json=body,
    )
    assert unknown.status_code == 404
    no_body_operation = await http.get(order_url(server), headers=headers_for("onderhoud"))
    assert no_body_operation.status_code == 405
    not_this_system = await http.patch(
        f"{server.url_for('relaties')}/onderhoudsorders/{ORDER}",
        headers=headers_for("relaties"),
        json=body,
    )
    assert not_this_system.status_code == 404
    unknown_system = await http.patch(f"{server.base_url}/dwh/orders/1", json=body)
    assert unknown_system.status_code == 404
    assert server.state.received() == []


async def test_invoice_post_with_regels_is_created(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    invoice = {
        "externFactuurnummer": "MD-F-2026-0815",
        "soort": {"code": "REG"},
        "status": {"code": "REG"},
        "factuurdatum": "2026-11-29",
        "vervaldatum": "2026-12-29",
        "bedrag": Decimal("9.44"),
        "btwBedrag": Decimal("1.64"),
        "gRekeningbedrag": Decimal("0.00"),
        "regels": [
            {
                "omschrijving": "Kraanleertje",
                "bedrag": Decimal("7.80"),
                "btwAangiftebedrag": Decimal("1.64"),
                "btwTarief": {"code": "HOOG", "percentage": 21},
            }
        ],
        "extra-attributen": [{"naam": "opdrachtnummer", "waarde": ORDER}],
    }

    response = await http.post(
        f"{server.url_for('financien')}/inkoopfacturen",
        headers=headers_for("financien"),
        content=dumps(invoice),
    )

    assert response.status_code == 201, response.text
    created = decimal_json(response)
    assert created["id"]
    assert created["regels"][0]["bedrag"] == Decimal("7.80")
    assert response.headers["Location"] == f"/financien/inkoopfacturen/{created['id']}"
    [effect] = server.state.received(system="financien")
    assert effect.body["bedrag"] == Decimal("9.44")
    assert effect.resource_id == created["id"]


async def test_obsolete_factuurregels_and_bad_dates_are_refused(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    invoice = {"factuurdatum": "2026-02-30", "factuurregels": [{"bedrag": 1}]}

    response = await http.post(
        f"{server.url_for('financien')}/inkoopfacturen",
        headers=headers_for("financien"),
        json=invoice,
    )

    assert response.status_code == 400
    kinds = {p["path"]: p["kind"] for p in response.json()["problems"]}
    assert kinds == {"factuurdatum": "format", "factuurregels": "deprecated"}


async def test_signal_post_is_created(server: BackOfficeServer, http: httpx.AsyncClient) -> None:
    signal = {
        "soort": {"code": "ONE"},
        "detailSoort": {"code": "VER"},
        "status": {"code": "ACT"},
        "begindatum": "2026-11-28T08:40:00Z",
        "informatieobjecten": [{"beschrijving": "note from the partner"}],
        "extra-attributen": [
            {"naam": "opdrachtnummer", "waarde": ORDER},
            {"naam": "partner", "waarde": "maasdal"},
        ],
        "sturingslabels": [{"label": {"code": "URG"}}],
    }

    response = await http.post(
        f"{server.url_for('relaties')}/signaleringen", headers=headers_for("relaties"), json=signal
    )

    assert response.status_code == 201, response.text
    assert response.json()["status"] == {"code": "ACT"}
    assert [r.system for r in server.state.received()] == ["relaties"]
    assert server.state.orders == {}
