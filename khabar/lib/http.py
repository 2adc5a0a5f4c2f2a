"""The one door for outbound HTTP: every request khabar makes goes through `fetch`.

It is polite (a User-Agent naming khabar, conditional GET, a per-host concurrency limit,
Retry-After handed back to the caller) and defensive: a total deadline so a slow drip fails,
a cap on the *decoded* body so a compression bomb fails, a redirect limit with loop detection,
and a guard that refuses private, loopback, link-local, multicast and reserved addresses at
connect time, after DNS resolution, so redirects and DNS rebinding cannot reach them either.
Failures are `FetchError`s whose message is a sentence a person can read.
"""

import email.utils
import functools
import http
import ipaddress
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import brotli
import httpcore
import httpx
import zstandard
from django.conf import settings

USER_AGENT = "khabar/0.1 (+https://github.com/khabar)"
ACCEPT_ENCODING = "gzip, deflate, br, zstd"
DECODED_PIECE = 64 * 1024  # decoders never hand back more than this at once
CONNECT_TIMEOUT = 10.0
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
RETRY_LATER_STATUSES = frozenset({429, 503})


class FetchError(Exception):
    """A request that failed; `str(error)` says why in plain words."""

    def __init__(self, message: str, *, url: str = ""):
        super().__init__(message)
        self.message = message
        self.url = url


class InvalidURL(FetchError):
    pass


class BlockedAddress(FetchError):
    pass


class ConnectionFailed(FetchError):
    pass


class Timeout(FetchError):
    pass


class TooLarge(FetchError):
    pass


class TooManyRedirects(FetchError):
    pass


class DecodingFailed(FetchError):
    pass


class HTTPStatusError(FetchError):
    """The server answered with an error status; `retry_after` is set for 429 and 503."""

    def __init__(self, message: str, *, url: str, status: int, retry_after: datetime | None):
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after


@dataclass(frozen=True)
class Response:
    """A complete response: final URL after redirects, status, headers and the decoded body."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes

    @property
    def not_modified(self) -> bool:
        return self.status == 304

    @property
    def etag(self) -> str:
        return self.headers.get("etag", "")

    @property
    def last_modified(self) -> str:
        return self.headers.get("last-modified", "")

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "")

    @property
    def retry_after(self) -> datetime | None:
        return parse_retry_after(self.headers.get("retry-after", ""))

    @property
    def text(self) -> str:
        return decode_text(self.content, content_type=self.content_type)


@dataclass(frozen=True)
class Deadline:
    """The moment (time.monotonic) by which a whole exchange must be over."""

    seconds: float
    at: float

    @classmethod
    def after(cls, seconds: float) -> "Deadline":
        return cls(seconds=seconds, at=time.monotonic() + seconds)

    def remaining(self, *, url: str) -> float:
        remaining = self.at - time.monotonic()
        if remaining <= 0:
            raise self.timed_out(url)
        return remaining

    def timed_out(self, url: str) -> Timeout:
        return Timeout(f"{url} did not answer completely within {self.seconds:g} seconds", url=url)


def fetch(
    url: str,
    *,
    accept: str = "*/*",
    etag: str = "",
    last_modified: str = "",
    timeout: float | None = None,
    max_bytes: int | None = None,
) -> Response:
    """GET `url`, following redirects, and return the whole decoded response.

    Raises a `FetchError` subclass for anything but a 2xx or 304 answer. The whole exchange,
    redirects and body included, must finish within `timeout` seconds (KHABAR_HTTP_TIMEOUT).
    """
    url = validate_url(url)
    deadline = Deadline.after(timeout or settings.KHABAR_HTTP_TIMEOUT)
    max_bytes = max_bytes or settings.KHABAR_HTTP_MAX_BYTES
    headers = request_headers(accept=accept, etag=etag, last_modified=last_modified)
    with new_client() as client:
        return follow_redirects(
            client, url, headers=headers, deadline=deadline, max_bytes=max_bytes
        )


def validate_url(url: str) -> str:
    """`url` stripped, or InvalidURL when it is not an http(s) address with a host."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 -- raises ValueError for a port that is not a number
    except ValueError:
        raise InvalidURL(f"{url!r} is not a valid web address", url=url) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidURL(f"{url!r} is not a web address (http:// or https://)", url=url)
    return url


