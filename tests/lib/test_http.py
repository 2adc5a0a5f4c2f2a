"""khabar.lib.http against a real local HTTP server: limits, compression, redirects, the guard."""

import gzip
import socket
import ssl
import subprocess
import threading
import time
import tracemalloc
from datetime import UTC, datetime, timedelta

import brotli
import pytest
import zstandard
from werkzeug import Response

from khabar.lib import http

ARABIC = "أعلنت البلدية افتتاح حديقة عامة جديدة في وسط المدينة."


@pytest.fixture
def guard_on(settings):
    settings.KHABAR_ALLOW_PRIVATE_ADDRESSES = False


def test_sends_a_user_agent_naming_khabar(httpserver):
    httpserver.expect_request("/ua").respond_with_handler(
        lambda request: Response(request.headers.get("User-Agent", ""))
    )
    response = http.fetch(httpserver.url_for("/ua"))
    assert response.text.startswith("khabar/")
    assert response.status == 200


@pytest.mark.parametrize(
    ("encoding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", lambda data: __import__("zlib").compress(data)),
        ("br", brotli.compress),
        ("zstd", lambda data: zstandard.ZstdCompressor().compress(data)),
    ],
)
def test_decodes_compressed_responses(httpserver, encoding, compress):
    body = ARABIC.encode("utf-8") * 50
    httpserver.expect_request("/c").respond_with_data(
        compress(body),
        headers={"Content-Encoding": encoding},
        content_type="text/plain; charset=utf-8",
    )
    response = http.fetch(httpserver.url_for("/c"))
    assert response.content == body
    assert response.text.startswith(ARABIC)


def test_text_follows_the_declared_charset(httpserver):
    page = f'<html><head><meta charset="windows-1256"></head><body>{ARABIC}</body></html>'
    httpserver.expect_request("/page").respond_with_data(
        page.encode("cp1256"), content_type="text/html"
    )
    assert ARABIC in http.fetch(httpserver.url_for("/page")).text


def test_conditional_get_returns_not_modified(httpserver):
    httpserver.expect_request(
        "/feed",
        headers={"If-None-Match": '"v1"', "If-Modified-Since": "Sun, 01 Nov 2026 08:00:00 GMT"},
    ).respond_with_data("", status=304)
    response = http.fetch(
        httpserver.url_for("/feed"), etag='"v1"', last_modified="Sun, 01 Nov 2026 08:00:00 GMT"
    )
    assert response.not_modified


def test_validators_are_read_from_the_response(httpserver):
    httpserver.expect_request("/feed").respond_with_data(
        "<rss/>", headers={"ETag": '"abc"', "Last-Modified": "Sun, 01 Nov 2026 08:00:00 GMT"}
    )
    response = http.fetch(httpserver.url_for("/feed"))
    assert (response.etag, response.last_modified) == ('"abc"', "Sun, 01 Nov 2026 08:00:00 GMT")


def test_a_body_over_the_cap_fails(httpserver, settings):
    settings.KHABAR_HTTP_MAX_BYTES = 10_000
    httpserver.expect_request("/big").respond_with_handler(
        lambda request: Response((b"x" * 1000 for _ in range(50)), content_type="text/plain")
    )
    with pytest.raises(http.TooLarge, match="larger than 10,000 bytes"):
        http.fetch(httpserver.url_for("/big"))


def test_a_declared_length_over_the_cap_fails_before_reading(httpserver, settings):
    settings.KHABAR_HTTP_MAX_BYTES = 1000
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(http.TooLarge):
        http.fetch(httpserver.url_for("/big"))


@pytest.fixture(scope="module")
def bombs():
    """Each decompresses to 64 MB of zeros; the compressed bodies are a few kilobytes."""
    zeros = b"\0" * (64 * 1024 * 1024)
    return {
        "gzip": gzip.compress(zeros, compresslevel=1),
        "br": brotli.compress(zeros, quality=1),
        "zstd": zstandard.ZstdCompressor(level=1).compress(zeros),
    }


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_a_compression_bomb_fails_cleanly(httpserver, settings, bombs, encoding):
    settings.KHABAR_HTTP_MAX_BYTES = 1024 * 1024
    assert len(bombs[encoding]) < 400_000
    httpserver.expect_request("/bomb").respond_with_data(
        bombs[encoding], headers={"Content-Encoding": encoding}, content_type="text/html"
    )
    with pytest.raises(http.TooLarge, match="larger than 1,048,576 bytes"):
        http.fetch(httpserver.url_for("/bomb"))


