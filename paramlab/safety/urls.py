"""Which base URLs ParamLab may send requests (and API keys) to.

A shared ParamLab instance must not become a way to reach the machine's own network: cloud
metadata services (169.254.169.254 and friends) hand out credentials, and private addresses
are other people's services. So:

- only http and https;
- link-local and cloud-metadata addresses are always refused, in every spelling the resolver
  accepts (decimal 2852039166, octal 0251.0376.0251.0376, hex, short forms, IPv4 inside IPv6);
- private and loopback addresses are allowed only when CHAT_ALLOW_PRIVATE is on (the default
  for a local install; the container image turns it off);
- the check runs on the RESOLVED addresses, so a friendly name pointing at 169.254.x is refused;
- the embedded engine is ours and exempt, by its exact URL, not loopback in general.
"""
from __future__ import annotations

import ipaddress
import os
import re
import socket
import sys
import types
from typing import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from paramlab.errors import ChatError

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Iterable[str]]  # (host, port) -> IP address strings

ALLOW_PRIVATE_VAR = "CHAT_ALLOW_PRIVATE"
METADATA_HOSTS = ("metadata.google.internal", "metadata.goog")  # and their subdomains
METADATA_NETS = tuple(ipaddress.ip_network(n) for n in (
    "169.254.0.0/16",      # link-local: AWS, Azure, GCP, DigitalOcean... metadata at 169.254.169.254
    "fe80::/10",           # IPv6 link-local
    "fd00:ec2::254/128",   # AWS metadata over IPv6
    "100.100.100.200/32",  # Alibaba Cloud metadata
    "192.0.0.192/32",      # Oracle Cloud metadata
))
NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class UnsafeURLError(ChatError):
    """A base URL ParamLab refuses to send to. `param` names the field (base_url by default)."""

    kind = "unsafe_url"

    def __init__(self, message: str, field: str = "base_url"):
        super().__init__(message, param=field)

    def __str__(self) -> str:
        return f"{self.param}: {self.message}"


class HostLookupError(UnsafeURLError):
    """The host name does not resolve: nothing can be checked, so nothing is sent."""

    kind = "connection"


def allow_private(env: Mapping[str, str] | None = None) -> bool:
    """CHAT_ALLOW_PRIVATE: on unless set to 0/false/no/off. An unreadable value is refused."""
    env = os.environ if env is None else env
    raw = (env.get(ALLOW_PRIVATE_VAR) or "").strip().lower()
    if not raw or raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise UnsafeURLError(f"must be 1 or 0 (on or off), got {raw!r}", field=ALLOW_PRIVATE_VAR)


def system_resolver(host: str, port: int) -> list[str]:
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


_PART = re.compile(r"^(0[xX][0-9a-fA-F]*|0[0-7]*|[1-9][0-9]*)$")


