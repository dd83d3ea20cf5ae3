from django.contrib import admin

from archive.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = (
        "case",
        "kind",
        "original_name",
        "content_type",
        "size",
        "uploaded_by",
        "uploaded_at",
    )
    readonly_fields = ("sha256", "content_type", "size")


# Intake reference data configured by the administrator. Registered here because
# cases/admin.py belongs to the workflow part; move it there when convenient.
from cases.models import ChecklistItem  # noqa: E402


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """受理材料清单: ID, 户口簿 and the "一本一书" authorisation by default; add more here."""

    list_display = ("sort_order", "name", "code", "required", "categories", "active")
    list_editable = ("required", "active")
    list_display_links = ("name",)
