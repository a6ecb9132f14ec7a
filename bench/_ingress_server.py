"""The webhook ingress as ``ketenbus webhook`` runs it, plus a bare endpoint beside it.

Same parts as ``ketenbus.services.run_webhook`` (a RawWriter, ``create_webhook_app``,
``WebhookServer``, INFO logging as the CLI sets it), so the measured path is the
shipped one. ``POST /bare/messages`` on the same server reads the body and answers
202 with a body of the same shape, doing nothing else: the ratio of the two is what
the signature check, the durable raw write and the outcome log cost.

Run as its own process; prints its port on the first line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal

import uvloop
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.channels.raw_writer import RawWriter
from connectors.channels.webhook import WebhookServer, create_webhook_app
from connectors.maasdal import MaasdalSettings, webhook
from contracts import KafkaSettings
from contracts.kafka import RAW_TOPIC_CONFIG
from kit.kafka.topics import ensure_topics

BARE_PATH = "/bare/messages"
SECRET_ENV = "BENCH_WEBHOOK_SECRET"
_BARE_ANSWER = {"status": "stored", "id": "0" * 32}


async def _bare(request: Request) -> Response:
    await request.body()
    return JSONResponse(_BARE_ANSWER, status_code=202)


async def serve(bootstrap: str, prefix: str, secret: str) -> None:
    kafka = KafkaSettings(bootstrap_servers=bootstrap, topic_prefix=prefix)
    await ensure_topics(kafka, [kafka.topics.raw("maasdal")], RAW_TOPIC_CONFIG)
    partner = webhook(MaasdalSettings.model_validate({"webhook_secrets": [secret]}))
    assert partner is not None
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stopping.set)
    async with RawWriter(kafka) as writer:
        app = create_webhook_app({partner.partner_id: partner}, writer)
        app.router.routes.insert(0, Route(BARE_PATH, _bare, methods=["POST"]))
        async with WebhookServer(app) as server:
            print(server.port, flush=True)
            await stopping.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bootstrap", required=True)
    parser.add_argument("--prefix", required=True)
    args = parser.parse_args()
    # As `ketenbus webhook` does (ketenbus.cli.main): one INFO line per request.
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    uvloop.run(serve(args.bootstrap, args.prefix, os.environ[SECRET_ENV]))


if __name__ == "__main__":
    main()
