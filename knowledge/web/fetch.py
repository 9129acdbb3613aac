"""Fetching from the web like a good citizen, and safely.

A moderator's link can point anywhere, so every fetch:

- takes `http` and `https` only, without a user name or password in the link;
- resolves the host itself and refuses loopback, private, link-local,
  shared and reserved addresses (cloud metadata services live there) unless
  `STRIKEBOT_ALLOW_PRIVATE_URLS=1`; the connection is then made to the very
  addresses that were checked, so a second DNS answer cannot slip past;
- follows at most a few redirects itself, checking every hop the same way;
- sends a clear user agent, honours a time-out per step and one deadline for
  the whole fetch (waiting for a slot, connecting, the headers, every redirect
  and the body: a watchdog shuts the socket when it passes, so a server that
  drips its headers a byte at a time cannot hold a fetch open), and stops
  reading at a size limit (also after gzip);
- runs at most a few at once in the whole process; a fetch that waits for a
  slot longer than its deadline gives up, so stuck links cannot stop the rest.

No proxy is used: a proxy would connect on our behalf to addresses we did not check.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import os
import socket
import ssl
import threading
import time
import zlib
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from knowledge.reading.ingest import ArticleError

log = logging.getLogger(__name__)

ALLOW_PRIVATE_ENV = "STRIKEBOT_ALLOW_PRIVATE_URLS"
USER_AGENT = "strikebot/0.1 (a union's news bot; reads one page per request, follows RSS/Atom feeds)"
MAX_URL_LENGTH = 2000
REDIRECTS = (301, 302, 303, 307, 308)
PAGE_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
    "application/feed+json", "application/json", "text/plain",
)
_SLOTS = threading.BoundedSemaphore(4)  # fetches at once, in the whole process


class FetchError(ArticleError):
    """The link could not be fetched, with a reason a moderator can act on."""


class UnsafeURLError(FetchError):
    """The link is refused before anything is fetched."""


class _Watchdog:
    """The whole fetch's deadline: when it passes, the connection in use is shut,
    which ends a read that is still receiving (a byte at a time) as well as one that waits."""

    def __init__(self, seconds: float) -> None:
        self.expired = False
        self._conn: http.client.HTTPConnection | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    def watch(self, conn: http.client.HTTPConnection | None) -> None:
        with self._lock:
            self._conn = conn
            if self.expired:
                self._shut()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            self._shut()

    def _shut(self) -> None:
        sock = self._conn.sock if self._conn is not None else None
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already closed

    def cancel(self) -> None:
        self._timer.cancel()


@dataclass(frozen=True)
class Policy:
    """How fetches behave. `from_env` reads STRIKEBOT_ALLOW_PRIVATE_URLS."""

    allow_private: bool = False
    timeout: float = 10.0  # seconds for each connect or read
    deadline: float = 30.0  # seconds for the whole fetch, redirects included
    max_bytes: int = 5_000_000
    max_redirects: int = 5
    user_agent: str = USER_AGENT

    @classmethod
    def from_env(cls) -> Policy:
        return cls(allow_private=os.environ.get(ALLOW_PRIVATE_ENV, "").strip().lower() in ("1", "yes", "true", "on"))


@dataclass(frozen=True)
class Response:
    url: str  # after redirects
    status: int  # 200, or 304 for a conditional request that found nothing new
    content_type: str
    charset: str | None
    body: bytes
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why an address is off limits, or None for a public one."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_unspecified:
        return "reserved"
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local (cloud metadata services live there)"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified or not ip.is_global:
        return "reserved"
    return None


def check_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a link we may fetch, or UnsafeURLError. No network."""
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURLError(f"that link is {len(url):,} characters long; the limit is {MAX_URL_LENGTH:,}")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise UnsafeURLError(f"{url[:100]!r} is not a valid link") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise UnsafeURLError(f"only http:// and https:// links can be fetched, not {url[:100]!r}")
    if parts.username is not None or parts.password is not None:
        raise UnsafeURLError("links with a user name or password in them are not accepted")
    host = parts.hostname or ""
    if not host:
        raise UnsafeURLError(f"{url[:100]!r} has no host name")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        raise UnsafeURLError(f"{parts.hostname!r} is not a valid host name") from None
    return scheme, host, port or (443 if scheme == "https" else 80)


