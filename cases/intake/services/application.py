"""Applications: registration with the household and its members, the document checklist and
一次性告知, 受理 and the return to the village."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.access import case_require_actor
from cases.intake import idnumbers
from cases.intake.models.household import VILLAGE_GROUP_MAX
from cases.intake.services.common import (
    _errors,
    _notify_after_commit,
    _require_role,
    _save_case,
    _today,
)
from cases.intake.services.duplicates import duplicate_errors, log_override, override_reason
from cases.intake.services.household import clean_member_data
from cases.intake.services.near_relatives import case_refresh_near_relative_flag
from cases.models import (
    Case,
    CaseEvent,
    CaseState,
    ChecklistEntry,
    ChecklistItem,
    DocumentNotice,
    Household,
    HukouType,
    Member,
)
from cases.rules import (
    VERIFY_ORIGINAL,
    WITHDRAW_VERIFICATION,
    checklist_for_case,
    missing_items,
    open_cases_by_id_number,
)
from cases.states import PRE_ACCEPTANCE_STATES
from cases.workflow.services import case_log_event, case_transition
from relief.models import AssistanceType, Region, Role, User
from relief.parsing import bounded_text


def next_case_number(township: Region, on: datetime.date) -> str:
    """The township's next case number of the year ``on`` falls in (county code + year +
    sequence); callers insert inside a savepoint and retry on the unique number."""
    prefix = f"{township.code[:9]}{on:%Y}"
    last = (
        Case.objects.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{seq:05d}"


def check_village_for_actor(actor: User, village: Region, *, overriding: bool = False) -> None:
    """Refuse (``ValidationError`` on ``village``) a village the actor may not register in:
    a clerk's own township, an assistant's own village, a county override."""
    if village is None or village.level != Region.Level.VILLAGE:
        raise ValidationError({"village": ["请选择村(社区)"]})
    if actor.has_role(Role.TOWNSHIP_CLERK) and actor.region_id == village.parent_id:
        return
    if actor.has_role(Role.VILLAGE_ASSISTANT) and actor.region_id == village.pk:
        return
    if (
        overriding
        and actor.has_role(Role.COUNTY_SUPERVISOR)
        and village.parent is not None
        and actor.region_id == village.parent.parent_id
    ):
        return
    raise ValidationError({"village": ["只能为本辖区的村(社区)登记"]})


def application_create(
    *,
    actor: User,
    village: Region,
    assistance_type: AssistanceType,
    household: dict,
    members: list[dict],
    source: str = Case.Source.APPLICATION,
    proxy: dict | None = None,
    duplicate_override_reason: str = "",
) -> Case:
    """Register an application (A Art.4–6) or a household found by the village (主动发现):
    household + members + one applicant (relation "本人"), optionally a proxy with 委托.
    The case starts in DRAFT; the township clerk then accepts it (受理) or returns it.

    A member already in another open case of the same category in the county is refused at
    his or her ID number, naming that case (DOMAIN: one open case per person and type),
    unless a county supervisor registers it with ``duplicate_override_reason``: the override
    is signed in the new case's log (``duplicate_override``)."""
    errors: dict[str, Any] = {}
    override = override_reason(actor, duplicate_override_reason, errors)
    if not override:
        _require_role(
            actor,
            Role.TOWNSHIP_CLERK,
            Role.VILLAGE_ASSISTANT,
            message="只有乡镇经办人或村协理员可以登记申请",
        )
    check_village_for_actor(actor, village, overriding=bool(override))
    if assistance_type is None or not assistance_type.active:
        errors["assistance_type"] = "请选择救助类型"
    if source not in Case.Source.values:
        errors["source"] = "请选择申请来源"
    address = bounded_text(household, "address", 200, errors)
    if not address:
        errors["address"] = "请填写居住地址"
    village_group = bounded_text(household, "village_group", VILLAGE_GROUP_MAX, errors)
    phone = bounded_text(household, "phone", 20, errors)
    bank_name = bounded_text(household, "bank_name", 60, errors)
    bank_account = bounded_text(household, "bank_account", 40, errors)
    hukou = household.get("hukou_type") or ""
    if hukou not in HukouType.values:
        errors["hukou_type"] = "请选择户籍类型"
    proxy = proxy or {}
    proxy_clean = {"proxy_name": "", "proxy_id_number": "", "proxy_relation": ""}
    if source == Case.Source.PROXY:
        proxy_clean["proxy_name"] = str(proxy.get("proxy_name") or "").strip()
        proxy_clean["proxy_relation"] = str(proxy.get("proxy_relation") or "").strip()
        if not proxy_clean["proxy_name"]:
            errors["proxy_name"] = "委托代办须填写代办人姓名"
        if not proxy_clean["proxy_relation"]:
            errors["proxy_relation"] = "委托代办须填写代办人与申请人关系"
        try:
            proxy_clean["proxy_id_number"] = idnumbers.parse_id_number(
                str(proxy.get("proxy_id_number") or "")
            ).number
        except ValidationError as exc:
            errors["proxy_id_number"] = "代办人" + exc.messages[0]
    cleaned: list[dict] = []
    seen: dict[str, int] = {}
    for i, data in enumerate(members):
        prefix = f"members-{i}-"
        try:
            m = clean_member_data(data, prefix=prefix)
        except ValidationError as exc:
            errors.update(exc.message_dict)
            continue
        if m["id_number"] in seen:
            errors[f"{prefix}id_number"] = (
                f"与第{seen[m['id_number']] + 1}位成员身份证号重复，同一人不能登记两次"
            )
        seen.setdefault(m["id_number"], i)
        cleaned.append(m)
    held: dict[str, list[Case]] = {}
    if assistance_type is not None and village.parent is not None:
        held = open_cases_by_id_number(
            Case,
            county_id=village.parent.parent_id,
            category=assistance_type.category,
            id_numbers=list(seen),
        )
    duplicate_errors(held, seen, override, errors, prefix="members-{}-")
    if not members:
        errors["members"] = "请至少登记一名家庭成员（申请人本人）"
    selves = [i for i, d in enumerate(members) if d.get("relation") == Member.Relation.SELF]
    if members and not selves:
        errors["members"] = "家庭成员中须有一名申请人（与申请人关系选“申请人本人”）"
    for i in selves[1:]:
        errors[f"members-{i}-relation"] = "一户只能有一名申请人本人"
    _errors(errors)
    township = village.parent
    if township is None:
        raise ValidationError({"village": "所选村(社区)未设上级乡镇(街道)"})

    with transaction.atomic():
        hh = Household.objects.create(
            township=township,
            village=village,
            address=address,
            village_group=village_group,
            hukou_type=hukou,
            phone=phone,
            bank_name=bank_name,
            bank_account=bank_account,
            created_by=actor,
        )
        applicant = None
        for m in cleaned:
            member = Member.objects.create(household=hh, **m)
            if member.relation == Member.Relation.SELF:
                applicant = member
        on = _today()
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    case = Case.objects.create(
                        number=next_case_number(township, on),
                        household=hh,
                        assistance_type=assistance_type,
                        township=township,
                        village=village,
                        source=source,
                        applicant=applicant,
                        created_by=actor,
                        **proxy_clean,
                    )
                break
            except IntegrityError:
                continue
        else:  # pragma: no cover - five concurrent registrations in one township
            raise ValidationError("案件编号生成冲突，请重试")
        case_refresh_near_relative_flag(case)
        if override:
            log_override(case, actor, override, held)
        if not actor.has_role(Role.TOWNSHIP_CLERK):
            _notify_after_commit(
                role=Role.TOWNSHIP_CLERK,
                region_id=case.township_id,
                verb=(
                    f"县民政局同意重复申请，登记了{village.name}的救助申请 {case.number}，"
                    "请受理或退回"
                    if override
                    else f"{village.name}登记了"
                    f"{'主动发现' if source == Case.Source.DISCOVERED else ''}"
                    f"救助申请 {case.number}，请受理或退回"
                ),
                url_name="cases:intake",
                url_args=[case.pk],
                key=f"intake-draft:{case.pk}",
            )
    return case


