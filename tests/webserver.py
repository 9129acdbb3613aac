"""A real HTTP server on 127.0.0.1 for the tests: pages and feeds we write,
redirects, 404s, slow answers, huge bodies, wrong types, broken XML, and
headers dripped a byte at a time (a status line, then one header byte every
`drip_headers` seconds, for a minute).

Each route is set by a test; the server records every request (path and
headers), answers conditional requests with 304 when the ETag matches, and
streams huge bodies without a Content-Length.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before the answer
    stream: int = 0  # bytes to stream (no Content-Length), instead of `body`
    drip: float = 0.0  # seconds between streamed chunks
    etag: str = ""
    drip_headers: float = 0.0  # seconds between header bytes, after the status line; the headers never end


@dataclass
class Request:
    path: str
    headers: dict[str, str]


class WebServer:
    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self.closing = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                server.requests.append(Request(self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                try:
                    if route is None:
                        self.send_response(404)
                        self.send_header("Content-Type", "text/html")
                        self.end_headers()
                        self.wfile.write(b"<html><body>Not here.</body></html>")
                        return
                    if route.delay:
                        time.sleep(route.delay)
                    if route.drip_headers:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                        self.wfile.flush()
                        stop = time.monotonic() + 60
                        while time.monotonic() < stop and not server.closing:
                            time.sleep(route.drip_headers)
                            self.wfile.write(b"a")
                            self.wfile.flush()
                        return
                    if route.etag and self.headers.get("If-None-Match") == route.etag:
                        self.send_response(304)
                        self.send_header("ETag", route.etag)
                        self.end_headers()
                        return
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    for key, value in route.headers.items():
                        self.send_header(key, value)
                    if not route.stream:
                        self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    if route.stream:
                        chunk = b"<p>" + b"strike " * 9000 + b"</p>\n"
                        sent = 0
                        while sent < route.stream:
                            self.wfile.write(chunk)
                            sent += len(chunk)
                            if route.drip:
                                self.wfile.flush()
                                time.sleep(route.drip)
                    else:
                        self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError):
                    pass  # the client stopped reading, as it should for a huge body

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def add(self, path: str, body: bytes | str = b"", **kwargs: object) -> str:
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.routes[path] = Route(body=data, **kwargs)  # type: ignore[arg-type]
        return self.url(path)

    def feed(self, path: str, xml: str, **kwargs: object) -> str:
        return self.add(path, xml, **{"content_type": "application/rss+xml", **kwargs})

    def redirect(self, path: str, to: str, status: int = 302) -> str:
        self.routes[path] = Route(status=status, headers={"Location": to})
        return self.url(path)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def __enter__(self) -> WebServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing = True
        self.httpd.shutdown()
        self.httpd.server_close()


def story(title: str, paragraphs: list[str], *, site: str | None = "The Harbour Bulletin", date: str | None = "2019-04-02",
          author: str | None = "Robin Ashdale", canonical: str | None = None, extra_head: str = "") -> str:
    """An HTML news page we write ourselves, with the metadata tags outlets use."""
    head = [f"<title>{title}</title>"]
    if site:
        head.append(f'<meta property="og:site_name" content="{site}">')
    if date:
        head.append(f'<meta property="article:published_time" content="{date}T08:00:00Z">')
    if author:
        head.append(f'<meta name="author" content="{author}">')
    if canonical:
        head.append(f'<link rel="canonical" href="{canonical}">')
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (f"<!doctype html><html><head>{''.join(head)}{extra_head}</head><body><nav><a href='/'>Home</a> | News</nav>"
            f"<article><h1>{title}</h1>{body}</article><footer>All rights reserved.</footer></body></html>")


def rss(title: str, items: list[tuple[str, str]]) -> str:
    """An RSS 2.0 feed of (title, link) items."""
    entries = "".join(f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid></item>" for t, link in items)
    return f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{title}</title><link>http://127.0.0.1/</link>{entries}</channel></rss>'


def atom(title: str, items: list[tuple[str, str]]) -> str:
    entries = "".join(
        f'<entry><title>{t}</title><link href="{link}"/><id>{link}</id><updated>2019-04-02T08:00:00Z</updated></entry>' for t, link in items
    )
    return f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>{title}</title>{entries}</feed>'


# Invented stories (no real outlet, person or event), long enough to count as articles.
FERRY = [
    "Deckhands on the Calloway Line ferries voted on Monday to strike if talks fail, the Deckhands' Guild said.",
    "Of the members who voted, 88% backed a strike, with turnout at 71%, according to the guild.",
    "\u201cNobody wants to stop the boats, but the crossings cannot run on goodwill,\u201d said Noor Castellane, the guild's president.",
    "The company said it had offered a raise of 4% a year and would meet the guild again on Thursday.",
]
BAKERY = [
    "Bakers at Thornfield Loaves walked off the night shift on Friday after talks over weekend pay broke down, the bakers' union said.",
    "The union asked for a weekend premium of $6 an hour; the company offered $2.",
    "\u201cWe bake the bread this town eats on Sunday morning,\u201d said Ilse Marrow, the union's shop steward.",
    "The company said the ovens would stay cold until a deal was signed and that 140 bakers were on strike.",
]
LIBRARY = [
    "Librarians in the Wendmoor county system will hold a one-day strike on Tuesday, their association announced.",
    "The association said 312 librarians had signed the strike notice after eleven months without a contract.",
    "\u201cThe shelves do not reshelve themselves,\u201d said Tobin Greaves, the association's chair, at a rally outside the main branch.",
    "County officials said branches would open with reduced hours and that talks would resume next week.",
]
