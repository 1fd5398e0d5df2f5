"""A scrape target that continues the synthetic history live, so rules evaluated "now" see fresh data.

The backfilled history ends when the benchmark starts; the rules run minutes later. Without new
samples every window shorter than that gap would be empty and cheap, which would flatter the rule
set that reads short raw windows. This exporter serves the same counters (same model, same 15 s
grid, samples carry their grid timestamps) from where the history ends, in a thread of the
benchmark process, stopped in a ``finally``.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from bench.traffic import METRIC, SLOTraffic, cumulative_counts, series_shares


class SyntheticSeries:
    """Counter values of all SLOs at the latest grid step, advanced incrementally."""

    def __init__(self, slos: list[SLOTraffic], start: int, step: int) -> None:
        self.slos, self.start, self.step = slos, start, step
        self.shares = {slo.job: series_shares(slo) for slo in slos}
        self.lock = threading.Lock()

    def exposition(self, now: float) -> str:
        grid = self.start + int((now - self.start) // self.step) * self.step
        lines = [f"# TYPE {METRIC} untyped"]
        with self.lock:
            for slo in self.slos:
                _, good, bad = cumulative_counts(slo, self.start, grid, self.step)
                good_now, bad_now = good[-1], bad[-1]
                for instance, code, is_error, share in self.shares[slo.job]:
                    value = int((bad_now if is_error else good_now) * share)
                    lines.append(f'{METRIC}{{job="{slo.job}",instance="{instance}",code="{code}"}} {value} {grid * 1000}')
        return "\n".join(lines) + "\n"


@contextlib.contextmanager
def serving(series: SyntheticSeries, port: int) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's naming
            body = series.exposition(time.time()).encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