#: What a clerk writes when recording that an item's original was seen.
NOTE_REQUIRED = "请填写核验说明（如：原件已核验，复印件已存档）"


def _checklist_editable(case: Case, actor: User) -> None:
    case_require_actor(case=case, actor=actor, roles=(Role.TOWNSHIP_CLERK,))
    if case.state not in PRE_ACCEPTANCE_STATES:
        raise ValidationError("案件已受理，材料清单不能再修改")


def checklist_refresh(case: Case) -> bool:
    """Keep ``case.documents_complete`` equal to the checklist rule (cases.rules) while the
    case is before 受理; after it, the state recorded at acceptance stays."""
    if case.state not in PRE_ACCEPTANCE_STATES:
        return case.documents_complete
    complete = not missing_items(case)
    if complete != case.documents_complete:
        case.documents_complete = complete
        _save_case(case, "documents_complete")
    return complete


def documents_complete_on_document_change(sender: type, instance: Any, **kwargs: Any) -> None:
    """Receiver of the archive ``Document``'s post_save and post_delete: an attached or
    removed document changes whether its checklist item is present."""
    if not ChecklistItem.objects.filter(code=instance.kind, active=True).exists():
        return  # a survey photo, a check report …: no checklist item is of its kind
    case = Case.objects.filter(pk=instance.case_id).select_related("assistance_type").first()
    if case is not None:
        checklist_refresh(case)


