"""A local HTTP proxy in front of a real server that loses answers on purpose.

It forwards each request whole to the server, and for the first try of each of the first
`drop` writes (told apart by their Idempotency-Key) it then closes the connection
instead of answering: the server did the work, the client never heard. That is the fault
a retry must survive without posting twice.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

import httpx

HOP_BY_HOP = {"host", "connection", "content-length", "transfer-encoding", "keep-alive",
              "date", "server"}


class LosingProxy:
    def __init__(self, upstream: str, drop: int = 1) -> None:
        self.upstream = httpx.Client(base_url=upstream, timeout=60)
        self.drop = drop
        self.seen: list[tuple[str, str, str | None]] = []  # method, path, Idempotency-Key
        self._lost: set[str | None] = set()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.proxy = self  # type: ignore[attr-defined]
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.upstream.close()

    def forward(self, method: str, path: str, headers: dict[str, str],
                body: bytes) -> tuple[httpx.Response, bool]:
        """The server's answer, and whether to lose it."""
        with self._lock:
            answer = self.upstream.request(method, path, headers=headers, content=body)
            self.seen.append((method, path, headers.get("Idempotency-Key")))
            key = headers.get("Idempotency-Key")
            lose = method != "GET" and self.drop > 0 and key not in self._lost
            if lose:
                self.drop -= 1
                self._lost.add(key)
            return answer, lose


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real client expects

    def relay(self) -> None:
        proxy: LosingProxy = self.server.proxy  # type: ignore[attr-defined]
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        answer, lose = proxy.forward(self.command, self.path, headers, body)
        if lose:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(answer.status_code)
        for name, value in answer.headers.items():
            if name.lower() not in HOP_BY_HOP | {"content-encoding"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer.content)))
        self.end_headers()
        self.wfile.write(answer.content)

    do_GET = do_POST = do_PUT = do_DELETE = relay

    def log_message(self, *_: Any) -> None:
        pass
