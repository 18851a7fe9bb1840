"""Fetch one web page for an article, refusing what could reach the host's own network or flood it.

``fetch_page(url, policy)`` follows at most ``max_redirects`` redirects by hand. At every hop it checks the
scheme (http or https only), resolves the name once, refuses it unless every address is public (no loopback,
private, link-local, multicast, reserved or unspecified range, IPv4 or IPv6, IPv4 inside IPv6 included) —
unless ``allow_private`` — and then connects to the checked address itself, with the name as ``Host`` and as
the TLS server name. So a name cannot resolve to a public address for the check and a private one for the
connection (DNS rebinding). The body is read in chunks up to ``max_bytes``; ``connect_timeout`` bounds each
connection and ``total_timeout`` the whole fetch; only HTML and plain text are accepted.

Every refusal is a ``FetchError`` whose message is one line that says why.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx

from bot import __version__
from bot.errors import ArticleRefusedError

USER_AGENT = f"askbot/{__version__} (+https://github.com/askbot; article import)"
ACCEPTED_TYPES = ("text/html", "application/xhtml+xml", "text/plain")
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")

Resolver = Callable[[str, int], Sequence[str]]
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(ArticleRefusedError):
    """A page that was not fetched, and the one-line reason."""

    def __init__(self, message: str, *, url: str) -> None:
        super().__init__(message)
        self.url = url


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What a fetch may reach and how much it may take."""

    allow_private: bool = False
    max_bytes: int = 5 * 1024 * 1024
    max_redirects: int = 5
    connect_timeout: float = 5.0
    total_timeout: float = 20.0
    user_agent: str = USER_AGENT


@dataclass(frozen=True, slots=True)
class Page:
    """A fetched page: where it ended up, its type and its bytes."""

    url: str
    content_type: str
    charset: str | None
    body: bytes

    def text(self) -> str:
        """Return the body decoded with the declared charset, or UTF-8 with replacements."""
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # an unknown charset name
            return self.body.decode("utf-8", errors="replace")


def system_resolver(host: str, port: int) -> list[str]:
    """Return every address the system resolver gives for ``host``."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def forbidden_reason(address: IPAddress) -> str | None:
    """Return why an address must not be fetched from (loopback, private…), or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped or address.sixtofour
        if address in _NAT64:  # the IPv4 address a NAT64 gateway would reach is what counts
            mapped = ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
        if mapped is not None:
            return forbidden_reason(mapped)
        if address.teredo is not None:
            return "a Teredo address"
        if address in _LOCAL_NAT64:
            return "a local NAT64 address"
    for test, name in (
        ("is_loopback", "loopback"),
        ("is_link_local", "link-local"),
        ("is_multicast", "multicast"),
        ("is_unspecified", "unspecified"),
        ("is_reserved", "reserved"),
        ("is_private", "private"),
    ):
        if getattr(address, test):
            return f"a {name} address"
    if not address.is_global:  # shared (100.64/10), documentation and benchmark ranges
        return "not a public address"
    return None


def _host_for_url(address: IPAddress) -> str:
    return f"[{address}]" if isinstance(address, ipaddress.IPv6Address) else str(address)


