"""Administration pages under /manage/: role checks, forms with errors at the field,
history, query counts."""


import pytest
from django.urls import reverse

MANAGE_PAGES = [
    ("manage:regions", ()),
    ("manage:users", ()),
    ("manage:policies", ()),
    ("manage:calendar", ()),
    ("manage:types", ()),
    ("manage:region_create", ()),
    ("manage:user_create", ()),
    ("manage:delegation_create", ()),
]


@pytest.fixture
def admin_client(client, demo):
    client.force_login(demo.user("admin"))
    return client


def test_every_manage_page_renders_for_the_administrator(admin_client, demo):
    for name, args in [*MANAGE_PAGES, ("manage:delegations", ()), ("manage:delegation_list", ())]:
        response = admin_client.get(reverse(name, args=args))
        assert response.status_code == 200, name


@pytest.mark.parametrize("username", ["clerk", "approver", "assistant", "verifier", "supervisor"])
def test_non_administrators_are_refused_the_admin_pages(client, demo, username):
    client.force_login(demo.user(username))
    for name, args in MANAGE_PAGES:
        assert client.get(reverse(name, args=args)).status_code == 403, (username, name)


def test_anonymous_users_are_sent_to_login(client, demo):
    response = client.get(reverse("manage:regions"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
