"""A small HTTP server on 127.0.0.1 that serves the hand-written news pages and a few bad answers."""

from __future__ import annotations

import contextlib
import ssl
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

PAGES = Path(__file__).resolve().parent / "data" / "pages"
SLOW_CHUNKS = 40  # bounded: a slow body is 40 chunks, 0.05 s apart


class _Handler(BaseHTTPRequestHandler):
    server_version = "pages/1"

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _send(self, status: int, body: bytes, content_type: str = "text/html; charset=utf-8") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self.server.seen.append((self.path, dict(self.headers)))  # type: ignore[attr-defined]
        path = self.path.split("?", 1)[0]
        if path.startswith("/news/"):
            name = path.removeprefix("/news/")
            file = PAGES / f"{name}.html"
            if not file.is_file() or name == "notfound":
                self._send(404, (PAGES / "notfound.html").read_bytes())
                return
            self._send(200, file.read_bytes())
        elif path.startswith("/hop/"):
            left = int(path.removeprefix("/hop/"))
            self.send_response(302)
            self.send_header("Location", "/news/bylines" if left <= 0 else f"/hop/{left - 1}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif path == "/big":
            # No Content-Length: the size is only known by reading.
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            chunk = b"<p>" + b"x" * 65_000 + b"</p>\n"
            with contextlib.suppress(OSError):
                for _ in range(200):
                    self.wfile.write(chunk)
        elif path == "/big-declared":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(50 * 1024 * 1024))
            self.end_headers()
        elif path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with contextlib.suppress(OSError):
                for _ in range(SLOW_CHUNKS):
                    self.wfile.write(b"<p>still coming</p>\n")
                    self.wfile.flush()
                    time.sleep(0.05)
        elif path == "/stall":  # headers, a little, then silence (bounded: 2 s)
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            with contextlib.suppress(OSError):
                self.wfile.write(b"<p>the start</p>")
                self.wfile.flush()
                time.sleep(2)
        elif path == "/pdf":
            self._send(200, b"%PDF-1.4 not a page", "application/pdf")
        elif path == "/plain":
            line = "Paragraph {} of a plain text article about the harbour wall repairs."
            text = "\n\n".join(line.format(i) for i in range(12))
            self._send(200, text.encode(), "text/plain; charset=utf-8")
        else:
            self._send(404, b"no such test page")


@contextlib.contextmanager
def serve_pages(tls: ssl.SSLContext | None = None) -> Iterator[ThreadingHTTPServer]:
    """Serve the pages on 127.0.0.1 on a free port for the duration (over TLS with a server context)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    server.daemon_threads = True
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def base_url(server: ThreadingHTTPServer) -> str:
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"
