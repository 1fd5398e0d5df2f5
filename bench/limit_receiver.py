"""The limit for the receiver benchmark: the same server stack, parsing only, no storage.

FastAPI under uvicorn (one process, like ``burnwise serve``); the handler reads the body, parses
the JSON and validates it with the receiver's own payload model, then answers 200. Whatever
burnwise does beyond this (enrichment, one transaction per payload, outbox) is its cost.
Run: ``python -m bench.limit_receiver --port N``.
"""

from __future__ import annotations

import argparse
import json
import sys

import uvicorn
from burnwise.receiver.models import Notification
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse


def create_app() -> FastAPI:
    app = FastAPI(title="parse-only limit")

    @app.post("/v1/alertmanager")
    async def alertmanager(request: Request) -> JSONResponse:
        notification = Notification.model_validate(json.loads(await request.body()))
        return JSONResponse({"status": "accepted", "alerts": len(notification.alerts)})

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        return JSONResponse({"status": "ok"})

    return app


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.limit_receiver")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    uvicorn.run(create_app(), host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