def resolve(host: str, port: int, policy: Policy) -> list[tuple[int, tuple[object, ...]]]:
    """The addresses to connect to, each checked; refuses the host if any answer is off limits."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"the host {host!r} could not be found ({error})") from None
    addresses: list[tuple[int, tuple[object, ...]]] = []
    for family, _, _, _, sockaddr in infos:
        ip = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        why = _kind(ip)
        if why and not policy.allow_private:
            raise UnsafeURLError(
                f"the link points to a {why} address ({host} is {ip}), which is refused for safety; "
                f"set {ALLOW_PRIVATE_ENV}=1 to allow private and local addresses"
            )
        addresses.append((family, sockaddr))
    if not addresses:
        raise FetchError(f"the host {host!r} has no address")
    return addresses


def _connector(addresses: list[tuple[int, tuple[object, ...]]]):  # noqa: ANN202 - socket.create_connection's shape
    def connect(_address: object, timeout: float | None = None, source: object = None) -> socket.socket:
        last: OSError | None = None
        for family, sockaddr in addresses:
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.settimeout(timeout)
                sock.connect(sockaddr)
                return sock
            except OSError as error:
                sock.close()
                last = error
        raise last or OSError("no address to connect to")

    return connect


def _connection(scheme: str, host: str, port: int, addresses: list[tuple[int, tuple[object, ...]]], timeout: float) -> http.client.HTTPConnection:
    """An http.client connection that connects only to the checked addresses (TLS still checks the host name)."""
    conn: http.client.HTTPConnection
    if scheme == "https":
        conn = http.client.HTTPSConnection(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(host, port, timeout=timeout)
    conn._create_connection = _connector(addresses)  # type: ignore[attr-defined]  # the documented hook http.client uses
    return conn


def _target(url: str) -> str:
    """The request target: path and query, percent-encoded where a browser would."""
    parts = urlsplit(url)
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="/?%:@!$&'()*+,;=-._~") if parts.query else ""
    return urlunsplit(("", "", path, query, ""))


def _media_type(header: str) -> tuple[str, str | None]:
    media, _, params = (header or "").partition(";")
    charset = None
    for param in params.split(";"):
        key, _, value = param.partition("=")
        if key.strip().lower() == "charset" and value.strip():
            charset = value.strip().strip('"').lower()
    return media.strip().lower(), charset


def _describe(media: str) -> str:
    names = {"text/html": "a web page", "application/xhtml+xml": "a web page", "application/pdf": "a PDF", "application/json": "JSON", "image/": "an image", "video/": "a video", "audio/": "audio"}
    return next((name for prefix, name in names.items() if media.startswith(prefix)), media or "of no stated type")


def fetch(
    url: str,
    *,
    accept: tuple[str, ...] = PAGE_TYPES,
    policy: Policy | None = None,
    etag: str = "",
    last_modified: str = "",
    what: str = "page",
) -> Response:
    """GET a link safely (see the module's notes). Raises FetchError with a plain reason."""
    policy = policy or Policy.from_env()
    started = time.monotonic()
    late = f"the {what} took longer than {policy.deadline:.0f} s to fetch"
    if not _SLOTS.acquire(timeout=policy.deadline):
        raise FetchError(f"too many links are being fetched at once; the {what} waited {policy.deadline:.0f} s for its turn")
    watchdog = _Watchdog(policy.deadline - (time.monotonic() - started))
    try:
        current = url.strip()
        for hop in range(policy.max_redirects + 1):
            try:
                scheme, host, port = check_url(current)
                addresses = resolve(host, port, policy)
            except UnsafeURLError as error:
                if hop:
                    raise UnsafeURLError(f"the link redirects to {current[:200]}, and {error}") from None
                raise
            remaining = policy.deadline - (time.monotonic() - started)
            if remaining <= 0 or watchdog.expired:
                raise FetchError(late)
            conn = _connection(scheme, host, port, addresses, min(policy.timeout, remaining))
            try:
                watchdog.watch(conn)
                conn.connect()
                watchdog.watch(conn)  # now with its socket, which the watchdog shuts at the deadline
                location = _request(conn, current, accept, policy, etag, last_modified, started, what)
                if isinstance(location, Response):
                    return location
            except (OSError, http.client.HTTPException) as error:
                if watchdog.expired:
                    raise FetchError(late) from None
                raise FetchError(_network_message(error, host, policy, what)) from None
            except FetchError:
                if watchdog.expired:
                    raise FetchError(late) from None
                raise
            finally:
                watchdog.watch(None)
                conn.close()
            log.info("redirected from %s to %s", current, location)
            current = location
        raise FetchError(f"the link redirects more than {policy.max_redirects} times")
    finally:
        watchdog.cancel()
        _SLOTS.release()


def _network_message(error: BaseException, host: str, policy: Policy, what: str) -> str:
    if isinstance(error, TimeoutError | socket.timeout):
        return f"{host} did not answer within {policy.timeout:.0f} s"
    if isinstance(error, ssl.SSLError):
        return f"the secure connection to {host} failed ({error.reason or error})"
    if isinstance(error, ConnectionRefusedError):
        return f"{host} refused the connection"
    return f"the {what} could not be fetched from {host} ({error.__class__.__name__}: {error})"


def _request(
    conn: http.client.HTTPConnection,
    url: str,
    accept: tuple[str, ...],
    policy: Policy,
    etag: str,
    last_modified: str,
    started: float,
    what: str,
) -> Response | str:
    """One request: a Response, or the next link of a redirect."""
    headers = {
        "User-Agent": policy.user_agent,
        "Accept": ", ".join(accept) + ", */*;q=0.1",
        "Accept-Encoding": "gzip, identity",
        "Connection": "close",
    }
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    conn.request("GET", _target(url), headers=headers)
    response = conn.getresponse()
    status = response.status
    if status in REDIRECTS:
        location = response.getheader("Location", "")
        if not location:
            raise FetchError(f"the site answered {status} (a redirect) without saying where to")
        return urljoin(url, location.strip())
    new_etag = response.getheader("ETag", "") or ""
    new_modified = response.getheader("Last-Modified", "") or ""
    if status == 304:
        return Response(url, 304, "", None, b"", new_etag or etag, new_modified or last_modified)
    if status == 404 or status == 410:
        raise FetchError(f"the {what} was not found ({status}): {url[:200]}")
    if status in (401, 402, 403):
        raise FetchError(f"the site refused to show the {what} ({status} {response.reason}); it may be paywalled or need a log-in")
    if status != 200:
        raise FetchError(f"the site answered {status} {response.reason} instead of the {what}")
    media, charset = _media_type(response.getheader("Content-Type", ""))
    if media and media not in accept:
        raise FetchError(f"the link is {_describe(media)} ({media}), not a {what} strikebot can read")
    length = response.getheader("Content-Length", "")
    if length.isdigit() and int(length) > policy.max_bytes:
        raise FetchError(f"the {what} is {int(length):,} bytes; the limit is {policy.max_bytes:,}")
    body = _read(conn, response, policy, started, what)
    encoding = (response.getheader("Content-Encoding", "") or "identity").strip().lower()
    if encoding == "gzip":
        body = _gunzip(body, policy.max_bytes, what)
    elif encoding not in ("identity", ""):
        raise FetchError(f"the site sent the {what} in an encoding strikebot cannot read ({encoding})")
    return Response(url, 200, media, charset, body, new_etag, new_modified)


def _read(conn: http.client.HTTPConnection, response: http.client.HTTPResponse, policy: Policy, started: float, what: str) -> bytes:
    """The body, a chunk at a time, within the size limit and the deadline."""
    chunks: list[bytes] = []
    size = 0
    while True:
        remaining = policy.deadline - (time.monotonic() - started)
        if remaining <= 0:
            raise FetchError(f"the {what} took longer than {policy.deadline:.0f} s to download")
        if conn.sock is not None:
            conn.sock.settimeout(min(policy.timeout, remaining))
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > policy.max_bytes:
            raise FetchError(f"the {what} is larger than the limit of {policy.max_bytes:,} bytes")
        chunks.append(chunk)


def _gunzip(data: bytes, limit: int, what: str) -> bytes:
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error:
        raise FetchError(f"the site sent a broken compressed {what}") from None
    if len(out) > limit:
        raise FetchError(f"the {what} is larger than the limit of {limit:,} bytes once unpacked")
    return out
