"""The permission matrix's one registry: the roles tried, the rules that leave URLs out, and
for every object-bearing URL name how to fill its kwargs from one township's objects
(``tests/security/objects.py`` builds them). ``test_permission_matrix.py`` walks the URLconf
and ``/api/schema/`` and fails on any object-bearing URL name missing here.

An entry maps each URL kwarg to an attribute path of the objects (``"case.pk"``) or, with a
leading ``=``, to a literal (``"=income"``). ``shared`` names why an object is not owned by a
township (county configuration, reference data): such an entry is not expected to answer 404
across townships, only never to 5xx and never to let a role that is refused change it."""

from __future__ import annotations

import re
from dataclasses import dataclass

from relief.models import Role


@dataclass(frozen=True)
class Persona:
    """A demo account of one role; ``home`` and ``village`` name the demo regions (attributes
    of the conftest ``demo`` fixture) it belongs to."""

    username: str
    role: str
    home: str = "gushu"
    village: str = "village"


#: One persona per role of relief.models.Role (the test checks none is missing).
PERSONAS = [
    Persona("assistant", Role.VILLAGE_ASSISTANT),
    Persona("clerk", Role.TOWNSHIP_CLERK),
    Persona("approver", Role.TOWNSHIP_APPROVER),
    Persona("verifier", Role.COUNTY_VERIFIER),
    Persona("supervisor", Role.COUNTY_SUPERVISOR),
    Persona("admin", Role.ADMINISTRATOR),
    Persona("dept_yibao", Role.DEPARTMENT_OFFICER),
]

#: The other township whose objects every township persona must not reach (乌溪镇).
OTHER_TOWNSHIP = "wuxi"

#: URL prefixes left out of the matrix, with the reason. Public pages are public by design
#: (they never carry personal data, checked by their own tests); the Django admin is staff only
#: and answers every non-staff account with the login page.
EXCLUDED_PREFIXES = {
    "public/": "public pages: public by design, no login",
    "admin/": "Django admin: staff accounts only (is_staff), outside the roles' permissions",
}

#: A URL kwarg that names an object (the rest, e.g. ``kind`` or ``action``, pick a variant).
OBJECT_KWARG = re.compile(r"^(pk|id|number|code|object_id|.+_pk|.+_id)$")


@dataclass(frozen=True)
class Entry:
    kwargs: dict[str, str]
    shared: str = ""


def E(shared: str = "", **kwargs: str) -> Entry:
    return Entry(kwargs=kwargs, shared=shared)


COUNTY_CONFIG = "county configuration: administrator only, not owned by a township"
COUNTY_WIDE = "county-wide object (one per county), every township of the county shares it"
REFERENCE = "reference data every account may read"

CASE = {"pk": "case.pk"}
PAYING = {"pk": "paying.pk"}