@pytest.mark.parametrize("encoding", ["gzip", "br", "zstd"])
def test_decoders_inflate_a_bomb_a_little_at_a_time(bombs, encoding):
    """Measured without the server (it shares the process): decoding stays within kilobytes."""
    bomb = bombs[encoding]
    chunks = (bomb[start : start + 262144] for start in range(0, len(bomb), 262144))
    tracemalloc.start()
    try:
        total = 0
        for piece in http.decoded(chunks, encodings=encoding, url="http://bomb.test/"):
            assert len(piece) <= 2 * http.DECODED_PIECE  # brotli may overshoot by one step
            total += len(piece)
            if total > 4 * 1024 * 1024:
                break
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Inflating a whole 256 KB chunk at once would peak near the full 64 MB. The bound is
    # loose because tracemalloc also counts other threads' allocations (live servers).
    assert peak < 24 * 1024 * 1024


def test_a_broken_compressed_body_fails_clearly(httpserver):
    httpserver.expect_request("/broken").respond_with_data(
        b"this is not gzip at all", headers={"Content-Encoding": "gzip"}
    )
    with pytest.raises(http.DecodingFailed, match="broken"):
        http.fetch(httpserver.url_for("/broken"))


def test_a_slow_drip_response_hits_the_deadline(httpserver, settings):
    settings.KHABAR_HTTP_TIMEOUT = 0.3

    def drip(request):
        def body():
            for _ in range(15):
                yield b"<p>" * 10
                time.sleep(0.05)

        return Response(body(), content_type="text/html")

    httpserver.expect_request("/slow").respond_with_handler(drip)
    started = time.monotonic()
    with pytest.raises(http.Timeout, match="within 0.3 seconds"):
        http.fetch(httpserver.url_for("/slow"))
    assert time.monotonic() - started < 0.7


