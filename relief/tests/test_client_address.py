"""The client address behind our reverse proxies (relief/http.py): log rows, the public
objection form's rate limit and the login lockout all read the same one."""

import pytest
from axes.helpers import get_client_ip_address
from django.test import RequestFactory, override_settings

from relief.http import client_address_of


def _request(xff: str | None = None, remote: str = "10.0.0.5"):
    extra = {"REMOTE_ADDR": remote}
    if xff is not None:
        extra["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().get("/", **extra)


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored():
    assert client_address_of(_request("203.0.113.7")) == "10.0.0.5"


@override_settings(TRUSTED_PROXY_HOPS=1)
@pytest.mark.parametrize(
    ("xff", "expected"),
    [
        ("203.0.113.7", "203.0.113.7"),  # nginx appended the resident's address
        ("198.51.100.1, 203.0.113.7", "203.0.113.7"),  # the left entry is the client's own
        (" 2001:db8::1 ", "2001:db8::1"),
        (None, "10.0.0.5"),  # a request that did not come through the proxy
        ("", "10.0.0.5"),
        ("not-an-ip", "10.0.0.5"),
    ],
)
def test_behind_one_proxy_the_last_forwarded_entry_is_the_client(xff, expected):
    assert client_address_of(_request(xff)) == expected


@override_settings(TRUSTED_PROXY_HOPS=2)
def test_behind_two_proxies_the_entry_two_from_the_right():
    assert client_address_of(_request("1.2.3.4, 203.0.113.7, 10.0.0.9")) == "203.0.113.7"
    assert client_address_of(_request("203.0.113.7")) == "10.0.0.5"  # too short: not ours


@override_settings(TRUSTED_PROXY_HOPS=1)
def test_the_login_lockout_counts_the_same_address():
    request = _request("198.51.100.1, 203.0.113.7")
    assert get_client_ip_address(request) == client_address_of(request) == "203.0.113.7"
