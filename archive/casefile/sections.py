"""What each part of the case file shows, read from the case's own records.

Everything is read through the case (its fields and reverse relations), so the file shows
exactly what the record holds at the time it is generated. County actions (part 10) are
read through the relations the supervision models declare on the case (``filings``,
``review_queries``, ``spot_checks``, ``amount_changes``, ``rectifications``,
``complaints``) without importing that app.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archive.models import Document
from cases.models import AmountComputation, Case, CaseEvent, CaseState
from cases.rules import checklist_for_case
from relief.models import Role

#: The parts of the file in their order (DOMAIN §8, seeds 000, 001); ``key`` is the anchor.
PARTS: tuple[tuple[str, str], ...] = (
    ("cover", "封面"),
    ("application", "申请书"),
    ("household", "家庭成员及经济状况"),
    ("documents", "材料清单及一次性告知"),
    ("survey", "入户调查表"),
    ("check", "家庭经济状况核对报告"),
    ("evaluation", "民主评议记录"),
    ("notices", "公示及异议处理"),
    ("review", "审核确认表"),
    ("county", "备案及县级监管"),
    ("decisions", "告知书"),
    ("scans", "扫描件"),
)

#: Transitions recorded in part 8 (notices and objections), by the log.
NOTICE_TRANSITIONS = (
    "raise_objection",
    "close_notice",
    "finish_reinvestigation",
    "uphold_objection",
    "county_uphold_objection",
    "publish_result",
    "close_result_notice",
)
ROLE_LABELS = dict(Role.choices)
STATE_LABELS = dict(CaseState.choices)
#: Uploads shown inside an earlier part (5: survey photos, 6: check reports) rather than
#: among the scans appended in part 12.
SURVEY_KINDS = (Document.Kind.SURVEY_PHOTO,)
CHECK_KINDS = (Document.Kind.CHECK_REPORT,)


@dataclass
class Scan:
    """One upload as the file shows it: a JPEG/PNG on one page, a PDF merged page by page,
    or an unreadable file listed with its reason."""

    document: Document
    number: int
    kind: str  # "image" | "pdf" | "unreadable"
    pages: int = 0
    reason: str = ""
    data: bytes = b""
    anchors: list[str] = field(default_factory=list)

    @property
    def caption(self) -> str:
        doc = self.document
        label = doc.get_kind_display()
        title = f"：{doc.title}" if doc.title else ""
        uploader = str(doc.uploaded_by) if doc.uploaded_by_id else "—"
        return f"附件{self.number} {label}{title}（{doc.original_name}，{uploader}上传）"


def signed_events(case: Case) -> list[CaseEvent]:
    """Every signed row of the case log, oldest first (审核确认表 lists them all)."""
    return list(case.events.select_related("actor").order_by("created_at", "pk"))


def event_rows(events: list[CaseEvent]) -> list[dict]:
    return [
        {
            "label": e.label,
            "from": STATE_LABELS.get(e.source_state, e.source_state),
            "to": STATE_LABELS.get(e.target_state, e.target_state),
            "name": e.actor_name or str(e.actor or ""),
            "role": ROLE_LABELS.get(e.actor_role, e.actor_role),
            "at": e.created_at,
            "opinion": e.opinion,
        }
        for e in events
    ]


def notice_rows(case: Case, events: list[CaseEvent]) -> list[dict]:
    """Part 8, the handling as signed in the case log: each entry into a notice state and
    every objection, re-investigation and close step (the batches: ``notice_batches``)."""
    rows = []
    for e in events:
        if e.target_state in (CaseState.PRE_NOTICE, CaseState.RESULT_NOTICE):
            on = (e.data or {}).get("on") or e.created_at.date().isoformat()
            rows.append({"kind": "公示开始", "event": e, "on": on})
        elif e.transition in NOTICE_TRANSITIONS:
            rows.append({"kind": e.label, "event": e, "on": e.created_at.date().isoformat()})
    return rows


#: What became of a case in a batch (``NoticeEntry.outcome``).
ENTRY_OUTCOMES = {"": "公示中", "closed": "公示期满", "objection": "因异议退出公示"}


def photo_title(batch_number: str) -> str:
    """The title ``cases.notices.services.batch_upload_photo`` files the posting photo
    under, in every case of the batch (a document of the case, so appended in part 12)."""
    return f"公示张贴照片（{batch_number}）"


def notice_batches(case: Case, scans: list[Scan]) -> dict:
    """Part 8: every 公示 batch the case was in (number, kind, period, place, state, the
    posting photo and where the file shows it, what became of the case in it) with the
    objections to the case received in it, then objections received outside any batch."""
    photos: dict[str, Scan] = {}
    for scan in scans:
        photos.setdefault(scan.document.title, scan)
        photos.setdefault(f"sha256:{scan.document.sha256}", scan)
    objections = list(
        case.objections.select_related("recorded_by", "feedback_by").order_by("received_at", "pk")
    )
    by_batch: dict[int | None, list] = {}
    for objection in objections:
        by_batch.setdefault(objection.batch_id, []).append(objection)
    batches = []
    entries = case.notice_entries.select_related("batch", "batch__published_by").order_by(
        "batch__starts_on", "batch__pk"
    )
    for entry in entries:
        batch = entry.batch
        photo = photos.get(f"sha256:{batch.photo_sha256}") if batch.photo_sha256 else None
        batches.append(
            {
                "batch": batch,
                "entry": entry,
                "outcome": ENTRY_OUTCOMES.get(entry.outcome, entry.outcome),
                "photo": photo or photos.get(photo_title(batch.number)),
                "objections": by_batch.pop(batch.pk, []),
            }
        )
    outside = [o for rows in by_batch.values() for o in rows]
    return {"batches": batches, "objections_outside": outside}


def county_actions(case: Case) -> dict:
    """Part 10: 备案 and what the county did with it (reverse relations of the case)."""

    def rel(name: str):
        manager = getattr(case, name, None)
        return manager.all() if manager is not None else []

    queries = []
    for query in rel("review_queries").select_related("created_by").order_by("created_at", "pk"):
        messages = query.messages.select_related("author").order_by("created_at", "pk")
        queries.append({"query": query, "messages": list(messages)})
    return {
        "filings": list(rel("filings").select_related("acknowledged_by").order_by("filed_at")),
        "queries": queries,
        "spot_checks": list(
            rel("spot_checks").select_related("campaign", "recorded_by").order_by("pk")
        ),
        "amount_changes": list(rel("amount_changes").select_related("actor").order_by("pk")),
        "rectifications": list(rel("rectifications").select_related("issued_by").order_by("pk")),
        "complaints": list(rel("complaints").order_by("pk")),
    }


def decision_notices(case: Case, events: list[CaseEvent]) -> list[dict]:
    """Part 11: the written notices issued: refusal (A Art.21), termination (A Art.29),
    revocation by the county (seeds 000, 003)."""
    notices = []
    for e in events:
        if e.target_state == CaseState.REFUSED:
            notices.append({"kind": "refusal", "title": "不予确认告知书", "event": e})
        elif e.target_state == CaseState.TERMINATED:
            notices.append({"kind": "termination", "title": "终止办理告知书", "event": e})
        elif e.target_state == CaseState.REVOKED:
            notices.append({"kind": "revocation", "title": "撤销决定书", "event": e})
    return notices


def case_file_context(
    case: Case, *, scans: list[Scan], survey_scans: list[Scan], check_scans: list[Scan]
) -> dict:
    """Everything templates/archive/casefile/file.html shows, part by part."""
    household = case.household
    members = list(household.members.all().order_by("pk"))
    events = signed_events(case)
    checks = list(
        case.economic_checks.select_related("returned_by", "report")
        .prefetch_related("member_results")
        .order_by("requested_at", "pk")
    )
    computation = AmountComputation.objects.filter(case=case).select_related("computed_by").first()
    # present through an uploaded document of the item's kind or a signed 原件已核验 record
    checklist = checklist_for_case(case)
    survey = getattr(case, "survey", None)  # the reverse one-to-one raises AttributeError
    evaluation = [e for e in events if e.transition == "finish_evaluation"]
    return {
        "case": case,
        "parts": PARTS,
        "household": household,
        "members": members,
        "incomes": list(household.income_items.select_related("member").order_by("pk")),
        "spendings": list(household.spendings.select_related("member").order_by("pk")),
        "assets": list(household.assets.select_related("member").order_by("pk")),
        "checklist": checklist,
        "document_notices": list(case.document_notices.order_by("issued_at", "pk")),
        "survey": survey,
        "survey_scans": survey_scans,
        "check_scans": check_scans,
        "authorisations": [
            s.document for s in scans if s.document.kind == Document.Kind.AUTHORISATION
        ],
        "checks": checks,
        "evaluation": event_rows(evaluation),
        "notice_rows": notice_rows(case, events),
        "notices": notice_batches(case, scans),
        "signed": event_rows(events),
        "computation": computation,
        "county": county_actions(case),
        "decision_notices": decision_notices(case, events),
        "scans": scans,
        "tekun": getattr(case, "tekun_assessment", None)
        if case.assistance_type.workflow == "tekun"
        else None,
    }
