"""drain's waiting, against a stand-in that accepts the shutdown call (the real sidecar:
tests/integration/test_drain_it.py)."""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from dapr_common.drain import drain
from dapr_common.settings import DaprSettings


@contextmanager
def sidecar(*, stops: bool) -> Iterator[tuple[str, list[str]]]:
    calls: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            calls.append(f"{self.path} {self.headers.get('dapr-api-token')}")
            self.send_response(204)
            self.end_headers()
            if stops:  # as daprd exits: stop serving and close the listener
                threading.Thread(target=stop).start()

        def log_message(self, *args: object) -> None:
            pass

    def stop() -> None:
        server.shutdown()
        server.server_close()

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", calls
    finally:
        stop()
        thread.join()


def settings(url: str) -> DaprSettings:
    return DaprSettings(dapr_http_endpoint=url, dapr_api_token="tok")  # type: ignore[arg-type]


def test_a_sidecar_that_stops_drains_with_the_token_sent() -> None:
    with sidecar(stops=True) as (url, calls):
        assert drain(settings(url), grace=0, wait=5) == 0
    assert calls == ["/v1.0/shutdown tok"]


def test_a_sidecar_that_keeps_listening_fails_after_the_wait(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with sidecar(stops=False) as (url, calls):
        assert drain(settings(url), grace=0, wait=0.3) == 1
    assert calls == ["/v1.0/shutdown tok"]
    assert "still listens after 0.3 s" in capsys.readouterr().err


def test_no_sidecar_at_all_fails_with_the_reason(capsys: pytest.CaptureFixture[str]) -> None:
    with sidecar(stops=False) as (url, _):
        pass
    assert drain(settings(url), grace=0, wait=0.3) == 1
    assert "could not stop the sidecar: ConnectionRefusedError" in capsys.readouterr().err
