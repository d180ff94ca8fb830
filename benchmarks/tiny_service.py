"""A tiny HTTP service for the smoke benchmark: every GET answers 200 after --delay-ms.

The delay stands for a real handler's work (a query, a template); /health answers at once.
Run: python benchmarks/tiny_service.py --port 8080 --delay-ms 5
"""

from __future__ import annotations

import argparse
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

BODY = b'{"ok":true}'


def handler(delay_s: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # Keep-alive, so a pooled client reuses its connections as it would with a real service.
        protocol_version = "HTTP/1.1"
        # Headers and body are two writes; with Nagle on, the body waits for the client's
        # delayed ACK and every answer gains milliseconds that are not the handler's.
        disable_nagle_algorithm = True

        def log_message(self, format: str, *args: object) -> None:
            pass  # a thousand access-log lines would only slow the benchmark down

        def do_GET(self) -> None:
            if self.path != "/health":
                time.sleep(delay_s)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(BODY)))
            self.end_headers()
            self.wfile.write(BODY)

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--delay-ms", type=float, default=5.0)
    args = parser.parse_args()
    ThreadingHTTPServer.request_queue_size = 128  # the default 5 drops SYNs under a burst
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(args.delay_ms / 1000))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
