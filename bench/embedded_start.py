"""Time to start the embedded runtime: PostgreSQL (fresh data dir) and the broker.

python -m bench.embedded_start [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from shared.embedded import EmbeddedBroker, EmbeddedPostgres, wait_for_port


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    pg_times, broker_times = [], []
    for _ in range(args.runs):
        started = time.perf_counter()
        pg = EmbeddedPostgres(Path(tempfile.mkdtemp()) / "pg", delete_on_stop=True)
        pg.start()
        pg_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        broker = EmbeddedBroker()
        broker.start()
        wait_for_port("127.0.0.1", broker.port)
        broker_times.append(time.perf_counter() - started)
        broker.stop()
        pg.stop()
    print(
        f"embedded PostgreSQL (initdb + start): median {statistics.median(pg_times):.2f}s "
        f"over {args.runs} runs; broker: median {statistics.median(broker_times):.2f}s"
    )


if __name__ == "__main__":
    main()
