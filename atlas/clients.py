"""The address of the client a request came from, as every per-client limit counts it.

A request that reached the site directly is counted against REMOTE_ADDR. One that came
through a proxy named in TRUSTED_PROXIES is counted against the right-most address of its
X-Forwarded-For that is not itself a trusted proxy: each proxy appends the address it was
reached from, so the addresses to the left of the first untrusted one were written by the
client and are ignored. X-Forwarded-For from anyone else is ignored altogether.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(entries: list[str] | tuple[str, ...]) -> tuple[Network, ...]:
    """TRUSTED_PROXIES' addresses and CIDR ranges; a malformed one raises ValueError."""
    return _networks(tuple(entries))


@lru_cache(maxsize=8)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def parse_address(value: str) -> Address | None:
    """An address as a proxy writes it (`192.0.2.1`, `192.0.2.1:443`, `2001:db8::1`,
    `[2001:db8::1]:443`), IPv4-mapped IPv6 read as IPv4; None for anything else."""
    value = value.strip()
    if value.startswith("["):
        value = value[1:].partition("]")[0]
    elif value.count(":") == 1:
        value = value.partition(":")[0]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def is_trusted_proxy(address: Address | None) -> bool:
    return address is not None and any(
        address in network for network in trusted_networks(settings.TRUSTED_PROXIES)
    )


def came_from_trusted_proxy(request: HttpRequest) -> bool:
    """Whether the connection itself came from a proxy named in TRUSTED_PROXIES."""
    return is_trusted_proxy(parse_address(request.META.get("REMOTE_ADDR", "")))


def client_ip(request: HttpRequest) -> str:
    """The client's address: see the module's docstring for which one."""
    remote = request.META.get("REMOTE_ADDR", "")
    nearest = parse_address(remote)
    if not is_trusted_proxy(nearest):
        return str(nearest) if nearest is not None else remote
    hops = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
    for hop in reversed(hops):
        address = parse_address(hop)
        if address is None:
            # Nothing a trusted proxy writes: the chain can be followed no further.
            break
        nearest = address
        if not is_trusted_proxy(address):
            break
    return str(nearest)