class _Deadline:
    """The total time a fetch may take."""

    def __init__(self, seconds: float, url: str) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds
        self.url = url

    def left(self) -> float:
        """Return the seconds left, or raise ``FetchError`` when none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise FetchError(f"the page took longer than {self.seconds:g} s to arrive", url=self.url)
        return left


class SafeFetcher:
    """Fetch pages under a ``FetchPolicy``; the resolver and transport can be replaced in tests."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        resolver: Resolver = system_resolver,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self.resolver = resolver
        self.transport = transport

    def check(self, url: str) -> tuple[str, IPAddress, int]:
        """Return a URL's host, the checked address to connect to and the port; raise ``FetchError`` if refused."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise FetchError(f"only http and https links can be added, not {parts.scheme or 'this'!r}", url=url)
        name = parts.hostname
        if not name:
            raise FetchError("the link has no host name", url=url)
        try:  # an international name travels in its ASCII form, in DNS, Host and the TLS server name
            host = name.encode("idna").decode("ascii")
        except UnicodeError:
            raise FetchError(f"the host name {name!r} is not valid", url=url) from None
        if parts.username or parts.password:
            raise FetchError("links with a user name or password are refused", url=url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise FetchError("the link's port is not a number", url=url) from None
        try:
            literal: IPAddress | None = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        try:
            resolved = [str(literal)] if literal is not None else list(self.resolver(host, port))
        except (OSError, UnicodeError):
            raise FetchError(f"the name {host!r} does not resolve", url=url) from None
        if not resolved:
            raise FetchError(f"the name {host!r} does not resolve", url=url)
        addresses: list[IPAddress] = []
        for text in resolved:
            try:
                address = ipaddress.ip_address(text.split("%", 1)[0])
            except ValueError:
                raise FetchError(f"the name {host!r} resolves to something that is not an address", url=url) from None
            reason = forbidden_reason(address)
            if reason is not None and not self.policy.allow_private:
                raise FetchError(f"forbidden address: {host} resolves to {address}, {reason}", url=url)
            addresses.append(address)
        return host, addresses[0], port

    def fetch(self, url: str) -> Page:
        """Fetch ``url`` under the policy and return the page, or raise ``FetchError`` with the reason."""
        policy = self.policy
        deadline = _Deadline(policy.total_timeout, url)
        timeout = httpx.Timeout(policy.total_timeout, connect=policy.connect_timeout)
        # No proxies from the environment: a proxy would connect to a name we did not check.
        with httpx.Client(transport=self.transport, timeout=timeout, follow_redirects=False, trust_env=False) as client:
            current = url
            for _hop in range(policy.max_redirects + 1):
                host, address, port = self.check(current)
                parts = urlsplit(current)
                netloc = f"{_host_for_url(address)}:{port}"
                target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
                host_header = host if port == (443 if parts.scheme == "https" else 80) else f"{host}:{port}"
                headers = {"Host": host_header, "User-Agent": policy.user_agent,
                           "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9"}
                request = client.build_request("GET", target, headers=headers,
                                               extensions={"sni_hostname": host,
                                                           "timeout": _timeouts(policy, deadline.left())})
                try:
                    response = client.send(request, stream=True)
                except httpx.TimeoutException:
                    raise FetchError(f"the page took longer than {policy.total_timeout:g} s to arrive",
                                     url=url) from None
                except httpx.HTTPError as exc:
                    if "CERTIFICATE" in str(exc).upper():
                        raise FetchError(f"the site's TLS certificate is not valid for {host}", url=url) from None
                    raise FetchError(f"the site could not be reached ({type(exc).__name__})", url=url) from None
                try:
                    if response.status_code in REDIRECT_STATUSES:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError("the site redirected without saying where", url=url)
                        current = urljoin(current, location)
                        continue
                    return self._read(response, current, url, deadline)
                finally:
                    response.close()
        raise FetchError(f"more than {policy.max_redirects} redirects", url=url)

    def _read(self, response: httpx.Response, final_url: str, url: str, deadline: _Deadline) -> Page:
        policy = self.policy
        if response.status_code >= 400:
            phrase = response.reason_phrase or "error"
            raise FetchError(f"the site answered {response.status_code} {phrase}", url=url)
        if response.status_code != 200:
            raise FetchError(f"the site answered {response.status_code} instead of a page", url=url)
        content_type, charset = _content_type(response.headers.get("content-type", ""))
        if content_type not in ACCEPTED_TYPES:
            raise FetchError(f"not a web page (content type {content_type or 'missing'})", url=url)
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > policy.max_bytes:
            raise FetchError(f"the page is too large ({int(declared):,} bytes; at most {policy.max_bytes:,})", url=url)
        chunks: list[bytes] = []
        size = 0
        try:
            for chunk in response.iter_bytes():  # as each piece arrives: the deadline is checked between them
                size += len(chunk)
                if size > policy.max_bytes:
                    raise FetchError(f"the page is too large (more than {policy.max_bytes:,} bytes)", url=url)
                chunks.append(chunk)
                deadline.left()
        except httpx.TimeoutException:
            raise FetchError(f"the page took longer than {policy.total_timeout:g} s to arrive", url=url) from None
        except httpx.HTTPError as exc:
            raise FetchError(f"the page could not be read ({type(exc).__name__})", url=url) from None
        return Page(final_url, content_type, charset, b"".join(chunks))


def _timeouts(policy: FetchPolicy, left: float) -> dict[str, float]:
    """Return httpcore's per-request timeouts: connect as set, reads no longer than the time left."""
    return {"connect": min(policy.connect_timeout, left), "read": left, "write": left, "pool": left}


def _content_type(header: str) -> tuple[str, str | None]:
    """Return a Content-Type header's media type (lower case) and charset."""
    media, _, rest = header.partition(";")
    charset = None
    for param in rest.split(";"):
        key, _, value = param.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip().strip('"')
    return media.strip().lower(), charset


def fetch_page(url: str, policy: FetchPolicy | None = None) -> Page:
    """Fetch one page with the system resolver under ``policy``."""
    return SafeFetcher(policy).fetch(url)