def parse_ipv4_loose(host: str) -> ipaddress.IPv4Address | None:
    """IPv4 in every form inet_aton accepts: 1-4 parts, each decimal, 0x-hex or 0-octal;
    the last part fills the remaining bytes (127.1, 2852039166, 0xa9.0xfe.0xa9fe)."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4 or not all(_PART.match(p) for p in parts):
        return None
    nums = []
    for p in parts:
        if p[:2].lower() == "0x":
            nums.append(int(p[2:] or "0", 16))
        elif p.startswith("0") and len(p) > 1:
            nums.append(int(p, 8))
        else:
            nums.append(int(p))
    last_bits = 8 * (5 - len(parts))
    if any(n > 255 for n in nums[:-1]) or nums[-1] >= 1 << last_bits:
        return None
    value = 0
    for n in nums[:-1]:
        value = value << 8 | n
    value = value << last_bits | nums[-1]
    return ipaddress.IPv4Address(value)


def parse_literal(host: str) -> IPAddress | None:
    """An IP address written in the URL itself (any IPv4 spelling, or IPv6 without brackets)."""
    try:
        return ipaddress.IPv6Address(host.split("%", 1)[0]) if ":" in host else parse_ipv4_loose(host)
    except ValueError:
        return None


def embedded_v4(ip: IPAddress) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries: mapped (::ffff:a.b.c.d), compatible (::a.b.c.d),
    NAT64 (64:ff9b::a.b.c.d), 6to4 and Teredo. Any of them may be where the packet ends up."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return []
    out = [a for a in (ip.ipv4_mapped, ip.sixtofour) if a is not None]
    if ip.teredo:
        out += list(ip.teredo)
    low = int(ip) & 0xFFFFFFFF
    if ip in NAT64 or (int(ip) >> 32 == 0 and low > 1):
        out.append(ipaddress.IPv4Address(low))
    return out


def refusal(ip: IPAddress, private_ok: bool) -> str | None:
    """Why this address is refused, or None if it may be used."""
    for a in [ip, *embedded_v4(ip)]:
        if a.is_link_local or any(a in n for n in METADATA_NETS if n.version == a.version):
            return f"{ip} is a link-local / cloud metadata address, which is never allowed"
        if a.is_multicast:
            return f"{ip} is a multicast address"
    if private_ok:
        return None
    for a in [ip, *embedded_v4(ip)]:
        if a.is_loopback or a.is_unspecified or a.is_private or not a.is_global:
            return (f"{ip} is a private or loopback address; they are off here "
                    f"(set {ALLOW_PRIVATE_VAR}=1 to allow them)")
    return None


def _host_port(url: str, field: str) -> tuple[str, int]:
    u = urlsplit((url or "").strip())
    if u.scheme.lower() not in ("http", "https"):
        raise UnsafeURLError(f"must start with http:// or https://, got {url!r}", field)
    host = (u.hostname or "").rstrip(".").lower()
    if not host:
        raise UnsafeURLError(f"has no host name: {url!r}", field)
    try:
        port = u.port or (443 if u.scheme.lower() == "https" else 80)
    except ValueError:
        raise UnsafeURLError(f"has an invalid port: {url!r}", field) from None
    return host, port


def check_static(url: str, *, field: str = "base_url", private_ok: bool | None = None) -> None:
    """The checks that need no DNS: scheme, metadata names and literal addresses.
    Used when settings are loaded; check_url() repeats them and adds the resolved addresses."""
    host, _ = _host_port(url, field)
    if any(host == m or host.endswith("." + m) for m in METADATA_HOSTS):
        raise UnsafeURLError(f"{host} is a cloud metadata service, which is never allowed", field)
    literal = parse_literal(host)
    if literal is not None:
        why = refusal(literal, allow_private() if private_ok is None else private_ok)
        if why:
            raise UnsafeURLError(why, field)


def check_url(url: str, *, field: str = "base_url", private_ok: bool | None = None,
              resolver: Resolver | None = None, exempt: bool = False, proxied: bool = False) -> list[str]:
    """Refuse unsafe URLs (UnsafeURLError naming `field`); return the addresses checked.

    `exempt` is for the embedded engine only (see is_embedded): its loopback address is ours.
    `resolver` defaults to socket.getaddrinfo; tests inject one to play a hostile DNS.
    `proxied`: the request goes through a proxy, which resolves the name itself; a name this
    machine cannot resolve is then let through (the static checks still apply).
    """
    private_ok = allow_private() if private_ok is None else private_ok
    check_static(url, field=field, private_ok=private_ok or exempt)
    if exempt:
        return []
    host, port = _host_port(url, field)
    literal = parse_literal(host)
    if literal is not None:
        return [str(literal)]
    try:
        addresses = list((resolver or system_resolver)(host, port))
    except (OSError, UnicodeError) as e:
        if proxied:
            return []
        raise HostLookupError(f"the host {host!r} could not be resolved ({type(e).__name__})", field) from None
    if not addresses:
        raise HostLookupError(f"the host {host!r} resolved to no address", field)
    for raw in addresses:
        ip = parse_literal(str(raw))
        if ip is None:
            raise UnsafeURLError(f"{host} resolved to {raw!r}, which is not an IP address", field)
        why = refusal(ip, private_ok)
        if why:
            raise UnsafeURLError(f"{host} resolves to {why}", field)
    return [str(a) for a in addresses]


_REGISTRY = "_paramlab_embedded_urls"  # a module with no file: Streamlit's reloader never drops it


def _embedded_urls() -> set[str]:
    mod = sys.modules.get(_REGISTRY)
    if mod is None:
        mod = types.ModuleType(_REGISTRY)
        mod.urls = set()  # type: ignore[attr-defined]
        mod = sys.modules.setdefault(_REGISTRY, mod)
    return mod.urls  # type: ignore[attr-defined]


def trust_embedded(base_url: str) -> None:
    """Record the URL the embedded engine serves on (called where the engine is started).
    Kept outside this module so a code reload in development does not forget it."""
    _embedded_urls().add(base_url.rstrip("/"))


def is_embedded(endpoint) -> bool:
    """True only for the embedded engine's own URL: an Endpoint flagged embedded whose base URL
    is exactly one the engine in this process serves on."""
    return bool(getattr(endpoint, "embedded", False)) and is_embedded_url(endpoint.base_url)


def is_embedded_url(base_url: str) -> bool:
    """True only for a base URL the embedded engine in this process serves on."""
    return base_url.rstrip("/") in _embedded_urls()


def same_host(url: str, key_host: str) -> bool:
    return (urlsplit(url).hostname or "").rstrip(".").lower() == (key_host or "").rstrip(".").lower()
