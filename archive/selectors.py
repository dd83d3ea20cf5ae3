"""Reads of the archive, always through region scoping (relief/scoping.py): a case or a
document outside the user's region is a 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from archive.models import ArchiveExport, Document
from cases.models import Case
from relief.models import User
from relief.scoping import scope_by_region


def archive_cases_for_user(*, user: User) -> QuerySet[Case]:
    """The cases whose files ``user`` may see, with what a case file's cover needs."""
    return scope_by_region(Case.objects.all(), user).select_related(
        "assistance_type",
        "township",
        "township__parent",
        "village",
        "applicant",
        "household",
        "created_by",
        "accepted_by",
    )


def archive_case_get_for_user(*, user: User, pk: int) -> Case:
    return get_object_or_404(archive_cases_for_user(user=user), pk=pk)


def document_get_for_user(*, user: User, pk: int) -> Document:
    """404 unless ``user`` may see the document's case."""
    doc = get_object_or_404(Document.objects.only("pk", "case_id"), pk=pk)
    case = archive_case_get_for_user(user=user, pk=doc.case_id)
    doc = Document.objects.get(pk=pk)
    doc.case = case
    return doc


def documents_for_case(case: Case) -> QuerySet[Document]:
    return case.documents.select_related("uploaded_by").order_by("kind", "uploaded_at", "pk")


def exports_for_user(*, user: User) -> QuerySet[ArchiveExport]:
    """A user sees the exports they asked for (a download is re-checked case by case)."""
    if not user.is_authenticated:
        return ArchiveExport.objects.none()
    return ArchiveExport.objects.filter(requested_by=user).select_related("job", "requested_by")


def export_get_for_user(*, user: User, pk: int) -> ArchiveExport:
    return get_object_or_404(exports_for_user(user=user), pk=pk)
