"""(4) Webhook ingress: the real endpoint against a bare one on the same server.

The server is ``bench._ingress_server`` in its own process: the shipped webhook
(``create_webhook_app`` + ``RawWriter`` + ``WebhookServer``, INFO logging like
``ketenbus webhook``) with ``POST /bare/messages`` beside it, which reads the body and
answers 202 and does nothing else. The load generator (``bench._http``, open loop)
sends signed, unique Maasdal messages at fixed rates, rising until a step no longer
holds (every answer 2xx, the offered rate kept, p99 ≤ the latency bound). The
figure is each endpoint's highest holding rate at the same latency bound, and the
ratio of the two. A step that does not hold is tried once more before the ladder
stops (the machine may be shared); the figure counts a rate that held either time.
"""

from __future__ import annotations

import secrets
import time

from bench._context import INGRESS_LATENCY_BOUND_MS, Context
from bench._http import open_loop, render_post
from bench._ingress_server import BARE_PATH, SECRET_ENV
from bench._procs import Child, wait_healthy
from bench._profile import Profiler
from bench._results import Results, Step
from bench._samples import MAASDAL, iter_maasdal_messages
from connectors.channels.webhook import sign
from connectors.maasdal import SIGNATURE_HEADER

WEBHOOK_PATH = f"/partners/{MAASDAL}/messages"
CONNECTIONS = 64  # partners' clients keep connections open; at most this many at once
VARIANT = "as shipped"


def _requests(path: str, count: int, tag: str, secret: str, port: int) -> list[bytes]:
    now = int(time.time())
    return [
        render_post(
            f"127.0.0.1:{port}",
            path,
            {
                "Content-Type": "application/json",
                SIGNATURE_HEADER: sign(message.body, secret, now),
            },
            message.body,
        )
        for message in iter_maasdal_messages(count, tag)
    ]


async def _step(ctx: Context, port: int, path: str, secret: str, tag: str, rate: int) -> Step:
    count = max(int(rate * ctx.scale.ingress_step_seconds), 50)
    requests = _requests(path, count, tag, secret, port)
    samples = await open_loop(
        "127.0.0.1", port, requests, rate, connections=CONNECTIONS, timeout=30.0
    )
    step = Step.from_samples(rate, samples, ok_status=202)
    ctx.console.print(
        f"    {path:<28} {rate:>6}/s: {step.achieved:7.0f}/s p50 {step.p50:6.1f} "
        f"p95 {step.p95:6.1f} p99 {step.p99:7.1f} ms, errors {step.errors}"
    )
    return step


async def ladder(
    ctx: Context, port: int, path: str, secret: str, tag: str, rates: tuple[int, ...]
) -> list[Step]:
    """Rising rates until one does not hold twice in a row (a busy machine's hiccup in one
    step must not end the ladder; both attempts are kept)."""
    steps = []
    for rate in rates:
        step = await _step(ctx, port, path, secret, f"{tag}{rate}", rate)
        steps.append(step)
        if not step.holds(INGRESS_LATENCY_BOUND_MS):
            again = await _step(ctx, port, path, secret, f"{tag}{rate}r", rate)
            steps.append(again)
            if not again.holds(INGRESS_LATENCY_BOUND_MS):
                break
    return steps


def highest_holding(steps: list[Step]) -> float:
    """The highest rate that held (in either attempt)."""
    holding = [step.rate for step in steps if step.holds(INGRESS_LATENCY_BOUND_MS)]
    return max(holding, default=0.0)


async def run(ctx: Context, results: Results) -> None:
    secret = secrets.token_hex(32)
    kafka = ctx.kafka("ingress")
    with Child(
        "ingress",
        [
            "-m",
            "bench._ingress_server",
            "--bootstrap",
            ctx.bootstrap_servers,
            "--prefix",
            kafka.topic_prefix,
        ],
        ctx.work_dir,
        env={SECRET_ENV: secret},
        port_line=True,
    ) as server:
        wait_healthy(f"http://127.0.0.1:{server.port}/health", server)
        # Warm up both paths (connections, the producer's metadata) outside the clock.
        for path in (BARE_PATH, WEBHOOK_PATH):
            await open_loop(
                "127.0.0.1",
                server.port,
                _requests(path, 100, "warm", secret, server.port),
                200,
                connections=CONNECTIONS,
            )
        rates = ctx.scale.ingress_rates
        results.ingress[VARIANT] = {
            "bare": await ladder(ctx, server.port, BARE_PATH, secret, "b", rates),
            "webhook": await ladder(ctx, server.port, WEBHOOK_PATH, secret, "w", rates),
        }
        if ctx.profile:
            await _profile(ctx, results, server, secret)


async def _profile(ctx: Context, results: Results, server: Child, secret: str) -> None:
    """The shipped webhook process under py-spy at its highest holding rate."""
    steps = results.ingress[VARIANT]["webhook"]
    rate = highest_holding(steps) or steps[0].rate
    count = int(rate * ctx.scale.profile_seconds)
    requests = _requests(WEBHOOK_PATH, count, "prof", secret, server.port)
    with Profiler(server.pid, ctx.work_dir / "profile-webhook.txt") as profiler:
        await open_loop("127.0.0.1", server.port, requests, rate, connections=CONNECTIONS)
    results.profiles["webhook"] = profiler.summary(
        f"the webhook process at {rate:.0f} requests/s ({count:,} requests)"
    )