def request_headers(*, accept: str, etag: str, last_modified: str) -> dict[str, str]:
    headers = {"User-Agent": USER_AGENT, "Accept": accept, "Accept-Encoding": ACCEPT_ENCODING}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    return headers


def follow_redirects(
    client: httpx.Client, url: str, *, headers: dict, deadline: Deadline, max_bytes: int
) -> Response:
    visited = [url]
    request = client.build_request("GET", url, headers=headers)
    while True:
        with host_slot(request.url.host, deadline=deadline):
            response = send(client, request, deadline=deadline)
            try:
                if response.next_request is None:
                    return finished_response(response, deadline=deadline, max_bytes=max_bytes)
            finally:
                response.close()
        request = response.next_request
        next_url = str(request.url)
        check_redirect(next_url, visited=visited)
        visited.append(next_url)


def check_redirect(next_url: str, *, visited: list[str]) -> None:
    if next_url in visited:
        chain = " → ".join([*visited[visited.index(next_url) :], next_url])
        raise TooManyRedirects(f"redirect loop: {chain}", url=visited[0])
    limit = settings.KHABAR_HTTP_MAX_REDIRECTS
    if len(visited) > limit:
        raise TooManyRedirects(f"more than {limit} redirects from {visited[0]}", url=visited[0])
    validate_url(next_url)


def send(client: httpx.Client, request: httpx.Request, *, deadline: Deadline) -> httpx.Response:
    """Send one request (no redirect following), turning httpx errors into FetchErrors."""
    remaining = deadline.remaining(url=str(request.url))
    request.extensions["timeout"] = httpx.Timeout(
        remaining, connect=min(remaining, CONNECT_TIMEOUT)
    ).as_dict()
    with translated_errors(str(request.url), deadline=deadline):
        return client.send(request, stream=True, follow_redirects=False)


def finished_response(response: httpx.Response, *, deadline: Deadline, max_bytes: int) -> Response:
    url = str(response.url)
    if response.status_code >= 400:
        raise status_error(response)
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise too_large(url, max_bytes)
    content = read_body(response, deadline=deadline, max_bytes=max_bytes)
    return Response(url=url, status=response.status_code, headers=response.headers, content=content)


def status_error(response: httpx.Response) -> HTTPStatusError:
    status = response.status_code
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = "error"
    retry_after = None
    message = f"the server answered {status} {phrase}"
    if status in RETRY_LATER_STATUSES:
        retry_after = parse_retry_after(response.headers.get("retry-after", ""))
        if retry_after:
            message += f"; it asks to retry after {retry_after:%Y-%m-%d %H:%M} UTC"
    return HTTPStatusError(message, url=str(response.url), status=status, retry_after=retry_after)


def read_body(response: httpx.Response, *, deadline: Deadline, max_bytes: int) -> bytes:
    """The decoded body, failing as soon as it grows past `max_bytes` or the deadline passes."""
    url = str(response.url)
    body = bytearray()
    with translated_errors(url, deadline=deadline):
        raw = deadline_checked(response.iter_raw(), deadline=deadline, url=url)
        for piece in decoded(raw, encodings=response.headers.get("content-encoding", ""), url=url):
            body += piece
            if len(body) > max_bytes:
                raise too_large(url, max_bytes)
    return bytes(body)


def deadline_checked(chunks: Iterable[bytes], *, deadline: Deadline, url: str) -> Iterator[bytes]:
    for chunk in chunks:
        deadline.remaining(url=url)
        yield chunk


def too_large(url: str, max_bytes: int) -> TooLarge:
    return TooLarge(f"the response from {url} is larger than {max_bytes:,} bytes", url=url)


