"""The fetch's guard: addresses, redirects, size, time and type, with a fake resolver and no real network."""

from __future__ import annotations

import ipaddress
import shutil
import ssl
import subprocess

import httpx
import pytest

from bot.safe_fetch import FetchError, FetchPolicy, SafeFetcher, forbidden_reason
from tests.pages_server import base_url, serve_pages

PUBLIC = "93.184.216.34"
HTML = b"<html><head><title>t</title></head><body><p>hello</p></body></html>"


class FakeResolver:
    """A resolver from a table; it records every look-up."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise OSError("no such name")
        return self.table[host]


class Recorder:
    """An httpx transport that answers from a function and records each request; it never touches a socket."""

    def __init__(self, answer) -> None:
        self.requests: list[httpx.Request] = []
        self._answer = answer

    def transport(self) -> httpx.MockTransport:
        def handle(request: httpx.Request) -> httpx.Response:
            self.requests.append(request)
            return self._answer(request)

        return httpx.MockTransport(handle)


def ok_page(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "text/html; charset=utf-8"}, content=HTML)


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("::1", "loopback"),
        ("fd00::1", "private"),
        ("::ffff:127.0.0.1", "loopback"),
        ("224.0.0.1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("100.64.0.1", "not a public address"),
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback"),  # 6to4 of 127.0.0.1
    ],
)
def test_names_resolving_to_non_public_addresses_are_refused_before_any_connection(address: str, reason: str):
    resolver = FakeResolver({"news.example": [address]})
    recorder = Recorder(ok_page)
    fetcher = SafeFetcher(FetchPolicy(), resolver=resolver, transport=recorder.transport())
    with pytest.raises(FetchError, match=f"forbidden address: news.example resolves to .*{reason}"):
        fetcher.fetch("http://news.example/story")
    assert recorder.requests == []
    assert forbidden_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", [PUBLIC, "2606:4700::1111", "64:ff9b::5db8:d822"])
def test_public_addresses_pass(address: str):
    assert forbidden_reason(ipaddress.ip_address(address)) is None


def test_one_private_address_among_public_ones_is_enough_to_refuse():
    resolver = FakeResolver({"news.example": [PUBLIC, "10.0.0.1"]})
    recorder = Recorder(ok_page)
    with pytest.raises(FetchError, match=r"10\.0\.0\.1"):
        SafeFetcher(resolver=resolver, transport=recorder.transport()).fetch("https://news.example/")
    assert recorder.requests == []


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://[::1]:8080/x", "http://[fd00::1]/", "http://10.0.0.1/"])
def test_literal_private_addresses_are_refused(url: str):
    recorder = Recorder(ok_page)
    with pytest.raises(FetchError, match="forbidden address"):
        SafeFetcher(resolver=FakeResolver({}), transport=recorder.transport()).fetch(url)
    assert recorder.requests == []


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://news.example/a", "gopher://x/", "javascript:alert(1)"])
def test_only_http_and_https(url: str):
    with pytest.raises(FetchError, match="only http and https"):
        SafeFetcher(resolver=FakeResolver({})).fetch(url)


def test_unknown_name_is_refused():
    with pytest.raises(FetchError, match="does not resolve"):
        SafeFetcher(resolver=FakeResolver({})).fetch("http://nowhere.example/")


def test_a_redirect_from_a_public_address_to_a_private_one_is_refused():
    resolver = FakeResolver({"public.example": [PUBLIC], "inside.example": ["10.0.0.1"]})

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://inside.example/admin"})

    recorder = Recorder(answer)
    fetcher = SafeFetcher(resolver=resolver, transport=recorder.transport())
    with pytest.raises(FetchError, match=r"forbidden address: inside\.example resolves to 10\.0\.0\.1"):
        fetcher.fetch("http://public.example/story")
    assert len(recorder.requests) == 1  # the private target was never contacted
    assert resolver.calls == ["public.example", "inside.example"]


def test_the_connection_goes_to_the_checked_address_so_a_second_answer_cannot_rebind():
    answers = iter([[PUBLIC], ["127.0.0.1"], ["127.0.0.1"]])
    seen: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        seen.append(host)
        return next(answers)

    recorder = Recorder(ok_page)
    page = SafeFetcher(resolver=rebinding, transport=recorder.transport()).fetch("https://public.example/a?b=1")
    assert page.body == HTML
    assert seen == ["public.example"]  # resolved once, for the check
    (request,) = recorder.requests
    assert request.url.host == PUBLIC
    assert request.url.path == "/a"
    assert request.url.query == b"b=1"
    assert request.headers["Host"] == "public.example"
    assert request.extensions["sni_hostname"] == "public.example"  # TLS still checks the name's certificate
    assert "askbot" in request.headers["User-Agent"]


@pytest.fixture
def pages():
    with serve_pages() as server:
        yield server


def loopback(**policy) -> SafeFetcher:
    return SafeFetcher(FetchPolicy(allow_private=True, **policy))


def test_loopback_is_refused_when_private_hosts_are_not_allowed(pages):
    with pytest.raises(FetchError, match="loopback"):
        SafeFetcher(FetchPolicy()).fetch(base_url(pages) + "/news/bylines")
    assert pages.seen == []


def test_a_page_is_fetched_with_an_askbot_user_agent(pages):
    page = loopback().fetch(base_url(pages) + "/news/bylines")
    assert page.content_type == "text/html"
    assert b"sea wall" in page.body
    ((path, headers),) = pages.seen
    assert path == "/news/bylines"
    assert headers["User-Agent"].startswith("askbot/")


def test_five_redirects_are_followed_and_six_are_refused(pages):
    page = loopback().fetch(base_url(pages) + "/hop/4")
    assert page.url.endswith("/news/bylines")
    with pytest.raises(FetchError, match="more than 5 redirects"):
        loopback().fetch(base_url(pages) + "/hop/5")


def test_an_oversized_body_is_refused_while_reading(pages):
    with pytest.raises(FetchError, match="too large"):
        loopback(max_bytes=1024 * 1024).fetch(base_url(pages) + "/big")


def test_an_oversized_declared_length_is_refused_before_reading(pages):
    with pytest.raises(FetchError, match=r"too large \(52,428,800 bytes"):
        loopback().fetch(base_url(pages) + "/big-declared")


def test_a_slow_body_is_cut_at_the_total_timeout(pages):
    with pytest.raises(FetchError, match=r"took longer than 0\.3 s"):
        loopback(total_timeout=0.3).fetch(base_url(pages) + "/slow")


def test_a_stalled_body_is_cut_at_the_total_timeout(pages):
    with pytest.raises(FetchError, match=r"took longer than 0\.3 s"):
        loopback(total_timeout=0.3).fetch(base_url(pages) + "/stall")


def test_only_html_and_text(pages):
    with pytest.raises(FetchError, match="not a web page \\(content type application/pdf\\)"):
        loopback().fetch(base_url(pages) + "/pdf")
    assert loopback().fetch(base_url(pages) + "/plain").content_type == "text/plain"


def test_an_error_status_is_refused_with_it(pages):
    with pytest.raises(FetchError, match="the site answered 404 Not Found"):
        loopback().fetch(base_url(pages) + "/news/notfound")


def test_a_closed_port_is_a_clear_refusal():
    with pytest.raises(FetchError, match="could not be reached"):
        loopback(connect_timeout=1).fetch("http://127.0.0.1:9/")


def test_an_international_name_is_resolved_and_sent_in_ascii():
    resolver = FakeResolver({"xn--bcher-kva.example": [PUBLIC]})
    recorder = Recorder(ok_page)
    SafeFetcher(resolver=resolver, transport=recorder.transport()).fetch("http://bücher.example/")
    assert recorder.requests[0].headers["Host"] == "xn--bcher-kva.example"


def test_a_real_connection_goes_to_the_checked_address_with_the_name_as_host(pages):
    port = pages.server_address[1]
    resolver = FakeResolver({"news.example": ["127.0.0.1"]})
    page = SafeFetcher(FetchPolicy(allow_private=True), resolver=resolver).fetch(
        f"http://news.example:{port}/news/bylines")
    assert b"sea wall" in page.body
    assert page.url == f"http://news.example:{port}/news/bylines"  # the page keeps its name, not the address
    ((_, headers),) = pages.seen
    assert headers["Host"] == f"news.example:{port}"
    assert resolver.calls == ["news.example"]


def _certificate(folder, name: str):
    """Make a self-signed certificate for ``name`` with the openssl command; skip when it is missing."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl command is not installed")
    key, cert = folder / f"{name}.key", folder / f"{name}.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                    "-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", f"/CN={name}",
                    "-addext", f"subjectAltName=DNS:{name}"], check=True, capture_output=True, timeout=30)
    return key, cert


@pytest.mark.parametrize(("certified", "ok"), [("news.example", True), ("other.example", False)])
def test_https_to_the_checked_address_still_checks_the_name_certificate(tmp_path, certified: str, ok: bool):
    key, cert = _certificate(tmp_path, certified)
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_context.load_cert_chain(cert, key)
    trust = ssl.create_default_context(cafile=str(cert))
    resolver = FakeResolver({"news.example": ["127.0.0.1"]})
    with serve_pages(tls=server_context) as server:
        fetcher = SafeFetcher(FetchPolicy(allow_private=True), resolver=resolver,
                              transport=httpx.HTTPTransport(verify=trust))
        url = f"https://news.example:{server.server_address[1]}/news/bylines"
        if ok:
            assert b"sea wall" in fetcher.fetch(url).body
        else:
            with pytest.raises(FetchError, match=r"TLS certificate is not valid for news\.example"):
                fetcher.fetch(url)
