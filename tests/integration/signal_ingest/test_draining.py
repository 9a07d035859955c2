"""The edge stops accepting when ``crosssell up`` starts its drain (SIGUSR1).

A real signal_ingest (uvicorn in the test's loop, on the real PostgreSQL and
broker): after the drain signal every ingest route answers 503 with
``Retry-After`` and records nothing, while reads keep working.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import orjson

from services.signal_ingest.ingest.draining import DRAIN_SIGNAL
from shared.signature import sign
from tests.integration.signal_ingest.harness import SECRET, canonical, running
from tests.support.isolation import Isolation
from tests.support.kafka import wait_until

USAGE = {"product": "flow", "metric": "active_seats", "value": 41, "limit": 50}


def signed_headers(body: bytes) -> dict[str, str]:
    return {
        "X-Crosssell-Source": "product",
        "X-Crosssell-Signature": sign(SECRET.encode(), body, int(time.time())),
        "Content-Type": "application/json",
    }


async def test_drain_signal_turns_every_ingest_route_into_503_with_retry_after(
    isolated: Isolation, tmp_path: Path
) -> None:
    async with running(isolated, tmp_path) as pipe:
        first = canonical("001DRAIN", "usage.metric", USAGE, "product", "2026-11-02T14:00:00Z")
        await pipe.post("product", [first])
        # the app listens for the signal: sending it must not end this process
        assert signal.getsignal(DRAIN_SIGNAL) not in (signal.SIG_DFL, signal.SIG_IGN)
        os.kill(os.getpid(), DRAIN_SIGNAL)

        late = canonical("001DRAIN", "usage.metric", USAGE, "product", "2026-11-02T15:00:00Z")
        body = orjson.dumps({"events": [late]})

        async def refused() -> bool:
            answer = await pipe.http.post("/v1/events", content=body, headers=signed_headers(body))
            return answer.status_code == 503

        await wait_until(refused, timeout_s=5, interval_s=0.05)
        answer = await pipe.http.post("/v1/events", content=body, headers=signed_headers(body))
        assert answer.status_code == 503
        assert int(answer.headers["Retry-After"]) > 0
        assert "stopping" in answer.json()["detail"]
        for path in ("/v1/ingest/churnzero", "/v1/ingest/gainsight"):
            vendor = await pipe.http.post(path, content=b"[]")
            assert vendor.status_code == 503, (path, vendor.text)
            assert vendor.headers["Retry-After"] == answer.headers["Retry-After"]
        # what was accepted before keeps flowing; reads still answer
        signals = await pipe.http.get("/v1/signals", headers=pipe.auth)
        assert signals.status_code == 200
        assert (await pipe.http.get("/readyz")).status_code == 200
