"""Browser fixtures: Debian's Chromium driven by Playwright, and a local static server.

Nothing here downloads a browser: Chromium is /usr/bin/chromium (apt package ``chromium``).
Every request to a host other than 127.0.0.1/localhost is aborted and recorded.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit

import pytest

from map_ui.assets import check_assets_installed, static_mounts
from tests.browser import PageLog  # noqa: F401 - re-exported for the map tests


class StaticServer:
    """A threading HTTP server on 127.0.0.1 serving registered pages and the static mounts."""

    def __init__(self) -> None:
        self.pages: dict[str, tuple[bytes, str]] = {}
        self.mounts = static_mounts()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = unquote(urlsplit(self.path).path)
                if path == "/favicon.ico":
                    self.send_response(204)
                    self.end_headers()
                    return
                found = server.lookup(path)
                if found is None:
                    self.send_error(404)
                    return
                body, content_type = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def add_page(self, path: str, body: str | bytes, content_type: str = "text/html") -> str:
        """Serve ``body`` at ``path`` and return its full URL."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.pages[path] = (data, f"{content_type}; charset=utf-8")
        return self.base_url + path

    def lookup(self, path: str) -> tuple[bytes, str] | None:
        """Find a page or a file below a static mount (never outside it)."""
        if path in self.pages:
            return self.pages[path]
        for prefix, directory in self.mounts:
            if path.startswith(prefix + "/"):
                file = (directory / path[len(prefix) + 1 :]).resolve()
                if file.is_relative_to(directory.resolve()) and file.is_file():
                    content_type = mimetypes.guess_type(file.name)[0] or "application/octet-stream"
                    return file.read_bytes(), content_type
        return None


@pytest.fixture(scope="session")
def static_server() -> Iterator[StaticServer]:
    missing = check_assets_installed()
    if missing:
        pytest.fail(
            f"front-end assets missing, run `make setup` (npm ci --prefix map_ui): {missing}"
        )
    server = StaticServer()
    server.thread.start()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()