def _record_verification(
    case: Case, actor: User, row: dict, note: str, client_address: str | None
) -> None:
    ChecklistEntry.objects.update_or_create(
        case=case,
        item=row["item"],
        defaults={
            "provided": True,
            "note": note,
            "updated_by": actor,
            "updated_at": timezone.now(),
        },
    )
    case_log_event(
        case=case,
        name=VERIFY_ORIGINAL,
        label="原件已核验",
        actor=actor,
        roles=(Role.TOWNSHIP_CLERK,),
        opinion=f"{row['name']}：{note}",
        client_address=client_address,
        data={"item": row["code"]},
    )


def _withdraw_verification(
    case: Case, actor: User, row: dict, reason: str, client_address: str | None
) -> None:
    ChecklistEntry.objects.filter(case=case, item=row["item"]).update(
        provided=False, updated_by=actor, updated_at=timezone.now()
    )
    case_log_event(
        case=case,
        name=WITHDRAW_VERIFICATION,
        label="撤销原件核验",
        actor=actor,
        roles=(Role.TOWNSHIP_CLERK,),
        opinion=f"{row['name']}：{reason}",
        client_address=client_address,
        data={"item": row["code"]},
    )


def _checklist_row(rows: list[dict], code: str) -> dict:
    row = next((r for r in rows if r["code"] == code), None)
    if row is None:
        raise ValidationError({"item": [f"未知的材料项：{code}"]})
    return row


@transaction.atomic
def checklist_verify_original(
    *, case: Case, actor: User, code: str, note: str, client_address: str | None = None
) -> list[dict]:
    """原件已核验 (A Art.9–10): the clerk who saw an item's original records it with a note,
    signed in the case log; the item then counts as present without an uploaded copy."""
    _checklist_editable(case, actor)
    row = _checklist_row(checklist_for_case(case), code)
    errors: dict[str, Any] = {}
    note = bounded_text({"note": note}, "note", 200, errors)
    if not note and "note" not in errors:
        errors["note"] = NOTE_REQUIRED
    if row["verified"]:
        errors["item"] = f"“{row['name']}”已记录原件核验"
    _errors(errors)
    _record_verification(case, actor, row, note, client_address)
    checklist_refresh(case)
    return checklist_for_case(case)


@transaction.atomic
def checklist_withdraw_verification(
    *, case: Case, actor: User, code: str, reason: str, client_address: str | None = None
) -> list[dict]:
    """Withdraw a 原件已核验 record (signed, with the reason); an attached document of the
    item's kind still counts."""
    _checklist_editable(case, actor)
    row = _checklist_row(checklist_for_case(case), code)
    errors: dict[str, Any] = {}
    reason = bounded_text({"reason": reason}, "reason", 200, errors)
    if not reason and "reason" not in errors:
        errors["reason"] = "请填写撤销原因"
    if not row["verified"]:
        errors["item"] = f"“{row['name']}”没有原件核验记录"
    _errors(errors)
    _withdraw_verification(case, actor, row, reason, client_address)
    checklist_refresh(case)
    return checklist_for_case(case)


