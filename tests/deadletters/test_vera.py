"""A real onderhoud dead letter (a 404 from the VERA reference back office), listed,
shown, replayed once the order exists, and refused a second replay."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from contracts import OrderAccepted
from tests.deadletters.conftest import cli, rows
from tests.kafka_helpers import read_records
from tests.router.kit import at, build, publish, ref, running, wrap


def accepted(number: int, message_id: str):
    return wrap(OrderAccepted(order_number=f"WL-2026-{number:06d}", occurred_at=at(0)), message_id)


async def test_a_404_dead_letter_is_listed_shown_and_replayed_once(kafka, backoffice) -> None:
    backoffice.state.add_fault(
        "onderhoud", 404, path_contains="000001", body={"omschrijving": "onbekende opdracht"}
    )  # times=1: the order exists by the time ops replay it
    await publish(kafka, accepted(1, "A-1"), accepted(2, "A-2"))
    worker = build("onderhoud", kafka, backoffice)
    async with running(worker):
        (parked,) = await read_records(kafka, kafka.topics.deadletter("onderhoud"), 1)
        await backoffice.wait_for_received(1, system="onderhoud")
        place = f"{parked.partition}:{parked.offset}"

        (row,) = await rows(kafka)
        assert {k: row[k] for k in row if k not in ("failed_at",)} == {
            "stage": "onderhoud",
            "ref": place,
            "refs": [place],
            "key": ref("A-1"),
            "message_id": ref("A-1"),
            "partner": "maasdal",
            "destination": "onderhoud",
            "exception": "Rejected",
            "attempts": 1,
            "status": "open",
            "decided_by": "",
            "decided_at": "",
        }
        assert datetime.fromisoformat(row["failed_at"]).tzinfo is not None

        table = await cli(kafka, "list", "onderhoud")
        assert table.exit_code == 0, table.output
        (line,) = [line for line in table.stdout.splitlines() if ref("A-1") in line]
        cells = [cell.strip() for cell in line.strip("│ ").split("│")]
        assert cells == ["onderhoud", place, ref("A-1"), "maasdal", "onderhoud", "Rejected",
                         "1", row["failed_at"], "open"]  # fmt: skip

        shown = await cli(kafka, "show", "onderhoud", ref("A-1"))
        assert shown.exit_code == 0, shown.output
        assert "onbekende opdracht" in shown.stdout  # the answer's body
        assert "answered 404" in shown.stdout  # the exception message
        assert "shown only with --value" in shown.stdout
        assert "occurred_at" not in shown.stdout  # no byte of the value
        with_value = await cli(kafka, "show", "onderhoud", place, "--value")
        value = json.loads(with_value.stdout.splitlines()[-1])
        assert value["order_number"] == "WL-2026-000001"

        refused = await cli(kafka, "replay", "onderhoud", ref("A-1"), answer="n\n")
        assert refused.exit_code == 1  # not confirmed: nothing sent
        assert await read_records(kafka, kafka.topics.replay("onderhoud"), 0) == []

        replayed = await cli(kafka, "replay", "onderhoud", place, "--reason", "order exists now",
                             answer="y\n")  # fmt: skip
        assert replayed.exit_code == 0, replayed.output
        assert f"replayed onderhoud {place} {ref('A-1')} -> " in replayed.stdout
        await backoffice.wait_for_received(2, system="onderhoud")

    calls = [c.status for c in backoffice.state.calls() if c.referentienummer == ref("A-1")]
    assert calls == [404, 200]
    assert [r.referentienummer for r in backoffice.state.received("onderhoud")].count(
        ref("A-1")
    ) == 1
    (sent,) = await read_records(kafka, kafka.topics.replay("onderhoud"), 1)
    assert (sent.key, sent.value) == (parked.key, parked.value)
    assert [h for h in sent.headers if not h[0].startswith(("kb_dlq", "__connect"))] == list(
        sent.headers
    )
    assert dict(sent.headers)["ce_id"] == ref("A-1").encode()

    assert await rows(kafka) == []  # open ones only
    (resolved,) = await rows(kafka, "--all")
    assert (resolved["status"], resolved["decided_by"]) == ("replayed", "ops-tester")
    (decision,) = await read_records(kafka, kafka.topics.deadletter_decisions, 1)
    assert decision.key == f"onderhoud|{ref('A-1')}".encode()
    recorded = json.loads(decision.value)
    assert recorded["action"] == "replayed"
    assert recorded["reason"] == "order exists now"
    assert recorded["letters"] == [place]
    assert recorded["replayed_to"].startswith(kafka.topics.replay("onderhoud") + ":")
    decided_at = datetime.fromisoformat(recorded["at"])
    assert decided_at.tzinfo == UTC  # aware, in UTC

    again = await cli(kafka, "replay", "onderhoud", ref("A-1"), "--yes")
    assert again.exit_code == 1
    assert "already replayed by ops-tester" in again.stderr
