"""A tiny real HTTP app on 127.0.0.1 for authenticated smoke and load checks.

- POST /login/access-token takes a form (application/x-www-form-urlencoded) `username` and
  `password`; right: 200 `{"access_token", "token_type", "user": {"id", "email"}}`, wrong: 400,
  not a form: 422 (as a FastAPI OAuth2 form login answers).
- GET /users/me and GET /users/{id} need `Authorization: Bearer <token>` (else 401).
- POST /items needs the bearer token, an `X-Api-Key` header and a JSON body with `name`.
- POST /charge always answers 500 and counts how often it was asked.
- GET /ping 200; GET /health 200; GET /broken 503.
- With `hold_login`, the login answers only once /ping has been asked (or after 10 s, 503):
  a test can show an independent check is not queued behind the login.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

USER = "admin@example.com"
PASSWORD = "correct-horse-battery-staple-42"
TOKEN = "tok-7f3a9c1e5b2d4f6a8c0e1b3d5f7a9c2e"
API_KEY = "key-0d9e8f7a6b5c4d3e2f1a0b9c8d7e6f5a"
USER_ID = 7


class AuthServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, hold_login: bool = False) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.hold_login = hold_login
        self.pinged = threading.Event()
        self.lock = threading.Lock()
        self.hits: Counter[str] = Counter()
        self.order: list[str] = []

    @property
    def port(self) -> int:
        return int(self.server_address[1])


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: AuthServer

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def reply(self, code: int, document: Any = None) -> None:
        body = json.dumps(document if document is not None else {}).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def authorized(self) -> bool:
        return self.headers.get("Authorization") == f"Bearer {TOKEN}"

    def body(self) -> bytes:
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def do_GET(self) -> None:
        self.count()
        if self.path in ("/ping", "/health"):
            if self.path == "/ping":
                self.server.pinged.set()
            return self.reply(200, {"ok": True})
        if self.path == "/broken":
            return self.reply(503)
        if self.path in ("/users/me", f"/users/{USER_ID}"):
            if not self.authorized():
                return self.reply(401, {"detail": "Not authenticated"})
            return self.reply(200, {"id": USER_ID, "email": USER})
        self.reply(404)

    def do_POST(self) -> None:
        self.count()
        data = self.body()
        if self.path == "/login/access-token":
            return self.login(data)
        if self.path == "/charge":
            return self.reply(500)
        if self.path == "/items":
            try:
                name = json.loads(data).get("name")
            except ValueError:
                name = None
            ok = self.authorized() and self.headers.get("X-Api-Key") == API_KEY and name
            return self.reply(201 if ok else 403, {"name": name})
        self.reply(404)

    def login(self, data: bytes) -> None:
        if self.headers.get("Content-Type") != "application/x-www-form-urlencoded":
            return self.reply(422, {"detail": "form fields required"})
        if self.server.hold_login and not self.server.pinged.wait(10):
            return self.reply(503)
        form = {k: v[0] for k, v in parse_qs(data.decode()).items()}
        if form.get("username") != USER or form.get("password") != PASSWORD:
            return self.reply(400, {"detail": "Incorrect email or password"})
        user = {"id": USER_ID, "email": USER}
        self.reply(200, {"access_token": TOKEN, "token_type": "bearer", "user": user})

    def count(self) -> None:
        with self.server.lock:
            self.server.hits[f"{self.command} {self.path}"] += 1
            self.server.order.append(f"{self.command} {self.path}")


@contextmanager
def auth_app(hold_login: bool = False) -> Iterator[AuthServer]:
    server = AuthServer(hold_login)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield server
    finally:
        server.pinged.set()  # release a held login so shutdown does not wait for it
        server.shutdown()
        server.server_close()
        thread.join(5)
