"""Fuzz a running receiver from its own OpenAPI document (schemathesis) and count the answers.

Why here: the suite runs a bounded pass (tests/webhook_receiver/test_receiver_fuzz.py) and
``make fuzz`` runs the long one (>= 5,000 requests per database) whose figures go in
docs/receiver.md ("Hostile input"). Both use :func:`fuzz`: every operation of the served document,
valid (positive) and schema-breaking (negative) cases, with the token, with a fixed seed; any 5xx
or a traceback in a body is a failure, kept with the case that caused it.

    python -m bench.fuzz_receiver --database sqlite --examples 400
    python -m bench.fuzz_receiver --database postgres --examples 400
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO_ROOT = Path(__file__).resolve().parents[1]


@dataclass
class FuzzResult:
    statuses: Counter = field(default_factory=Counter)
    failures: list[str] = field(default_factory=list)
    undocumented: set[str] = field(default_factory=set)  # "METHOD /path status" the document does not list

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def count(self, low: int) -> int:
        return sum(n for status, n in self.statuses.items() if low <= status < low + 100)

    def summary(self) -> str:
        return (
            f"requests={self.requests} 2xx={self.count(200)} 4xx={self.count(400)} 5xx={self.count(500)} "
            f"tracebacks={sum('Traceback' in f for f in self.failures)} statuses={dict(sorted(self.statuses.items()))}"
            f" undocumented={sorted(self.undocumented)}"
        )


def fuzz(base_url: str, token: str, examples: int, seed: int = 16) -> FuzzResult:
    """``examples`` positive and ``examples`` negative cases per operation, answers counted."""
    import schemathesis
    from hypothesis import HealthCheck, Phase, given, seed as hypothesis_seed, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis import GenerationMode

    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_url(base_url + "/openapi.json", headers=headers)
    document = requests.get(base_url + "/openapi.json", headers=headers, timeout=30).json()
    result = FuzzResult()
    session = requests.Session()
    for operation in schema.get_all_operations():
        op = operation.ok()
        documented = set(document["paths"][op.path][op.method.lower()]["responses"])
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @hypothesis_seed(seed)
            @settings(
                max_examples=examples,
                database=None,
                deadline=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=op.as_strategy(generation_mode=mode))
            def run(case) -> None:
                response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
                result.statuses[response.status_code] += 1
                if response.status_code >= 500 or "Traceback" in response.text:
                    result.failures.append(f"{response.status_code} {case.method} {case.formatted_path}: {response.text[:300]}")
                if str(response.status_code) not in documented:
                    result.undocumented.add(f"{case.method} {op.path} {response.status_code}")

            try:
                run()
            except Unsatisfiable:  # nothing to break: e.g. a GET without parameters has no negative case
                continue
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--postgres-url", default=os.environ.get("BURNWISE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    parser.add_argument("--examples", type=int, default=400, help="cases per operation and mode (x2 modes x operations)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(REPO_ROOT))
    from tests.webhook_receiver.receiver_testlib import TOKEN, ReceiverProcess

    with tempfile.TemporaryDirectory(prefix="burnwise-fuzz-") as tmp:
        schema_name = None
        if args.database == "postgres":
            database_url, schema_name = _fresh_postgres_schema(args.postgres_url)
        else:
            database_url = f"sqlite:///{Path(tmp) / 'fuzz.db'}"
        receiver = ReceiverProcess(Path(tmp), {"database_url": database_url, "auth_token": TOKEN, "log_level": "warning"})
        try:
            receiver.start()
            result = fuzz(receiver.url, TOKEN, args.examples, args.seed)
            log_tracebacks = receiver.log().count("Traceback")
        finally:
            receiver.stop()
            if schema_name:
                _drop_postgres_schema(args.postgres_url, schema_name)
    print(f"{args.database}: {result.summary()} log_tracebacks={log_tracebacks}")
    for failure in result.failures[:20]:
        print("  " + failure)
    return 1 if result.count(500) or result.failures or result.undocumented or log_tracebacks else 0


def _fresh_postgres_schema(admin_url: str) -> tuple[str, str]:
    import uuid

    import sqlalchemy as sa

    name = f"fuzz_{uuid.uuid4().hex[:10]}"
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{name}"'))
    engine.dispose()
    sep = "&" if "?" in admin_url else "?"
    return f"{admin_url}{sep}options=-csearch_path%3D{name}", name


def _drop_postgres_schema(admin_url: str, name: str) -> None:
    import sqlalchemy as sa

    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP SCHEMA "{name}" CASCADE'))
    engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
