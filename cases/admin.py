"""Admin of the cases app. The case log is read-only here (and append-only in the
database on PostgreSQL); cases change state only through cases.workflow."""

from django.contrib import admin

from cases.models import Case, CaseEvent, ChecklistItem


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "case",
        "label",
        "source_state",
        "target_state",
        "actor_name",
        "actor_role",
        "client_address",
    )
    list_filter = ("transition", "actor_role")
    search_fields = ("case__number", "actor_name", "opinion")
    list_select_related = ("case",)
    date_hierarchy = "created_at"


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Read-only: a state change outside case_transition would skip guards and the log."""

    list_display = (
        "number",
        "assistance_type",
        "township",
        "village",
        "state",
        "accepted_on",
        "decided_on",
    )
    list_filter = ("state", "assistance_type", "near_relative_flag", "complaint_flag")
    search_fields = ("number",)
    list_select_related = ("assistance_type", "township", "village")


# Intake reference data configured by the administrator.
@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    """受理材料清单: ID, 户口簿 and the "一本一书" authorisation by default; add more here."""

    list_display = ("sort_order", "name", "code", "required", "categories", "active")
    list_editable = ("required", "active")
    list_display_links = ("name",)