@transaction.atomic
def checklist_update(
    *,
    case: Case,
    actor: User,
    provided: Iterable[str],
    notes: dict[str, str] | None = None,
    client_address: str | None = None,
) -> list[dict]:
    """The checklist form (A Art.9–10). ``provided``: the items whose original the clerk saw.
    An item with a document of its kind attached is present whatever the form says; for an
    item without one, ticking it records 原件已核验 with its note (``notes[code]``, required:
    refused at ``note-<code>``), signed; un-ticking a recorded item withdraws the record,
    signed. Notes on items not ticked are kept for the 一次性告知. All or nothing."""
    _checklist_editable(case, actor)
    provided = {str(c) for c in provided}
    notes = {str(k): v for k, v in (notes or {}).items()}
    rows = checklist_for_case(case)
    unknown = provided - {r["code"] for r in rows}
    if unknown:
        raise ValidationError({"provided": [f"未知的材料项：{'、'.join(sorted(unknown))}"]})
    errors: dict[str, Any] = {}
    clean = {
        r["code"]: bounded_text(notes, r["code"], 200, errors, key=f"note-{r['code']}")
        for r in rows
    }
    verify = [r for r in rows if r["code"] in provided and not r["verified"] and not r["attached"]]
    for row in verify:
        if not clean[row["code"]] and f"note-{row['code']}" not in errors:
            errors[f"note-{row['code']}"] = f"“{row['name']}”未上传，{NOTE_REQUIRED}"
    _errors(errors)
    for row in rows:
        code, note = row["code"], clean[row["code"]]
        if row in verify:
            _record_verification(case, actor, row, note, client_address)
        elif row["verified"] and code not in provided:
            _withdraw_verification(case, actor, row, note or "经办人取消勾选", client_address)
        elif not row["verified"] and note != row["note"]:
            ChecklistEntry.objects.update_or_create(
                case=case,
                item=row["item"],
                defaults={"note": note, "updated_by": actor, "updated_at": timezone.now()},
            )
    checklist_refresh(case)
    return checklist_for_case(case)


def case_issue_document_notice(
    *, case: Case, actor: User, client_address: str | None = None
) -> DocumentNotice:
    """一次性告知 (A Art.9): list every missing item once; the case waits without its clock
    starting. Performs the ``request_documents`` transition from DRAFT; in
    AWAITING_DOCUMENTS the notice already issued is returned unchanged."""
    if case.state == CaseState.AWAITING_DOCUMENTS:
        notice = case.document_notices.first()
        if notice is not None:
            return notice
    if not missing_items(case):
        raise ValidationError("材料已齐全，无需出具一次性告知书，可直接受理")
    with transaction.atomic():
        if case.state == CaseState.DRAFT:
            case_transition(
                case=case, name="request_documents", actor=actor, client_address=client_address
            )
            notice = case.document_notices.first()
            if notice is None:
                raise ValidationError("一次性告知书未能生成，请重试")
        else:
            raise ValidationError(f"案件处于“{case.get_state_display()}”状态，不能出具一次性告知书")
    return notice


def checklist_freeze_on_request(*, case: Case, event: CaseEvent, **kwargs: object) -> None:
    """Receiver of ``case_transitioned``: freeze the 一次性告知 list when the documents
    are requested, whichever screen or API performed the transition."""
    if event.transition == "request_documents":
        DocumentNotice.objects.create(
            case=case,
            missing=[
                {"code": r["code"], "name": r["name"], "note": r["note"]}
                for r in missing_items(case)
            ],
            issued_by=event.actor,
            issued_by_name=event.actor_name,
        )


def case_accept(*, case: Case, actor: User, client_address: str | None = None) -> CaseEvent:
    """受理: refresh the near-relative flag, then the ``accept`` transition (its guards
    check the applicant, the documents and duplicates across the county)."""
    with transaction.atomic():
        case_refresh_near_relative_flag(case)
        return case_transition(case=case, name="accept", actor=actor, client_address=client_address)


def case_return_to_village(
    *, case: Case, actor: User, reason: str, client_address: str | None = None
) -> CaseEvent:
    if not (reason or "").strip():
        raise ValidationError({"reason": ["请填写退回原因"]})
    return case_transition(
        case=case,
        name="return_to_village",
        actor=actor,
        opinion=reason,
        client_address=client_address,
    )
