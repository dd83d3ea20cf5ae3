"""Reads of archive documents, always through the case's scoping."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from archive.models import Document
from cases.selectors import case_get_for_user


def document_get_for_user(*, user, pk) -> Document:
    """404 unless ``user`` may see the document's case (cases.selectors.case_get_for_user)."""
    doc = get_object_or_404(Document.objects.only("pk", "case_id"), pk=pk)
    case = case_get_for_user(user=user, pk=doc.case_id)
    doc = Document.objects.get(pk=pk)
    doc.case = case
    return doc


def documents_for_case(case):
    return case.documents.select_related("uploaded_by").order_by("kind", "uploaded_at", "pk")
