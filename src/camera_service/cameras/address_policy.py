"""Which addresses a stream added at run time (``add_external_stream``) may connect to:
``cameras.external.allow``, a list of CIDR ranges. Without it, the private ranges only
(RFC 1918 and IPv6 unique local addresses, ``config.model.DEFAULT_EXTERNAL_ALLOW``);
loopback, link-local, the unspecified address and public addresses are refused unless a
listed range holds them, so an operator cannot use the service to reach its own host's
services, a cloud metadata endpoint or the Internet.

Pure: ``refusal`` judges the addresses a name resolved to; resolving is the caller's job
(``address_check.AddressGuard``, off the loop). Every address must be allowed,
not just one: the reader may connect to any of them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

RULE = "cameras.external.allow"


def networks(ranges: Iterable[str]) -> tuple[Network, ...]:
    """The ranges as networks; raises ``ValueError`` naming a bad one (the config schema
    checks them first)."""
    return tuple(ipaddress.ip_network(r, strict=False) for r in ranges)


def plain(address: Address) -> Address:
    """An IPv4-mapped IPv6 address (``::ffff:127.0.0.1``) as the IPv4 address it is."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def refusal(addresses: Sequence[Address], allow: Sequence[Network]) -> str | None:
    """``None`` when every address lies in a range of ``allow``; else why not, naming the
    first address refused and the rule (the text of a JSON-RPC error)."""
    if not addresses:
        return "the host has no address"
    for address in addresses:
        address = plain(address)
        if not any(address in net for net in allow if net.version == address.version):
            shown = ", ".join(str(n) for n in allow) or "nothing"
            return (f"address {address} is not allowed by {RULE} ({shown}); an administrator "
                    "can add its range there")
    return None
