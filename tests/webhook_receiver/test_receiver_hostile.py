"""Issue 16: hostile input and open doors, against real `burnwise serve` processes on both databases.

Every malformed body, header or parameter the issue lists gets a 4xx with a reason (never a 5xx,
never a traceback in the log); what is accepted is stored exactly; the receiver refuses to start
without a token; a cross-site form POST changes nothing; /readyz is 503 on a read-only database;
no ``javascript:`` URL or unescaped matcher reaches a page.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import sqlalchemy as sa

from burnwise.promql.query import parse_selector
from tests.webhook_receiver.receiver_testlib import REPO_ROOT, TOKEN, alert, notification

pytestmark = pytest.mark.integration

AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


@pytest.fixture
def receiver(start_receiver, pager, db_url):
    return start_receiver(
        {
            "database_url": db_url,
            "auth_token": TOKEN,
            "pagerduty_url": pager.enqueue_url,
            "pagerduty_routing_key": "R" * 32,
            "public_url": "https://burnwise.example.test",
        }
    )


def raw_post(receiver, path: str, body: bytes, headers: dict | None = None) -> requests.Response:
    return requests.post(receiver.url + path, data=body, headers=headers or AUTH, timeout=30)


def assert_refused(response: requests.Response, *codes: int) -> None:
    assert response.status_code in (codes or (400,)), (response.status_code, response.text[:300])
    assert response.json()["error"], response.text
    assert "Traceback" not in response.text


def assert_no_server_errors(receiver) -> None:
    log = receiver.log()
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log[-3000:]


def with_labels(group: str, **labels: str) -> dict:
    return notification(group, [alert(fingerprint=f"fp-{group}", **labels)])


def test_every_listed_malformed_case_is_a_4xx_with_a_reason(receiver):
    huge_ids = ["2147483648", "9223372036854775808", "1" + "0" * 40, "-1", "0"]
    for incident_id in huge_ids:
        assert_refused(receiver.get(f"/v1/incidents/{incident_id}"))
        assert_refused(raw_post(receiver, f"/v1/incidents/{incident_id}/ack", b'{"by": "ana"}'))
    deep = b"[" * 100_000 + b"]" * 100_000
    assert_refused(raw_post(receiver, "/v1/alertmanager", deep))
    deep_object = b'{"a":' * 5000 + b"1" + b"}" * 5000
    assert_refused(raw_post(receiver, "/v1/incidents/1/timeline", deep_object))
    for when in ("0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-05:00", "0001-01-01T00:00:00Z", "1969-12-31T23:59:59Z"):
        body = notification("times", [dict(alert(), startsAt=when)])
        answer = raw_post(receiver, "/v1/alertmanager", json.dumps(body).encode())
        assert_refused(answer)
        assert answer.json()["field"] == "alerts.0.startsAt"
    for body in (b"\xff\xfe{", b"null", b"[]", b'"x"', b"1e999", b'{"version": NaN}', b"{not json"):
        assert_refused(raw_post(receiver, "/v1/alertmanager", body))
    too_many = dict(with_labels("ints"), truncatedAlerts=10**30)
    assert_refused(raw_post(receiver, "/v1/alertmanager", json.dumps(too_many).encode()))
    assert_refused(receiver.get("/v1/incidents?status=burning"))
    assert_refused(receiver.get("/v1/incidents?service=" + "x" * 20_000))
    good = json.dumps(with_labels("headers")).encode()
    for authorization in ("Basic !!!", "Basic " + base64.b64encode(b"\xff\xfe").decode(), "Bearer", "Token " + TOKEN, "Bearer " + TOKEN + "x", "Basic " + "A" * 10_000):
        assert_refused(raw_post(receiver, "/v1/alertmanager", good, {"Authorization": authorization, "Content-Type": "application/json"}), 401)
    for content_type in ("", "application/jsonx", "text/json", "application/x-www-form-urlencoded", "multipart/form-data"):
        assert_refused(raw_post(receiver, "/v1/alertmanager", good, {**AUTH, "Content-Type": content_type}), 415)
    assert raw_post(receiver, "/v1/alertmanager", good, {**AUTH, "Content-Type": "Application/JSON; charset=utf-8"}).status_code == 200
    utf16 = raw_post(receiver, "/v1/alertmanager", json.dumps(with_labels("utf16")).encode("utf-16"), AUTH)
    assert utf16.status_code in (200, 400), utf16.text
    for body in (b"", b" ", b"{}", b'{"version": "4"}', b'{"version": 4, "alerts": "x"}', b'{"alerts": [null]}', b"\x00", b'{"a": "\\ud800"}'):
        assert_refused(raw_post(receiver, "/v1/alertmanager", body))
    for command in ("ack", "resolve", "timeline"):
        for body in (b"[]", b'{"by": ""}', b'{"by": 1}', b'{"extra": 1}', b'{"kind": "party", "text": "x"}', b"{not json"):
            answer = raw_post(receiver, f"/v1/incidents/1/{command}", body)
            assert answer.status_code in (400, 404), (command, body, answer.text)
    assert receiver.get("/v1/incidents?service=%00%ED%A0%80").status_code == 200
    assert_no_server_errors(receiver)


def test_hostile_text_is_stored_exactly_on_both_databases(receiver, pager):
    """Lone surrogates and NUL become U+FFFD; label values of any length are stored and page."""
    long_service = "s" * 5000
    sent = [
        ("surrogate", with_labels("surrogate", service="svc\ud800x", team="\udfff")),
        ("nul", with_labels("nul", service="svc\x00x", owner="a\x00b")),
        ("long", with_labels("long", service=long_service, slo="y" * 300, owner="z" * 250)),
    ]
    for name, body in sent:
        body["alerts"][0]["annotations"]["summary"] = "note \ud83d and \x00 end"
        # json.dumps escapes lone surrogates as \ud800: exactly what an attacker's bytes look like
        answer = raw_post(receiver, "/v1/alertmanager", json.dumps(body).encode())
        assert answer.status_code == 200, (name, answer.text)
        incident = receiver.incident(answer.json()["opened"][0])
        expected = {k: v.replace("\x00", "\ufffd").encode("utf-16", "surrogatepass").decode("utf-16", "replace") for k, v in body["alerts"][0]["labels"].items()}
        assert incident["labels"] == expected, name
        assert incident["service"] == expected["service"]
        assert incident["alerts"][0]["annotations"]["summary"] == "note \ufffd and \ufffd end"
    assert receiver.incident(3)["service"] == long_service
    assert pager.wait_for(lambda stub: len(stub.events) >= 3, timeout=20), pager.events
    note = raw_post(receiver, "/v1/incidents/1/timeline", json.dumps({"kind": "note", "text": "a\x00b", "by": "x\x00"}).encode())
    assert note.status_code == 201 and note.json()["text"] == "a\ufffdb" and note.json()["actor"] == "x\ufffd", note.text
    # a person's command with a lone surrogate is refused (400, the field named): they can retype it
    bad = raw_post(receiver, "/v1/incidents/1/timeline", json.dumps({"kind": "note", "text": "a\ud800"}).encode())
    assert_refused(bad)
    assert bad.json()["field"] == "text"
    assert_no_server_errors(receiver)


def test_token_is_checked_before_the_body_is_parsed(receiver):
    for path in ("/v1/alertmanager", "/v1/incidents/1/resolve"):
        answer = raw_post(receiver, path, b"{not json", headers={"Content-Type": "application/json"})
        assert answer.status_code == 401 and "JSON" not in answer.text, answer.text
        assert raw_post(receiver, path, b"[" * 100_000, headers={"Content-Type": "application/json"}).status_code == 401
    for path in ("/docs", "/openapi.json", "/metrics", "/redoc"):
        assert requests.get(receiver.url + path, timeout=10).status_code == 401, path
        assert receiver.get(path).status_code == 200, path
    assert requests.get(receiver.url + "/healthz", timeout=10).status_code == 200


def test_docs_and_metrics_can_be_configured_public(start_receiver, tmp_path):
    receiver = start_receiver(
        {"database_url": f"sqlite:///{tmp_path / 'p.db'}", "auth_token": TOKEN, "public_metrics": True, "public_docs": True}
    )
    for path in ("/metrics", "/openapi.json", "/docs"):
        assert requests.get(receiver.url + path, timeout=10).status_code == 200, path
    assert requests.get(receiver.url + "/v1/incidents", timeout=10).status_code == 401


def test_a_cross_site_form_post_changes_nothing(start_receiver, pager, tmp_path):
    """A browser that cached basic auth sends it cross-site with a form; only JSON commands count."""
    receiver = start_receiver(
        {"database_url": f"sqlite:///{tmp_path / 'csrf.db'}", "auth_token": TOKEN, "pagerduty_url": pager.enqueue_url, "pagerduty_routing_key": "R" * 32}
    )
    incident_id = receiver.post(with_labels("csrf")).json()["opened"][0]
    assert pager.wait_for(lambda stub: len(stub.events) == 1)
    basic = {"Authorization": "Basic " + base64.b64encode(f"x:{TOKEN}".encode()).decode()}
    url = f"{receiver.url}/v1/incidents/{incident_id}/resolve"
    for headers, data in (
        ({**basic, "Content-Type": "application/x-www-form-urlencoded"}, b""),
        ({**basic, "Content-Type": "application/x-www-form-urlencoded"}, b"by=attacker"),
        ({**basic, "Content-Type": "multipart/form-data; boundary=x"}, b"--x--"),
        ({**basic, "Content-Type": "text/plain"}, b'{"by": "attacker"}'),
        (basic, b""),
    ):
        assert_refused(requests.post(url, data=data, headers=headers, timeout=10), 415)
    assert receiver.incident(incident_id)["status"] == "open"
    assert [e["event_action"] for e in pager.events] == ["trigger"]
    ok = requests.post(url, json={"by": "ana"}, headers=basic, timeout=10)
    assert ok.status_code == 200 and ok.json()["status"] == "resolved"


def test_without_a_token_serve_refuses_to_start_unless_told(tmp_path):
    config = tmp_path / "receiver.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'n.db'}\nlisten: 127.0.0.1:1\n", encoding="utf-8")
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}
    refused = subprocess.run(
        [sys.executable, "-m", "burnwise", "serve", "--config", str(config)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode == 1
    assert "no auth token" in refused.stderr and "--insecure-no-auth" in refused.stderr and "Traceback" not in refused.stderr


def test_insecure_no_auth_starts_with_a_warning(start_receiver, tmp_path):
    receiver = start_receiver({"database_url": f"sqlite:///{tmp_path / 'i.db'}", "insecure_no_auth": True})
    assert "WARNING" in receiver.log() and "INSECURE: no auth token" in receiver.log()
    assert receiver.post(with_labels("open-door")).status_code == 200
    # even open, commands stay JSON-only: a form post from any web page changes nothing
    form = requests.post(f"{receiver.url}/v1/incidents/1/resolve", data=b"", headers={"Content-Type": "application/x-www-form-urlencoded"}, timeout=10)
    assert form.status_code == 415 and receiver.incident(1)["status"] == "open"


def test_readyz_is_503_with_a_generic_body_on_a_read_only_sqlite_database(start_receiver, tmp_path):
    path = tmp_path / "ro.db"
    first = start_receiver({"database_url": f"sqlite:///{path}", "auth_token": TOKEN})
    assert requests.get(first.url + "/readyz", timeout=10).status_code == 200
    first.stop()
    receiver = start_receiver({"database_url": f"sqlite:///file:{path}?mode=ro&uri=true", "auth_token": TOKEN})
    answer = requests.get(receiver.url + "/readyz", timeout=10)
    assert answer.status_code == 503 and answer.json() == {"status": "unavailable", "error": "database unavailable"}
    assert "readonly" in receiver.log() or "read-only" in receiver.log(), receiver.log()[-2000:]
    refused = receiver.post(with_labels("ro"))
    assert refused.status_code == 503 and refused.json()["error"] == "database unavailable"


@pytest.mark.postgres
def test_readyz_is_503_on_a_read_only_postgres_without_naming_host_or_port(start_receiver, postgres_url):
    first = start_receiver({"database_url": postgres_url, "auth_token": TOKEN})
    assert requests.get(first.url + "/readyz", timeout=10).status_code == 200
    first.stop()
    read_only = postgres_url + "%20-cdefault_transaction_read_only%3Don"  # a standby answers like this
    receiver = start_receiver({"database_url": read_only, "auth_token": TOKEN})
    answer = requests.get(receiver.url + "/readyz", timeout=10)
    assert answer.status_code == 503, answer.text
    assert "5432" not in answer.text and "127.0.0.1" not in answer.text and "psycopg" not in answer.text
    assert "read-only" in receiver.log(), receiver.log()[-2000:]


def test_only_http_links_reach_the_page_and_the_silence_link_keeps_matchers_exact(receiver, pager):
    hostile = 'api",severity=~".*'
    body = notification("links", [alert(fingerprint="fp-links", team=hostile)])
    body["groupLabels"] = {"team": hostile, "weird name": 'x\\"\n'}
    body["alerts"][0]["annotations"].update(
        {"runbook_url": "javascript:alert(document.cookie)", "dashboard_url": "data:text/html,<script>alert(1)</script>"}
    )
    body["alerts"][0]["generatorURL"] = " JavaScript:alert(1)"
    answer = receiver.post(body)
    assert answer.status_code == 200, answer.text
    incident = receiver.incident(answer.json()["opened"][0])
    assert pager.wait_for(lambda stub: len(stub.events) >= 1)
    hrefs = [link["href"] for link in pager.events[0]["links"]] + [link["href"] for link in incident["links"]]
    assert hrefs and all(urlsplit(h).scheme in ("http", "https") for h in hrefs), hrefs
    silence = next(h for h in hrefs if "/#/silences/new" in h)
    expr = parse_qs(urlsplit(silence).fragment.split("?", 1)[1])["filter"][0]
    matchers = {m.name: (m.op, m.value) for m in parse_selector(expr.replace('"weird name"=', 'weird_name=')).matchers}
    assert matchers == {"team": ("=", hostile), "weird_name": ("=", 'x\\"\n')}, expr


@pytest.mark.postgres
def test_a_version_1_postgres_database_is_migrated_to_text_columns(start_receiver, postgres_url):
    engine = sa.create_engine(postgres_url.replace("postgresql://", "postgresql+psycopg://"))
    first = start_receiver({"database_url": postgres_url, "auth_token": TOKEN})
    first.stop()
    with engine.begin() as conn:  # make it look like a database created by schema version 1
        conn.execute(sa.text('ALTER TABLE "incidents" ALTER COLUMN "service" TYPE varchar(200)'))
        conn.execute(sa.text("UPDATE burnwise_schema SET version = 1"))
    receiver = start_receiver({"database_url": postgres_url, "auth_token": TOKEN})
    assert receiver.post(with_labels("migrated", service="m" * 500)).status_code == 200
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version FROM burnwise_schema")).scalar() == 3
    engine.dispose()


def test_incident_show_prints_no_escape_bytes(start_receiver, tmp_path):
    receiver = start_receiver({"database_url": f"sqlite:///{tmp_path / 'show.db'}", "auth_token": TOKEN})
    body = with_labels("show", alertname="Evil\x1b]0;pwned\x07", service="svc\x1b[2J")
    incident_id = receiver.post(body).json()["opened"][0]
    note = {"kind": "note", "text": "see \x1b[31mred\x1b[0m\rover\x9b", "by": "x\x1b[1m"}
    assert raw_post(receiver, f"/v1/incidents/{incident_id}/timeline", json.dumps(note).encode()).status_code == 201
    env = {"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin", "BURNWISE_AUTH_TOKEN": TOKEN}
    for argv in (["show", str(incident_id)], ["list"]):
        shown = subprocess.run(
            [sys.executable, "-m", "burnwise", "incident", *argv, "--url", receiver.url],
            env=env, capture_output=True, text=True, timeout=60,
        )
        assert shown.returncode == 0, shown.stderr
        assert "svc" in shown.stdout
        assert not any(c in shown.stdout for c in "\x1b\x07\r\x9b"), repr(shown.stdout)


def test_openapi_document_is_complete(tmp_path):
    """Payload schema, security schemes, and the refusals of every route are in the document."""
    from burnwise.receiver.api import create_app
    from burnwise.receiver.config import ReceiverConfig

    app = create_app(ReceiverConfig(database_url=f"sqlite:///{tmp_path / 'doc.db'}", auth_token=TOKEN), start_worker=False)
    doc = app.openapi()
    assert set(doc["components"]["securitySchemes"]) == {"HTTPBearer", "HTTPBasic"}
    payload = doc["components"]["schemas"]["Notification"]
    assert {"version", "groupKey", "status", "receiver", "alerts"} <= set(payload["required"])
    for path in ("/v1/alertmanager", "/v1/alertmanager/ticket"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]
        assert body == {"$ref": "#/components/schemas/Notification"}
        assert {"200", "400", "401", "413", "415", "503"} <= set(doc["paths"][path]["post"]["responses"])
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert "422" not in codes, (method, path)  # validation errors are 400 with the field named
            if path.startswith("/v1/"):
                assert {"400", "401", "503"} <= codes and operation["security"], (method, path)
                if method == "post":
                    assert {"413", "415"} <= codes, (method, path)
            if "{incident_id}" in path:
                assert "404" in codes, (method, path)
    assert doc["paths"]["/readyz"]["get"]["security"] == [] and "503" in doc["paths"]["/readyz"]["get"]["responses"]


def test_the_insecure_flag_on_the_command_line_starts_with_a_warning(tmp_path):
    from burnwise.support.processes import free_port, stop_process, wait_until

    port = free_port()
    config = tmp_path / "receiver.yaml"
    config.write_text(f"database_url: sqlite:///{tmp_path / 'f.db'}\nlisten: 127.0.0.1:{port}\n", encoding="utf-8")
    log_path = tmp_path / "serve.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "burnwise", "serve", "--config", str(config), "--insecure-no-auth", "--without-paging"],
            cwd=tmp_path, env={"PYTHONPATH": str(REPO_ROOT), "PATH": "/usr/bin:/bin"}, stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        def up() -> bool:
            try:
                return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        assert wait_until(up, timeout=60), log_path.read_text(errors="replace")
        assert "WARNING burnwise.receiver: INSECURE: no auth token" in log_path.read_text(errors="replace")
    finally:
        stop_process(proc)
