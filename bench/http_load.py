"""A small HTTP/1.1 load client on asyncio streams: keep-alive connections, bounded count and time.

Why not a general client library: on a 2-core machine the client shares the CPU with the server
it measures, so it must do as little as possible per request. It speaks just enough HTTP/1.1 for
JSON POSTs answered with Content-Length (uvicorn and gunicorn both answer so).

Two shapes of load:
* closed loop (:func:`closed_loop`): `concurrency` connections each send the next payload as soon
  as the previous answer arrives - throughput;
* open loop (:func:`open_loop`): payloads start at a fixed rate whatever the answers do - latency
  at a given request rate, without the client slowing down when the server does.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

#: a keep-alive connection idle longer than this is reopened before the next request: servers
#: close idle connections (uvicorn after 5 s, gunicorn after 2 s), and a request written into a
#: connection the server is closing fails without an answer (counted as status 0)
MAX_IDLE_SECONDS = 1.5


@dataclass
class LoadResult:
    sent: int = 0
    ok: int = 0
    errors: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests only
    wall: float = 0.0

    def record(self, status: int, latency: float) -> None:
        self.sent += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if 200 <= status < 300:
            self.ok += 1
            self.latencies.append(latency)
        else:
            self.errors += 1


class Connection:
    def __init__(self, host: str, port: int, path: str, headers: dict[str, str]) -> None:
        self.host, self.port, self.path = host, port, path
        self.extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.last_used = 0.0

    async def post(self, body: bytes) -> int:
        """POST one body; return the status (0 when the connection failed; it reconnects next time)."""
        try:
            if self.writer is not None and time.monotonic() - self.last_used > MAX_IDLE_SECONDS:
                await self.close()
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            head = (
                f"POST {self.path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n{self.extra}\r\n"
            ).encode()
            self.writer.write(head + body)
            status_line = await self.reader.readline()
            status = int(status_line.split(b" ", 2)[1])
            length, close = 0, False
            while True:
                line = await self.reader.readline()
                if line in (b"\r\n", b""):
                    break
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value.strip())
                elif name == b"connection" and value.strip().lower() == b"close":
                    close = True
            if length:
                await self.reader.readexactly(length)
            if close:
                await self.close()
            self.last_used = time.monotonic()
            return status
        except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
            await self.close()
            return 0

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except OSError:
                pass
        self.reader = self.writer = None


async def closed_loop(url_host: str, port: int, path: str, bodies: list[bytes], concurrency: int, time_limit: float, headers: dict[str, str] | None = None) -> LoadResult:
    result = LoadResult()
    queue = iter(bodies)
    deadline = time.monotonic() + time_limit

    async def worker() -> None:
        conn = Connection(url_host, port, path, headers or {})
        try:
            for body in queue:
                if time.monotonic() > deadline:
                    break
                started = time.perf_counter()
                status = await conn.post(body)
                result.record(status, time.perf_counter() - started)
        finally:
            await conn.close()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    result.wall = time.perf_counter() - started
    return result


async def open_loop(url_host: str, port: int, path: str, bodies: list[bytes], rate: float, time_limit: float, headers: dict[str, str] | None = None) -> LoadResult:
    """Start one request every 1/rate seconds (up to len(bodies) and time_limit), each on a free connection."""
    result = LoadResult()
    idle: list[Connection] = []
    tasks = []
    started = time.perf_counter()

    async def one(body: bytes, scheduled: float) -> None:
        conn = idle.pop() if idle else Connection(url_host, port, path, headers or {})
        status = await conn.post(body)
        # latency from the scheduled start, so a slow client loop cannot hide server queueing
        result.record(status, time.perf_counter() - scheduled)
        idle.append(conn)

    for i, body in enumerate(bodies):
        scheduled = started + i / rate
        if scheduled - started > time_limit:
            break
        delay = scheduled - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(body, scheduled)))
    if tasks:
        await asyncio.wait(tasks, timeout=max(10.0, time_limit))
    for task in tasks:
        task.cancel()
    result.wall = time.perf_counter() - started
    for conn in idle:
        await conn.close()
    return result