@contextmanager
def translated_errors(url: str, *, deadline: Deadline) -> Iterator[None]:
    host = urlsplit(url).hostname or url
    try:
        yield
    except httpx.TimeoutException:
        raise deadline.timed_out(url) from None
    except httpx.ConnectError as error:
        raise ConnectionFailed(f"could not connect to {host}: {reason(error)}", url=url) from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as error:
        raise InvalidURL(f"cannot fetch {url}: {reason(error)}", url=url) from None
    except httpx.HTTPError as error:
        raise FetchError(f"the connection to {host} failed: {reason(error)}", url=url) from None


def reason(error: Exception) -> str:
    text = str(error) or type(error).__name__
    # httpcore wraps OSErrors as "[Errno 111] Connection refused": keep the words only.
    return re.sub(r"^\[Errno -?\d+\]\s*", "", text)


# --- Decoding compressed bodies, with bounded output --------------------------------------
# httpx's own decoders inflate a whole network chunk at once, so a few kilobytes of brotli
# can become gigabytes before anyone counts them. These hand back at most DECODED_PIECE at a
# time, so the size cap stops a bomb after a little more than the cap.


def decoded(raw: Iterable[bytes], *, encodings: str, url: str) -> Iterator[bytes]:
    chunks: Iterable[bytes] = raw
    # Encodings are listed in the order they were applied; undo them last-first.
    for encoding in reversed([e.strip().lower() for e in encodings.split(",") if e.strip()]):
        decoder = DECODERS.get(encoding)
        if decoder is not None:
            chunks = decoder(chunks)
    try:
        yield from chunks
    except (zlib.error, brotli.error, zstandard.ZstdError) as error:
        raise DecodingFailed(f"the compressed response from {url} is broken: {error}") from None


def inflate(chunks: Iterable[bytes], *, wbits: int) -> Iterator[bytes]:
    decompressor = None
    for chunk in chunks:
        if decompressor is None:
            decompressor = zlib.decompressobj(zlib_wbits(chunk, wbits))
        data = chunk
        while True:
            piece = decompressor.decompress(data, DECODED_PIECE)
            if piece:
                yield piece
            data = decompressor.unconsumed_tail
            if not data and len(piece) < DECODED_PIECE:
                break
    if decompressor is not None:
        yield decompressor.flush()


def zlib_wbits(first_chunk: bytes, wbits: int) -> int:
    # "deflate" is meant to be zlib-wrapped, but some servers send raw deflate.
    if wbits == zlib.MAX_WBITS and first_chunk and (first_chunk[0] & 0x0F) != 8:
        return -zlib.MAX_WBITS
    return wbits


def unbrotli(chunks: Iterable[bytes]) -> Iterator[bytes]:
    decompressor = brotli.Decompressor()
    for chunk in chunks:
        yield decompressor.process(chunk, output_buffer_limit=DECODED_PIECE)
        while not decompressor.can_accept_more_data():
            yield decompressor.process(b"", output_buffer_limit=DECODED_PIECE)


def unzstd(chunks: Iterable[bytes]) -> Iterator[bytes]:
    reader = ChunkReader(chunks)
    yield from zstandard.ZstdDecompressor().read_to_iter(
        reader, read_size=16 * 1024, write_size=DECODED_PIECE
    )


class ChunkReader:
    """A file-like `read(n)` over an iterator of byte chunks, for zstandard's streaming API."""

    def __init__(self, chunks: Iterable[bytes]):
        self.chunks = iter(chunks)
        self.buffer = b""

    def read(self, size: int = -1) -> bytes:
        while size < 0 or len(self.buffer) < size:
            chunk = next(self.chunks, None)
            if chunk is None:
                break
            self.buffer += chunk
        if size < 0:
            size = len(self.buffer)
        data, self.buffer = self.buffer[:size], self.buffer[size:]
        return data


DECODERS = {
    "gzip": functools.partial(inflate, wbits=zlib.MAX_WBITS | 32),
    "x-gzip": functools.partial(inflate, wbits=zlib.MAX_WBITS | 32),
    "deflate": functools.partial(inflate, wbits=zlib.MAX_WBITS),
    "br": unbrotli,
    "zstd": unzstd,
}