def test_redirects_are_followed_to_the_final_url(httpserver):
    httpserver.expect_request("/old").respond_with_data(
        "", status=301, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_data("here")
    response = http.fetch(httpserver.url_for("/old"))
    assert (response.text, response.url) == ("here", httpserver.url_for("/new"))


def test_a_redirect_loop_fails_clearly(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=302, headers={"Location": "/a"})
    with pytest.raises(http.TooManyRedirects, match="redirect loop"):
        http.fetch(httpserver.url_for("/a"))


def test_too_many_redirects_fail(httpserver, settings):
    settings.KHABAR_HTTP_MAX_REDIRECTS = 2
    for step in range(5):
        httpserver.expect_request(f"/r{step}").respond_with_data(
            "", status=302, headers={"Location": f"/r{step + 1}"}
        )
    with pytest.raises(http.TooManyRedirects, match="more than 2 redirects"):
        http.fetch(httpserver.url_for("/r0"))


def test_an_error_status_carries_the_status(httpserver):
    httpserver.expect_request("/gone").respond_with_data("", status=404)
    with pytest.raises(http.HTTPStatusError, match="404 Not Found") as caught:
        http.fetch(httpserver.url_for("/gone"))
    assert caught.value.status == 404
    assert caught.value.retry_after is None


def test_429_returns_the_retry_time(httpserver):
    httpserver.expect_request("/busy").respond_with_data(
        "", status=429, headers={"Retry-After": "120"}
    )
    with pytest.raises(http.HTTPStatusError) as caught:
        http.fetch(httpserver.url_for("/busy"))
    expected = datetime.now(UTC) + timedelta(seconds=120)
    assert abs((caught.value.retry_after - expected).total_seconds()) < 5


def test_503_with_an_http_date_returns_the_retry_time(httpserver):
    httpserver.expect_request("/down").respond_with_data(
        "", status=503, headers={"Retry-After": "Wed, 21 Oct 2037 07:28:00 GMT"}
    )
    with pytest.raises(http.HTTPStatusError, match="retry after 2037-10-21") as caught:
        http.fetch(httpserver.url_for("/down"))
    assert caught.value.retry_after == datetime(2037, 10, 21, 7, 28, tzinfo=UTC)


@pytest.mark.parametrize(
    "url", ["", "not a url", "ftp://example.org/feed", "http://", "file:///etc/passwd"]
)
def test_non_web_addresses_are_refused(url):
    with pytest.raises(http.InvalidURL):
        http.fetch(url)


def test_a_closed_port_fails_as_a_connection_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(http.ConnectionFailed, match="could not connect to 127.0.0.1"):
        http.fetch(f"http://127.0.0.1:{port}/feed")


def test_an_unknown_host_fails_clearly():
    with pytest.raises(http.ConnectionFailed, match="could not find the address"):
        http.fetch("http://no-such-host.invalid/feed")


def test_the_per_host_limit_makes_requests_wait(httpserver, settings):
    settings.KHABAR_HTTP_PER_HOST = 1
    httpserver.expect_request("/feed").respond_with_data("ok")
    with (
        http.host_slot("localhost", deadline=http.Deadline.after(5)),
        pytest.raises(http.Timeout, match="free connection to localhost"),
    ):
        http.fetch(httpserver.url_for("/feed"), timeout=0.2)
    assert http.fetch(httpserver.url_for("/feed")).text == "ok"


# --- The address guard ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "240.0.0.1",
        "255.255.255.255",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "ff02::1",
        "::ffff:127.0.0.1",
        "::ffff:10.0.0.1",
    ],
)
def test_private_and_special_addresses_are_not_public(address):
    assert not http.is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_internet_addresses_are_public(address):
    assert http.is_public_address(address)


@pytest.mark.usefixtures("guard_on")
def test_the_guard_refuses_loopback(httpserver):
    httpserver.expect_request("/feed").respond_with_data("secret")
    for url in (httpserver.url_for("/feed"), f"http://127.0.0.1:{httpserver.port}/feed"):
        with pytest.raises(http.BlockedAddress, match="private, local or reserved"):
            http.fetch(url)
    assert httpserver.log == []


@pytest.mark.usefixtures("guard_on")
def test_the_guard_checks_addresses_after_dns(httpserver, monkeypatch):
    """A public-looking name that resolves to 127.0.0.1 (DNS rebinding) is refused."""
    real_getaddrinfo = socket.getaddrinfo

    def rebinding_resolver(host, port, *args, **kwargs):
        if host == "news.example.com":
            return real_getaddrinfo("127.0.0.1", port, *args, **kwargs)
        return real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding_resolver)
    httpserver.expect_request("/feed").respond_with_data("secret")
    with pytest.raises(http.BlockedAddress, match="news.example.com: it resolves to 127.0.0.1"):
        http.fetch(f"http://news.example.com:{httpserver.port}/feed")
    assert httpserver.log == []


def test_with_the_guard_off_loopback_is_reachable(httpserver):
    httpserver.expect_request("/feed").respond_with_data("ok")
    assert http.fetch(httpserver.url_for("/feed")).text == "ok"


# --- TLS -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def self_signed_cert(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_tls_sends_the_host_name_not_the_checked_ip(self_signed_cert):
    """The guard connects to an IP, but SNI (and so certificate checks) still use the name."""
    cert, key = self_signed_cert
    seen_names = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: seen_names.append(name)
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve_one():
        conn, _ = listener.accept()
        try:
            with context.wrap_socket(conn, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass  # the client rejects our self-signed certificate, as it should

    thread = threading.Thread(target=serve_one, daemon=True)
    thread.start()
    try:
        with pytest.raises(http.FetchError, match="CERTIFICATE_VERIFY_FAILED|certificate"):
            http.fetch(f"https://localhost:{port}/", timeout=3)
    finally:
        thread.join(3)
        listener.close()
    assert seen_names == ["localhost"]
