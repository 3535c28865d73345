"""``address_policy.refusal``: which resolved addresses a stream added at run time may
connect to. Pure: addresses and ranges in, a reason or ``None`` out."""

from __future__ import annotations

import ipaddress

import pytest

from camera_service.cameras.address_policy import networks, refusal
from camera_service.config.model import DEFAULT_EXTERNAL_ALLOW

pytestmark = pytest.mark.unit

DEFAULT = networks(DEFAULT_EXTERNAL_ALLOW)


def judge(allow: tuple[str, ...] | None, *addresses: str) -> str | None:
    ranges = DEFAULT if allow is None else networks(allow)
    return refusal([ipaddress.ip_address(a) for a in addresses], ranges)


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.1", "172.31.255.254", "192.168.1.20",
                                     "fd12:3456::1"])
def test_private_addresses_are_allowed_by_default(address: str) -> None:
    assert judge(None, address) is None


@pytest.mark.parametrize("address", [
    "127.0.0.1", "127.9.9.9", "::1",  # loopback: the host's own services
    "169.254.169.254", "fe80::1",  # link-local: cloud metadata, neighbours
    "0.0.0.0", "::",  # the unspecified address connects to the host itself
    "8.8.8.8", "2001:4860::8888", "172.32.0.1", "224.0.0.1",  # public, multicast
    "::ffff:127.0.0.1",  # loopback dressed as IPv6
])
def test_loopback_link_local_and_public_are_refused_by_default(address: str) -> None:
    reason = judge(None, address)
    assert reason is not None and "is not allowed by cameras.external.allow" in reason


def test_the_reason_names_the_address_and_the_ranges() -> None:
    assert judge(None, "127.0.0.1") == (
        "address 127.0.0.1 is not allowed by cameras.external.allow (10.0.0.0/8, 172.16.0.0/12, "
        "192.168.0.0/16, fc00::/7); an administrator can add its range there")


def test_loopback_is_allowed_when_listed() -> None:
    assert judge(("127.0.0.0/8",), "127.0.0.1") is None
    assert judge(("127.0.0.0/8",), "::ffff:127.0.0.1") is None  # mapped form, same address
    assert judge(("127.0.0.0/8",), "::1") is not None  # the IPv6 loopback is its own entry


def test_every_address_of_a_name_must_be_allowed() -> None:
    assert judge(None, "10.0.0.5", "127.0.0.1") is not None
    assert judge(None, "10.0.0.5", "192.168.0.5") is None


def test_an_empty_list_refuses_everything_and_no_address_is_refused() -> None:
    assert judge((), "10.0.0.1") is not None
    assert judge(None) == "the host has no address"
