"""Actions against real loopback endpoints and real programs: timeouts, no shell, masked secrets."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from burnwise.roster.runbooks import Action
from burnwise.runbooks.actions import ActionError, describe, execute

SECRET = "s3cret-value-never-shown"


class Recorder:
    """A real HTTP server on a free loopback port that records every request it answers."""

    def __init__(self, delay: float = 0.0, status: int = 200) -> None:
        self.calls: list[dict] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                return

            def _any(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                recorder.calls.append({"method": self.command, "path": self.path,
                                       "auth": self.headers.get("Authorization"), "body": body})
                time.sleep(delay)
                try:
                    self.send_response(status)
                    self.send_header("Content-Length", "2")
                    self.end_headers()
                    self.wfile.write(b"{}")
                except OSError:  # the client gave up (the timeout test): nothing to answer
                    pass

            do_GET = do_POST = do_PUT = _any

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def recorder():
    server = Recorder()
    try:
        yield server
    finally:
        server.stop()


def _http(**fields) -> Action:
    return Action.model_validate({"http": {"url": "${BASE}/flags/x", "headers": {"Authorization": "Bearer ${TOKEN}"},
                                           "body": {"enabled": True}, **fields}})


def test_http_action_sends_the_secret_header_but_never_shows_it(recorder):
    env = {"BASE": recorder.url, "TOKEN": SECRET}
    action = _http(method="PUT")
    result = execute(action, env, confirm=None)
    assert result.ok and "HTTP 200" in result.detail
    assert recorder.calls == [{"method": "PUT", "path": "/flags/x", "auth": f"Bearer {SECRET}",
                               "body": json.dumps({"enabled": True}).encode()}]
    shown = describe(action, env) + result.detail
    assert SECRET not in shown and "****($TOKEN)" in shown and recorder.url in shown


def test_http_action_times_out_and_a_missing_variable_is_named():
    slow = Recorder(delay=3.0)
    try:
        started = time.monotonic()
        result = execute(_http(timeout="1s"), {"BASE": slow.url, "TOKEN": "t"}, confirm=None)
        assert not result.ok and "timed out after 1s" in result.detail
        assert time.monotonic() - started < 2.5
    finally:
        slow.stop()
    with pytest.raises(ActionError, match="environment variable TOKEN is not set"):
        execute(_http(), {"BASE": "http://127.0.0.1:9"}, confirm=None)


def test_http_error_status_is_a_failed_step():
    refusing = Recorder(status=503)
    try:
        result = execute(_http(), {"BASE": refusing.url, "TOKEN": "t"}, confirm=None)
    finally:
        refusing.stop()
    assert not result.ok and "HTTP 503" in result.detail


def test_command_runs_without_a_shell_and_is_killed_at_its_timeout(tmp_path):
    marker = tmp_path / "created-by-a-shell"
    argv = ["echo", f"hello; touch {marker}"]
    result = execute(Action.model_validate({"command": {"argv": argv}}), {}, confirm=None)
    assert result.ok and result.detail == f"echo exited 0: hello; touch {marker}"
    assert not marker.exists()  # the ';' reached echo as text: no shell interpreted it
    started = time.monotonic()
    result = execute(Action.model_validate({"command": {"argv": ["sleep", "30"], "timeout": "1s"}}), {}, confirm=None)
    assert not result.ok and "timed out after 1s (killed)" in result.detail
    assert time.monotonic() - started < 5
    missing = execute(Action.model_validate({"command": {"argv": ["no-such-program-burnwise"]}}), {}, confirm=None)
    assert not missing.ok and "could not start" in missing.detail


def test_manual_step_needs_a_person_and_fails_clearly_without_one():
    action = Action.model_validate({"manual": {"instructions": "Drain zone b in the console."}})
    with pytest.raises(ActionError, match="non-interactive run.*Drain zone b"):
        execute(action, {}, confirm=None)
    asked: list[str] = []
    assert execute(action, {}, confirm=lambda text: asked.append(text) or True).ok
    assert asked == ["Drain zone b in the console."]
    assert not execute(action, {}, confirm=lambda _text: False).ok
