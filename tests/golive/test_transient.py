"""Transient API answers are tried again, a bounded number of times, against a real local HTTP
server that answers as told; other answers come back at once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from golive.transient import request, retry_transient


class Scripted(ThreadingHTTPServer):
    """Answers each request with the next status of `answers` (the last one from then on);
    "reset" drops the connection without an answer."""

    def __init__(self, answers: list[int | str]) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.answers, self.seen = answers, 0


class Handler(BaseHTTPRequestHandler):
    server: Scripted

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        answers = self.server.answers
        answer = answers[min(self.server.seen, len(answers) - 1)]
        self.server.seen += 1
        if answer == "reset":
            self.close_connection = True
            self.connection.shutdown(2)  # no answer at all: the client sees the connection drop
            return
        body = b'{"status": "ACCEPT"}' if answer == 200 else b"{}"
        self.send_response(int(answer))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def serve() -> Iterator[type[Scripted]]:
    servers: list[Scripted] = []

    def start(answers: list[int | str]) -> Scripted:
        server = Scripted(answers)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server

    yield start  # type: ignore[misc]
    for server in servers:
        server.shutdown()
        server.server_close()


def url(server: Scripted) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/flow_runs/x/resume"


def test_two_503_answers_then_200_is_a_success(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve([503, 503, 200])
    response = request("POST", url(server), json={"run_input": {}}, timeout=10)
    assert response.status_code == 200 and response.json() == {"status": "ACCEPT"}
    assert server.seen == 3


def test_a_reset_connection_is_tried_again(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve(["reset", 200])
    assert request("POST", url(server), json={}, timeout=10).status_code == 200
    assert server.seen == 2


def test_other_answers_come_back_at_once(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve([404, 200])
    assert request("POST", url(server), json={}, timeout=10).status_code == 404
    assert server.seen == 1


def test_retries_are_bounded_and_the_last_answer_is_returned(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve([503])
    assert request("POST", url(server), json={}, tries=3, timeout=10).status_code == 503
    assert server.seen == 3


def test_a_client_call_raising_a_transient_error_is_tried_again(serve) -> None:  # type: ignore[no-untyped-def]
    server = serve([429, 502, 200])
    waits: list[float] = []

    def call() -> int:
        response = httpx.post(url(server), json={}, timeout=10)
        response.raise_for_status()  # as Prefect's client does
        return response.status_code

    assert retry_transient(call, sleep=waits.append) == 200
    assert waits == [0.25, 0.5]  # doubling
    with pytest.raises(ValueError):  # not transient: raised at once, no wait
        retry_transient(lambda: int("x"), sleep=waits.append)
    assert len(waits) == 2
