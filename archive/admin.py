from django.contrib import admin

from archive.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ("case", "kind", "original_name", "content_type", "size", "uploaded_by", "uploaded_at")
    readonly_fields = ("sha256", "content_type", "size")
