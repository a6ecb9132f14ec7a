"""The Python API other tests rely on, the control endpoints, and the process runner."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
from pathlib import Path

import httpx
import pytest

from devkit.reference_backoffice import BackOfficeServer, create_app

from .helpers import API_KEYS, ORDER, headers_for

BODY = {"status": {"code": "INB"}}
REPO_ROOT = Path(__file__).resolve().parents[2]


def order_url(server: BackOfficeServer, order: str = ORDER) -> str:
    return f"{server.url_for('onderhoud')}/onderhoudsorders/{order}"


async def test_urls(server: BackOfficeServer) -> None:
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.base_url)
    assert server.url_for("financien") == f"{server.base_url}/financien"
    with pytest.raises(ValueError, match="unknown system"):
        server.url_for("dwh")


async def test_wait_for_received_wakes_when_the_effect_arrives(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    waiter = asyncio.create_task(server.wait_for_received(2, system="onderhoud", timeout=5.0))
    await asyncio.sleep(0)
    for _ in range(2):
        await http.patch(order_url(server), headers=headers_for("onderhoud"), json=BODY)

    received = await waiter

    assert [r.system for r in received] == ["onderhoud", "onderhoud"]


async def test_wait_for_received_times_out_clearly(
    server: BackOfficeServer, http: httpx.AsyncClient
) -> None:
    await http.patch(order_url(server), headers=headers_for("onderhoud"), json=BODY)

    with pytest.raises(
        TimeoutError, match=r"waited 0.2s for 2 received effect\(s\) on system 'onderhoud', got 1"
    ):
        await server.wait_for_received(2, system="onderhoud", timeout=0.2)
    # Still usable after a time-out.
    assert len(await server.wait_for_received(1, timeout=0.2)) == 1


async def test_control_endpoints(server: BackOfficeServer, http: httpx.AsyncClient) -> None:
    control = f"{server.base_url}/_control"
    await http.patch(order_url(server), headers=headers_for("onderhoud", "ref-a"), json=BODY)
    await http.post(
        f"{server.url_for('relaties')}/signaleringen",
        headers=headers_for("relaties"),
        json={"soort": {"code": "OVE"}, "status": {"code": "ACT"}},
    )
    await http.patch(order_url(server), headers={"X-API-KEY": "wrong"}, json=BODY)

    health = (await http.get(f"{control}/health")).json()
    assert health["status"] == "ok"
    assert health["schema_validation"] is True
    assert health["systems"]["relaties"]["spec"] == "BRG.yaml"
    calls = (await http.get(f"{control}/calls", params={"system": "onderhoud"})).json()
    assert [c["status"] for c in calls] == [200, 401]
    assert calls[0]["stuurgegevens"]["X-Stuurgegevens-Referentienummer"] == "ref-a"
    assert calls[0]["body"] == BODY
    received = (await http.get(f"{control}/received")).json()
    assert [r["system"] for r in received] == ["onderhoud", "relaties"]
    assert (await http.get(f"{control}/received", params={"system": "dwh"})).status_code == 400
    assert (await http.get(f"{control}/orders/{ORDER}")).json()["status"] == {"code": "INB"}
    assert (await http.get(f"{control}/orders/WL-0000-000000")).status_code == 404

    assert (await http.post(f"{control}/reset")).json() == {"reset": True}
    assert (await http.get(f"{control}/calls")).json() == []
    assert (await http.get(f"{control}/orders")).json() == {}
    assert server.state.replays == 0


async def test_without_specs_nothing_is_refused_on_schema_grounds(
    http: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="devkit.reference_backoffice"):
        server = BackOfficeServer(None, API_KEYS)
    assert "WITHOUT the VERA specs" in caplog.text

    async with server:
        response = await http.patch(
            order_url(server), headers=headers_for("onderhoud"), json={"verzonnen": {"veld": 1}}
        )
        assert response.status_code == 200
        assert server.state.orders[ORDER]["verzonnen"] == {"veld": 1}
        # The corporation's headers and keys still count.
        assert (await http.patch(order_url(server), json=BODY)).status_code == 401
        health = (await http.get(f"{server.base_url}/_control/health")).json()
        assert health["schema_validation"] is False


def test_api_keys_must_name_known_systems(vera_specs: Path) -> None:
    with pytest.raises(ValueError, match="unknown systems"):
        create_app(vera_specs, {"onderhoud": "k", "dwh": "k"})


async def test_runs_as_its_own_process(vera_specs: Path, http: httpx.AsyncClient) -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "devkit.reference_backoffice",
        "--spec-dir",
        str(vera_specs),
        "--port",
        "0",
        *(arg for system, key in API_KEYS.items() for arg in ("--api-key", f"{system}={key}")),
        cwd=REPO_ROOT,
        stderr=asyncio.subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stderr is not None
        async with asyncio.timeout(15):
            while True:
                line = (await process.stderr.readline()).decode()
                assert line, "the back office process ended before it listened"
                found = re.search(r"running on (http://127\.0\.0\.1:\d+)", line)
                if found:
                    break
        base_url = found.group(1)
        response = await http.patch(
            f"{base_url}/onderhoud/onderhoudsorders/{ORDER}",
            headers=headers_for("onderhoud"),
            json=BODY,
        )
        assert response.status_code == 200
        received = (await http.get(f"{base_url}/_control/received")).json()
        assert [r["resource_id"] for r in received] == [ORDER]
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(10):
            await process.wait()
    # uvicorn shuts down gracefully, then re-raises the SIGTERM it caught.
    assert process.returncode in (0, -signal.SIGTERM)


def test_cli_refuses_a_missing_spec_folder(tmp_path: Path) -> None:
    from devkit.reference_backoffice import main

    assert main(["--spec-dir", str(tmp_path / "nope"), "--api-key", "onderhoud=k"]) == 2
    assert main(["--spec-dir", str(tmp_path), "--api-key", "onderhoud=k"]) == 2
    with pytest.raises(SystemExit):
        main(["--api-key", "dwh=k"])
