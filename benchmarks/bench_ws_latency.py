"""Websocket feed latency: from `EventBus.publish` on the core's thread to a client's receipt.

The server (and a publisher thread standing in for the state thread) run in this process,
the clients in a child process, as they would in real use. Both read the same wall clock,
so the latency of an event is the receipt time minus the timestamp it was published with.

    .venv/bin/python benchmarks/bench_ws_latency.py [--clients 20] [--events 300]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import statistics
import sys
import threading
import time
from multiprocessing.synchronize import Event
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.ws_support import (
    engagement_event,
    identified_client,
    live_feed,
)


def _clients(url: str, clients: int, events: int, ready: Event, out: mp.Queue) -> None:
    async def one(ws_url: str) -> list[float]:
        feed = await identified_client(ws_url)
        ready_count.append(1)
        if len(ready_count) == clients:
            ready.set()
        latencies = []
        for _ in range(events):
            raw = await asyncio.wait_for(feed.ws.recv(), 30)
            received = time.time()
            latencies.append(received - json.loads(raw)["d"]["eventData"]["timestamp"])
        await feed.close()
        return latencies

    ready_count: list[int] = []

    async def main() -> list[list[float]]:
        return list(await asyncio.gather(*(one(url) for _ in range(clients))))

    out.put(asyncio.run(main()))


def _run(clients: int, events: int, rate: float, participants: int) -> dict[str, float]:
    with live_feed() as (server, bus, _):
        ctx = mp.get_context("spawn")  # a clean child, not a fork of the server's threads
        ready, out = ctx.Event(), ctx.Queue()
        child = ctx.Process(target=_clients, args=(server.url(), clients, events, ready, out))
        child.start()
        if not ready.wait(60):
            raise SystemExit("clients did not connect")

        def publish() -> None:
            for _ in range(events):
                bus.publish(engagement_event(0.5, time.time(), n=participants))
                time.sleep(1 / rate)

        publisher = threading.Thread(target=publish)
        publisher.start()
        results = out.get(timeout=120)
        publisher.join()
        child.join()
        dropped = server.stats().dropped_slow
    ms = sorted(1000 * v for per_client in results for v in per_client)
    return {
        "received": len(ms),
        "expected": clients * events,
        "median": statistics.median(ms),
        "p95": ms[int(0.95 * (len(ms) - 1))],
        "max": ms[-1],
        "dropped": dropped,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--events", type=int, default=300)
    args = parser.parse_args()
    scenarios = [
        ("steady, 6 people", 10.0, 6),
        ("steady, 25 people", 10.0, 25),
        ("burst, 25 people", 100.0, 25),
    ]
    print(f"{args.clients} clients, {args.events} EngagementUpdated events per scenario")
    print(f"{'scenario':28} {'rate':>7} {'recv':>11} {'median ms':>10} {'p95 ms':>8} {'max ms':>8}")
    for name, rate, people in scenarios:
        r = _run(args.clients, args.events, rate, people)
        recv = f"{r['received']}/{r['expected']}"
        print(
            f"{name:28} {rate:>5.0f}Hz {recv:>11} {r['median']:>10.2f} {r['p95']:>8.2f}"
            f" {r['max']:>8.2f}" + (f"  ({r['dropped']:.0f} dropped)" if r["dropped"] else "")
        )


if __name__ == "__main__":
    main()
