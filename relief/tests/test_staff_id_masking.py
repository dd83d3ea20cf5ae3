"""Staff ID numbers (User.id_number, kept for the near-relative recusal check) are personal
data under PIPL: the user administration pages (/manage/ user form and change history, the
Django admin's user form, its history list and its past versions) show them masked only —
there is no reveal on these pages — while a blank field keeps the registered number, a new
one replaces it and a box removes it."""

import pytest
from django.urls import reverse

from relief.masking import mask_id_number

pytestmark = pytest.mark.django_db

NUMBER = "11010519491231002X"
MASKED = "1101**********002X"
OTHER = "110105194912310038"


@pytest.fixture
def admin_client(client, demo):
    client.force_login(demo.user("admin"))
    return client


@pytest.fixture
def clerk(demo):
    user = demo.user("clerk_wuxi")
    user.id_number = NUMBER
    user.save()
    return user


def _edit_data(user, **overrides):
    data = {
        "username": user.username,
        "full_name": user.full_name,
        "role": user.role,
        "extra_role": user.extra_role,
        "region": user.region_id,
        "phone": user.phone,
        "id_number": "",
    }
    data.update(overrides)
    return data


def test_mask_id_number_keeps_the_first_and_last_four():
    assert mask_id_number(NUMBER) == MASKED
    assert mask_id_number(" 11010519491231002x ") == MASKED
    assert (mask_id_number(""), mask_id_number("1234")) == ("", "****")


def test_the_manage_user_form_shows_the_number_masked_only(admin_client, clerk):
    html = admin_client.get(reverse("manage:user_edit", args=[clerk.pk])).content.decode()
    assert NUMBER not in html and NUMBER.lower() not in html
    assert f"已登记：{MASKED}" in html
    assert 'name="clear_id_number"' in html


def test_a_blank_field_keeps_a_new_number_replaces_and_the_box_removes(admin_client, clerk):
    url = reverse("manage:user_edit", args=[clerk.pk])
    assert admin_client.post(url, _edit_data(clerk, phone="13900000000")).status_code == 302
    clerk.refresh_from_db()
    assert (clerk.id_number, clerk.phone) == (NUMBER, "13900000000")
    assert admin_client.post(url, _edit_data(clerk, id_number=OTHER)).status_code == 302
    clerk.refresh_from_db()
    assert clerk.id_number == OTHER
    both = admin_client.post(url, _edit_data(clerk, id_number=NUMBER, clear_id_number="on"))
    assert both.status_code == 200
    assert "删除已登记的身份证号时请勿同时填写新号码" in both.context["form"].errors["id_number"]
    assert admin_client.post(url, _edit_data(clerk, clear_id_number="on")).status_code == 302
    clerk.refresh_from_db()
    assert clerk.id_number == ""
    html = admin_client.get(url).content.decode()
    assert "已登记：" not in html and 'name="clear_id_number"' not in html


def test_the_manage_user_history_masks_the_numbers(admin_client, clerk):
    url = reverse("manage:user_edit", args=[clerk.pk])
    admin_client.post(url, _edit_data(clerk, id_number=OTHER))
    page = admin_client.get(reverse("manage:history", args=["user", clerk.pk])).content.decode()
    assert NUMBER not in page and OTHER not in page
    assert f"{MASKED} → {mask_id_number(OTHER)}" in page


def test_the_django_admin_user_pages_mask_the_number(admin_client, clerk):
    change = reverse("admin:relief_user_change", args=[clerk.pk])
    html = admin_client.get(change).content.decode()
    assert NUMBER not in html and f"已登记：{MASKED}" in html
    form = admin_client.get(change).context["adminform"].form
    data = {
        **{k: v for k, v in form.initial.items() if v is not None and k != "password"},
        "region": clerk.region_id,
        "id_number": "",
        "phone": "13700000000",
    }
    data.pop("date_joined", None)
    data.pop("last_login", None)
    response = admin_client.post(change, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    clerk.refresh_from_db()
    assert (clerk.id_number, clerk.phone) == (NUMBER, "13700000000")
    response = admin_client.post(change, {**data, "id_number": OTHER})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.id_number == OTHER
    bad = admin_client.post(change, {**data, "id_number": "130402198207290622"})
    assert bad.status_code == 200
    assert "身份证号无效" in str(bad.context["adminform"].form.errors["id_number"])
    history = admin_client.get(reverse("admin:relief_user_history", args=[clerk.pk]))
    text = history.content.decode()
    assert NUMBER not in text and OTHER not in text and MASKED in text
    record = clerk.history.order_by("history_date", "history_id").first()
    past = admin_client.get(
        reverse("admin:relief_user_simple_history", args=[clerk.pk, record.history_id])
    ).content.decode()
    assert NUMBER not in past and OTHER not in past