REGISTRY: dict[str, Entry] = {
    # --- cases: pages ---------------------------------------------------------------------
    "cases:detail": E(**CASE),
    "cases:transition": E(**CASE, name="=finish_investigation"),
    "cases:county_visit": E(**CASE),
    "cases:refusal_notice": E(**CASE),
    "cases:refusal_notice_pdf": E(**CASE),
    "cases:intake": E(**CASE),
    "cases:household_edit": E(**CASE),
    "cases:member_add": E(**CASE),
    "cases:member_edit": E(**CASE, member_pk="member.pk"),
    "cases:member_delete": E(**CASE, member_pk="member.pk"),
    "cases:item_add": E(**CASE, kind="=income"),
    "cases:items_edit": E(**CASE, kind="=income"),
    "cases:item_edit": E(**CASE, kind="=income", item_pk="income.pk"),
    "cases:item_delete": E(**CASE, kind="=income", item_pk="income.pk"),
    "cases:checklist": E(**CASE),
    "cases:document_notice": E(**CASE),
    "cases:intake_accept": E(**CASE),
    "cases:intake_return": E(**CASE),
    "cases:survey": E(**CASE),
    "cases:check_request": E(**CASE),
    "cases:check_return": E(check_pk="check.pk"),
    "cases:compute_amount": E(**CASE),
    "cases:tekun_assessment": E(**CASE),
    "cases:document_upload": E(**CASE),
    "cases:near_relative_deactivate": E(pk="near_relative.pk"),
    "cases:emergency_detail": E(pk="emergency.pk"),
    "cases:emergency_grant": E(pk="emergency.pk"),
    "cases:emergency_identify": E(pk="emergency.pk"),
    "cases:temporary_amount": E(**CASE),
    "cases:referral_new": E(**CASE),
    "cases:referral_answer": E(pk="referral.pk"),
    "cases:referral_department_edit": E(COUNTY_CONFIG, pk="department.pk"),
    "cases:clock": E(**CASE),
    "cases:clock_extend": E(**CASE),
    "cases:clock_serve": E(**CASE),
    "cases:job": E(pk="job.pk"),
    "cases:job_progress": E(pk="job.pk"),
    "cases:job_download": E(pk="job.pk"),
    "cases:member_id_reveal": E(pk="member.pk"),
    "cases:member_health_reveal": E(pk="member.pk"),
    "cases:member_disability_reveal": E(pk="member.pk"),
    "cases:near_relative_id_reveal": E(pk="near_relative.pk"),
    "cases:notice_batch": E(pk="notice_batch.pk"),
    "cases:notice_batch_publish": E(pk="notice_batch.pk"),
    "cases:notice_batch_remove": E(pk="notice_batch.pk", case_pk="case.pk"),
    "cases:notice_batch_withdraw": E(pk="notice_batch.pk"),
    "cases:notice_batch_photo": E(pk="notice_batch.pk"),
    "cases:notice_batch_objection": E(pk="notice_batch.pk"),
    "cases:notice_batch_pdf": E(pk="notice_batch.pk"),
    "cases:notice_objection": E(pk="objection.pk"),
    "cases:panel_meeting": E(pk="meeting.pk"),
    "cases:panel_minutes_pdf": E(pk="meeting.pk"),
    # --- cases: API -----------------------------------------------------------------------
    "case-detail": E(**CASE),
    "case-transitions": E(**CASE),
    "case-perform": E(**CASE, name="=finish_investigation"),
    "case-clock": E(**CASE),
    "case-extend-deadline": E(**CASE),
    "intake-case-detail": E(**CASE),
    "intake-case-check-request": E(**CASE),
    "intake-case-checklist": E(**CASE),
    "intake-case-compute-amount": E(**CASE),
    "intake-case-documents": E(**CASE),
    "intake-case-items": E(**CASE, kind="=income"),
    "intake-case-member": E(**CASE, member_pk="member.pk"),
    "intake-case-members": E(**CASE),
    "intake-case-survey": E(**CASE),
    "intake-check-return-report": E(pk="check.pk"),
    "intake-near-relative-deactivate": E(pk="near_relative.pk"),
    "panel-meeting-detail": E(pk="meeting.pk"),
    "temporary-emergency-detail": E(pk="emergency.pk"),
    "temporary-emergency-grants": E(pk="emergency.pk"),
    "temporary-emergency-identify": E(pk="emergency.pk"),
    "temporary-case-amount": E(**CASE),
    "referral-detail": E(pk="referral.pk"),
    "referral-answer": E(pk="referral.pk"),
    "notice-batch-detail": E(pk="notice_batch.pk"),
    "notice-batch-publish": E(pk="notice_batch.pk"),
    "notice-batch-remove": E(pk="notice_batch.pk"),
    "notice-batch-withdraw": E(pk="notice_batch.pk"),
    "notice-batch-photo": E(pk="notice_batch.pk"),
    "notice-objection-detail": E(pk="objection.pk"),
    "notice-objection-feedback": E(pk="objection.pk"),
    "member-id-number-reveal": E(pk="member.pk"),
    "member-health-reveal": E(pk="member.pk"),
    "member-disability-reveal": E(pk="member.pk"),
    "near-relative-id-number-reveal": E(pk="near_relative.pk"),
    # --- archive --------------------------------------------------------------------------
    "archive:document": E(pk="document.pk"),
    "archive:export": E(pk="archive_export.pk"),
    "archive:export_progress": E(pk="archive_export.pk"),
    "archive:export_cancel": E(pk="archive_export.pk"),
    "archive:export_download": E(pk="archive_export.pk"),
    "casefile:pdf": E(**CASE),
    "casefile:forms": E(**CASE),
    "casefile:forms_upload": E(**CASE),
    "casefile:form_pdf": E(**CASE, slug="=survey"),
    "api-archive-case-file": E(**CASE),
    "api-archive-export": E(pk="archive_export.pk"),
    "api-archive-export-cancel": E(pk="archive_export.pk"),
    "api-archive-export-download": E(pk="archive_export.pk"),
    # --- funds ----------------------------------------------------------------------------
    "recipients:detail": E(pk="recipient.pk"),
    "recipients:account": E(pk="recipient.pk"),
    "recipients:reveal": E(pk="recipient.pk"),
    "recipients:adjustment": E(COUNTY_WIDE, pk="adjustment.pk"),
    "recipients:adjustment_apply": E(COUNTY_WIDE, pk="adjustment.pk"),
    "recipient-detail": E(pk="recipient.pk"),
    "recipient-account": E(pk="recipient.pk"),
    "recipient-changes": E(pk="recipient.pk"),
    "recipient-reveal": E(pk="recipient.pk"),
    "standard-adjustment-detail": E(COUNTY_WIDE, pk="adjustment.pk"),
    "standard-adjustment-apply": E(COUNTY_WIDE, pk="adjustment.pk"),
    "standard-adjustment-lines": E(COUNTY_WIDE, pk="adjustment.pk"),
    "dynamic:open": E(pk="recipient.pk"),
    "dynamic:timeline": E(pk="recipient.pk"),
    "dynamic:dishonesty": E(pk="recipient.pk"),
    "dynamic:conclusion": E(pk="review_case.case.pk"),  # the review's case
    "dynamic:notice": E(pk="review_case.case.pk"),
    "dynamic-review-detail": E(pk="review_case.pk"),
    "dynamic-review-conclude": E(pk="review_case.pk"),
    "dynamic-timeline-detail": E(pk="recipient.pk"),
    "dynamic-dishonesty-detail": E(pk="dishonesty.pk"),
    "dynamic:posting_objections": E(pk="review_case.case.pk"),
    "dynamic:objection_handle": E(pk="posting_objection.pk"),
    "dynamic-posting-objection-detail": E(pk="posting_objection.pk"),
    "dynamic-posting-objection-handle": E(pk="posting_objection.pk"),
    "publicity:village": E(pk="village.pk"),
    "publicity:generate": E(pk="village.pk"),
    "publicity:download": E(pk="standing_list.pk"),
    "standing-village-generate": E(pk="village.pk"),
    "standing-village-versions": E(pk="village.pk"),
    "standing-list-detail": E(pk="standing_list.pk"),
    "rosters:detail": E(pk="roster.pk"),
    "rosters:progress": E(pk="roster.pk"),
    "rosters:export": E(pk="roster.pk"),
    "rosters:export_job": E(pk="roster.pk", job_id="roster_job.pk"),
    "rosters:export_download": E(pk="roster.pk", export_id="roster_export.pk"),
    "rosters:results": E(pk="roster.pk"),
    "rosters:pdf": E(pk="roster.pk"),
    "rosters:action": E(pk="roster.pk", action="=check"),
    "roster-detail": E(pk="roster.pk"),
    "roster-check": E(pk="roster.pk"),
    "roster-exports": E(pk="roster.pk"),
    "roster-lines": E(pk="roster.pk"),
    "roster-lock": E(pk="roster.pk"),
    "roster-recompute": E(pk="roster.pk"),
    "roster-results": E(pk="roster.pk"),
    # --- review ---------------------------------------------------------------------------
    "review:filing_detail": E(pk="filing.pk"),
    "review:filing_acknowledge": E(pk="filing.pk"),
    "review:query_detail": E(pk="query.pk"),
    "review:campaign_detail": E(COUNTY_WIDE, pk="campaign.pk"),
    "review:item_detail": E(pk="spot_item.pk"),
    "review:item_photo": E(pk="spot_item.pk", photo_pk="photo.pk"),
    "review:rectification_detail": E(pk="rectification.pk"),
    "review:rectification_evidence": E(pk="rectification.pk", response_pk="response.pk"),
    "review:correction": E(case_pk="paying.pk"),
    "review:correction_notice": E(event_pk="event.pk"),
    "review:complaint_detail": E(pk="complaint.pk"),
    "review-filing-detail": E(pk="filing.pk"),
    "review-filing-acknowledge": E(pk="filing.pk"),
    "review-filing-query": E(pk="filing.pk"),
    "review-campaign-detail": E(COUNTY_WIDE, pk="campaign.pk"),
    "review-campaign-verify": E(COUNTY_WIDE, pk="campaign.pk"),
    "review-rectification-detail": E(pk="rectification.pk"),
    "review-rectification-respond": E(pk="rectification.pk"),
    "review-rectification-review": E(pk="rectification.pk"),
    "review-complaint-detail": E(pk="complaint.pk"),
    "review-complaint-close": E(pk="complaint.pk"),
    "review-complaint-feedback": E(pk="complaint.pk"),
    # --- relief core ----------------------------------------------------------------------
    "region-detail": E(REFERENCE, code="township.code"),
    "assistance-type-detail": E(REFERENCE, code="type.code"),
    "delegation-detail": E(pk="delegation.pk"),
    "delegation-change-status": E(pk="delegation.pk"),
    "manage:region_edit": E(COUNTY_CONFIG, pk="township.pk"),
    "manage:region_set_active": E(COUNTY_CONFIG, pk="village.pk"),
    "manage:user_edit": E(COUNTY_CONFIG, pk="owner.pk"),
    "manage:user_password": E(COUNTY_CONFIG, pk="owner.pk"),
    "manage:user_set_active": E(COUNTY_CONFIG, pk="owner.pk"),
    "manage:user_token": E(COUNTY_CONFIG, pk="owner.pk"),
    "manage:user_token_revoke": E(COUNTY_CONFIG, pk="owner.pk"),
    "manage:delegation_detail": E(COUNTY_CONFIG, pk="delegation.pk"),
    "manage:policy_region": E(COUNTY_CONFIG, region_pk="township.pk"),
    "manage:policy_key": E(COUNTY_CONFIG, region_pk="township.pk", key="=limit_max_extended_wd"),
    "manage:calendar_edit": E(COUNTY_CONFIG, pk="override.pk"),
    "manage:calendar_delete": E(COUNTY_CONFIG, pk="override.pk"),
    "manage:type_edit": E(COUNTY_CONFIG, pk="type.pk"),
    "manage:history": E(COUNTY_CONFIG, model="=region", pk="township.pk"),
}
