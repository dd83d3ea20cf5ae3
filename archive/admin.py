from django.contrib import admin

from archive.models import ArchiveAccessLog, ArchiveExport, ArchiveNumber, CaseFileRecord, Document


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


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records of what was generated, handed out or refused: shown, never edited."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ArchiveNumber)
class ArchiveNumberAdmin(ReadOnlyAdmin):
    list_display = ("number", "case", "assigned_at")
    search_fields = ("number", "case__number")


@admin.register(CaseFileRecord)
class CaseFileRecordAdmin(ReadOnlyAdmin):
    list_display = ("archive_number", "case", "pages", "sha256", "generated_by", "generated_at")
    search_fields = ("sha256", "archive_number", "case__number")


@admin.register(ArchiveExport)
class ArchiveExportAdmin(ReadOnlyAdmin):
    list_display = ("pk", "requested_by", "requested_at", "total", "done", "status")
    list_filter = ("status",)


@admin.register(ArchiveAccessLog)
class ArchiveAccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "action", "actor", "export", "note")
    list_filter = ("action",)
