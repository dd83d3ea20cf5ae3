"""Revealing a masked ID number: one click (htmx) or one API call answers the full number and
logs one DataReveal row; another township's subject answers 404, a role without the right
403 (nothing logged); the number stays masked by default on the page and in the API."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction
from django.template.loader import render_to_string
from rest_framework.test import APIClient

from cases.models import EconomicCheck, NearRelative
from cases.workflow.tests.helpers import make_case
from relief.dbroles import install_append_only_triggers
from relief.models import DataReveal
from relief.personal_data import reveal_export_rows, reveals_for_user


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_clerk_reveals_a_members_id_number_with_one_click_and_it_is_logged(demo, client):
    case = make_case(demo.gushu)
    member = case.applicant
    clerk = demo.user("clerk")
    client.force_login(clerk)
    response = client.post(
        f"/cases/members/{member.pk}/id-number/", HTTP_HX_REQUEST="true", REMOTE_ADDR="10.1.2.3"
    )
    assert response.status_code == 200
    assert member.id_number in response.content.decode()
    assert response["Cache-Control"] == "no-store"
    reveal = DataReveal.objects.get()
    assert (reveal.user, reveal.kind, reveal.subject, reveal.subject_name) == (
        clerk,
        DataReveal.Kind.ID_NUMBER,
        member,
        member.name,
    )
    assert reveal.township == demo.gushu and reveal.client_address == "10.1.2.3"
    assert reveal.path == f"/cases/members/{member.pk}/id-number/"
    assert reveal.view_name == "cases:member_id_reveal"


def test_the_api_reveal_answers_the_number_and_logs_one_row(demo):
    member = make_case(demo.gushu).applicant
    response = api(demo.user("approver")).post(
        f"/api/personal-data/members/{member.pk}/id-number/reveal/"
    )
    assert response.status_code == 200, response.content
    assert response.json() == {"id": member.pk, "id_number": member.id_number}
    assert DataReveal.objects.get().view_name == "member-id-number-reveal"


def test_another_townships_member_answers_404_and_logs_nothing(demo, client):
    member = make_case(demo.wuxi).applicant
    client.force_login(demo.user("clerk"))
    assert client.post(f"/cases/members/{member.pk}/id-number/").status_code == 404
    page = api(demo.user("clerk")).post(f"/api/personal-data/members/{member.pk}/id-number/reveal/")
    assert page.status_code == 404
    assert not DataReveal.objects.exists()


@pytest.mark.parametrize("username", ["assistant", "supervisor", "admin"])
def test_a_role_without_the_right_gets_403_and_nothing_is_logged(demo, username):
    member = make_case(demo.gushu).applicant
    response = api(demo.user(username)).post(
        f"/api/personal-data/members/{member.pk}/id-number/reveal/"
    )
    assert response.status_code == 403
    assert "id_number" not in response.json()
    assert not DataReveal.objects.exists()


def test_the_county_verifier_sees_the_numbers_its_check_needs_and_no_others(demo):
    checked = make_case(demo.gushu)
    EconomicCheck.objects.create(case=checked)
    other = make_case(demo.gushu)
    client = api(demo.user("verifier"))
    url = "/api/personal-data/members/{}/id-number/reveal/"
    assert client.post(url.format(checked.applicant.pk)).status_code == 200
    assert client.post(url.format(other.applicant.pk)).status_code == 403
    assert DataReveal.objects.count() == 1


def test_a_near_relatives_id_number_is_revealed_by_its_townships_clerk_only(demo):
    entry = NearRelative.objects.create(
        worker_name="陈晓燕",
        worker_position=NearRelative.Position.choices[0][0],
        township=demo.gushu,
        relative_name="王五",
        relative_id_number="130402198207290622",
        relation="兄弟",
    )
    url = f"/api/personal-data/near-relatives/{entry.pk}/id-number/reveal/"
    assert api(demo.user("clerk_wuxi")).post(url).status_code == 404
    assert api(demo.user("verifier")).post(url).status_code == 403
    response = api(demo.user("clerk")).post(url)
    assert response.json()["id_number"] == "130402198207290622"
    assert DataReveal.objects.get().subject == entry


def test_id_numbers_are_masked_by_default_in_the_api_and_on_the_page(demo, client):
    case = make_case(demo.gushu)
    number = case.applicant.id_number
    body = api(demo.user("clerk")).get(f"/api/intake/cases/{case.pk}/").content.decode()
    assert number not in body and number[:4] in body
    client.force_login(demo.user("clerk"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert number not in page
    assert not DataReveal.objects.exists()


def test_the_case_page_and_near_relative_page_offer_the_logged_reveal(demo, client):
    case = make_case(demo.gushu)
    member = case.applicant
    client.force_login(demo.user("clerk"))
    page = client.get(f"/cases/{case.pk}/").content.decode()
    assert f'hx-post="/cases/members/{member.pk}/id-number/"' in page
    assert f'id="idn-member-{member.pk}"' in page and f'hx-target="#idn-member-{member.pk}"' in page
    client.force_login(demo.user("assistant"))
    response = client.get(f"/cases/{case.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "/id-number/" not in page and member.id_number not in page


def test_the_reveal_button_renders_masked_and_points_at_the_logged_reveal(demo, rf):
    member = make_case(demo.gushu).applicant
    request = rf.get("/")
    request.user = demo.user("clerk")
    url = f"/cases/members/{member.pk}/id-number/"
    html = render_to_string(
        "cases/intake/_id_number.html",
        {"number": member.id_number, "target": f"idn-member-{member.pk}", "reveal_url": url},
        request=request,
    )
    assert member.id_number not in html and f'hx-post="{url}"' in html and "显示" in html
    request.user = demo.user("assistant")
    html = render_to_string(
        "cases/intake/_id_number.html",
        {"number": member.id_number, "target": "t", "reveal_url": url},
        request=request,
    )
    assert "hx-post" not in html


def test_the_log_is_reviewed_by_the_county_and_each_township_sees_its_own(demo, client):
    mine, theirs = make_case(demo.gushu).applicant, make_case(demo.wuxi).applicant
    api(demo.user("clerk")).post(f"/api/personal-data/members/{mine.pk}/id-number/reveal/")
    api(demo.user("clerk_wuxi")).post(f"/api/personal-data/members/{theirs.pk}/id-number/reveal/")
    assert reveals_for_user(user=demo.user("supervisor")).count() == 2
    assert [r.subject_name for r in reveals_for_user(user=demo.user("clerk"))] == [mine.name]
    client.force_login(demo.user("clerk"))
    page = client.get("/personal-data/reveals/").content.decode()
    assert mine.name in page and theirs.name not in page
    client.force_login(demo.user("supervisor"))
    filtered = client.get("/personal-data/reveals/", {"person": theirs.name}).content.decode()
    assert theirs.name in filtered and mine.name not in filtered
    export = client.get("/personal-data/reveals/export.csv")
    assert export.status_code == 200 and theirs.name in export.content.decode("utf-8-sig")
    assert len(reveal_export_rows(reveals_for_user(user=demo.user("supervisor")))) == 2
    client.force_login(demo.user("approver"))
    assert client.get("/personal-data/reveals/").status_code == 403


def test_the_review_page_reads_a_fixed_number_of_queries(
    demo, client, django_assert_max_num_queries
):
    clerk = api(demo.user("clerk"))
    for _ in range(3):
        member = make_case(demo.gushu).applicant
        clerk.post(f"/api/personal-data/members/{member.pk}/id-number/reveal/")
    client.force_login(demo.user("supervisor"))
    client.get("/personal-data/reveals/")  # warm the session and the content types
    with django_assert_max_num_queries(9) as queries:
        assert client.get("/personal-data/reveals/").status_code == 200
    few = len(queries)
    for _ in range(5):
        member = make_case(demo.gushu).applicant
        clerk.post(f"/api/personal-data/members/{member.pk}/id-number/reveal/")
    with django_assert_max_num_queries(few):
        assert client.get("/personal-data/reveals/").status_code == 200


@pytest.mark.postgres
def test_the_database_refuses_to_change_or_delete_a_reveal(demo):
    assert "relief_datareveal" in install_append_only_triggers(connection)
    member = make_case(demo.gushu).applicant
    api(demo.user("clerk")).post(f"/api/personal-data/members/{member.pk}/id-number/reveal/")
    reveal = DataReveal.objects.get()
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DataReveal.objects.filter(pk=reveal.pk).update(subject_name="改写")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        DataReveal.objects.filter(pk=reveal.pk).delete()
    assert DataReveal.objects.get().subject_name == member.name


@pytest.mark.parametrize("kind", ["id-number", "health", "disability"])
def test_a_worker_recused_from_the_household_reveals_none_of_its_data(demo, kind):
    """A Art.11: the clerk named in an active near-relative entry of the household (403,
    nothing logged); the township's other worker reveals as usual."""
    case = make_case(demo.gushu)
    member = case.applicant
    NearRelative.objects.create(
        worker_name="陈晓燕",
        worker_user=demo.user("clerk"),
        worker_position=NearRelative.Position.choices[0][0],
        township=demo.gushu,
        relative_name=member.name,
        relative_id_number=member.id_number,
        relation="兄弟",
    )
    url = f"/api/personal-data/members/{member.pk}/{kind}/reveal/"
    refused = api(demo.user("clerk")).post(url)
    assert refused.status_code == 403 and "回避" in refused.json()["detail"]
    assert DataReveal.objects.count() == 0
    assert api(demo.user("approver")).post(url).status_code == 200
    assert DataReveal.objects.count() == 1