# --- Text decoding ------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([\w.:-]+)["']""")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)


def decode_text(content: bytes, *, content_type: str = "") -> str:
    """Text of a body: a BOM first, then the HTTP charset, a <meta>/XML declaration, UTF-8.

    Undeclared bytes that are not UTF-8 are guessed by charset_normalizer.
    """
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return content[len(bom) :].decode(encoding, errors="replace")
    for encoding in declared_encodings(content, content_type=content_type):
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        return guessed_text(content)


def declared_encodings(content: bytes, *, content_type: str) -> list[str]:
    found = []
    match = re.search(r"charset\s*=\s*[\"']?([\w.:-]+)", content_type, re.IGNORECASE)
    if match:
        found.append(match.group(1))
    head = content[:4096]
    for pattern in (_XML_ENCODING, _META_CHARSET):
        match = pattern.search(head)
        if match:
            found.append(match.group(1).decode("ascii", errors="ignore"))
    return found


def guessed_text(content: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(content).best()
    if best is None:
        return content.decode("utf-8", errors="replace")
    return str(best)


def parse_retry_after(value: str) -> datetime | None:
    """When a Retry-After header (seconds or an HTTP date) says to come back, in UTC."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return datetime.now(UTC) + timedelta(seconds=int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# --- Per-host concurrency ------------------------------------------------------------------

_slots_lock = threading.Lock()
_slots: dict[tuple[str, int], threading.BoundedSemaphore] = {}


@contextmanager
def host_slot(host: str, *, deadline: Deadline) -> Iterator[None]:
    """Hold one of the KHABAR_HTTP_PER_HOST connections this process may open to `host`."""
    limit = settings.KHABAR_HTTP_PER_HOST
    with _slots_lock:
        semaphore = _slots.setdefault((host, limit), threading.BoundedSemaphore(limit))
    if not semaphore.acquire(timeout=max(0.0, deadline.at - time.monotonic())):
        raise Timeout(f"waited too long for a free connection to {host}", url=host)
    try:
        yield
    finally:
        semaphore.release()


# --- The address guard --------------------------------------------------------------------


def is_public_address(address: str) -> bool:
    """True for an address on the public internet; False for private, loopback and the rest."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class GuardedBackend(httpcore.SyncBackend):
    """Resolves the host itself, refuses non-public addresses, then connects to a checked IP.

    TLS is unaffected: httpcore sends SNI and verifies the certificate for the URL's host name,
    not for the address connected to.
    """

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        if not settings.KHABAR_ALLOW_PRIVATE_ADDRESSES:
            refuse_private(host, addresses)
        last_error = None
        for address in addresses:
            try:
                return super().connect_tcp(
                    address,
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as error:
                last_error = error  # try the host's next address, as create_connection does
        raise last_error or httpcore.ConnectError(f"no address to connect to for {host}")


def resolve(host: str, port: int) -> list[str]:
    """The distinct IP addresses `host` resolves to, in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise ConnectionFailed(f"could not find the address of {host}: {reason(error)}") from None
    return list(dict.fromkeys(sockaddr[0] for *_rest, sockaddr in infos))


def refuse_private(host: str, addresses: list[str]) -> None:
    for address in addresses:
        if not is_public_address(address):
            where = "" if address == host else f"it resolves to {address}, "
            raise BlockedAddress(
                f"refused to connect to {host}: {where}a private, local or reserved address"
            )


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with the connection pool built on GuardedBackend."""

    def __init__(self) -> None:
        super().__init__(trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context(), network_backend=GuardedBackend(), http1=True
        )


@functools.cache
def ssl_context():
    return httpx.create_ssl_context(trust_env=False)


def new_client() -> httpx.Client:
    # Environment proxies are ignored: a proxy would connect on our behalf, past the guard.
    return httpx.Client(transport=GuardedTransport(), trust_env=False)
